from django.apps import AppConfig


class RumConfig(AppConfig):
    name = "rum"
    verbose_name = "Real User Monitoring"

    def ready(self):
        from observability.metrics import scrape_collectors

        from .metrics import web_vitals

        if web_vitals not in scrape_collectors:
            scrape_collectors.append(web_vitals)
