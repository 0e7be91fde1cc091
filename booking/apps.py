from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "booking"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from observability.metrics import scrape_collectors

        from .metrics import booking_queue
        from .warming import register_rankings

        register_rankings()
        from . import hold_limits  # noqa: F401  (registers its system checks)

        if booking_queue not in scrape_collectors:
            scrape_collectors.append(booking_queue)
