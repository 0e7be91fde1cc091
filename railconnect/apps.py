from django.apps import AppConfig


class RailconnectConfig(AppConfig):
    name = "railconnect"

    def ready(self):
        from . import checks  # noqa: F401  (registers railconnect.E001)
