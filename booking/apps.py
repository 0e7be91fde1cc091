from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "booking"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .warming import register_rankings

        register_rankings()
        from . import hold_limits  # noqa: F401  (registers its system checks)
