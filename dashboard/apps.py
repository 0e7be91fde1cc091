from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Booking changes mark the passenger's statistics stale and schedule a refresh of the
        # materialized view (dashboard/signals.py): hooked here, not in the booking code.
        from . import checks, signals  # noqa: F401  (checks registers itself)

        signals.connect()

        from django.conf import settings

        from scheduler.periodic import every

        from .travel_stats import refresh_periodically

        every(
            name="refresh-stats",
            interval=lambda: settings.DASHBOARD_STATS_PERIODIC_SECONDS,
            task=refresh_periodically,
        )
