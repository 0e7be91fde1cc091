from django.apps import AppConfig


class RumConfig(AppConfig):
    name = "rum"
    verbose_name = "Real User Monitoring"

    def ready(self):
        from observability.metrics import scrape_collectors

        from .metrics import web_vitals

        if web_vitals not in scrape_collectors:
            scrape_collectors.append(web_vitals)

        from django.conf import settings

        from scheduler.periodic import every

        from .tasks import aggregate_recent_days, prune_expired

        every(
            name="aggregate-rum", interval=lambda: settings.RUM_AGGREGATE_SECONDS, task=aggregate_recent_days
        )
        every(name="prune-rum", interval=lambda: settings.RUM_PRUNE_SECONDS, task=prune_expired)
