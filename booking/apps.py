from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "booking"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from observability.metrics import scrape_collectors
        from scheduler.periodic import every

        from .metrics import booking_queue
        from .warming import register_rankings

        register_rankings()
        from . import hold_limits  # noqa: F401  (registers its system checks)
        from .tasks import expire_holds_task, prepare_due_charts_task

        every(
            name="prepare-charts", interval=lambda: settings.CHART_SWEEP_SECONDS, task=prepare_due_charts_task
        )
        every(name="expire-holds", interval=lambda: settings.HOLD_SWEEP_SECONDS, task=expire_holds_task)

        if booking_queue not in scrape_collectors:
            scrape_collectors.append(booking_queue)
