from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Train search"

    def ready(self):
        from .warming import register_warmers

        register_warmers()
