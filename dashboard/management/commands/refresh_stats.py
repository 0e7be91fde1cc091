"""Refresh the passengers' travel statistics (the materialized view, on PostgreSQL).

    python manage.py refresh_stats             # REFRESH MATERIALIZED VIEW CONCURRENTLY: readers never wait
    python manage.py refresh_stats --blocking  # plain REFRESH: faster, but the dashboard's
                                               # statistics wait for it (maintenance windows)

Run it from cron (every few minutes): besides catching up with booking changes (which also
trigger a refresh, see dashboard/travel_stats.py), it is what moves journeys whose train has since
departed into "journeys taken". On SQLite there is no view: statistics are computed on each read.
"""

from django.core.management.base import BaseCommand

from dashboard import travel_stats
from dashboard.models import UserTravelStats


class Command(BaseCommand):
    help = "Refresh the travel statistics materialized view (PostgreSQL; nothing to do on SQLite)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--blocking",
            action="store_true",
            help="Refresh without CONCURRENTLY (faster; readers wait until it is done).",
        )

    def handle(self, *args, blocking=False, verbosity=1, **options):
        seconds = travel_stats.refresh(concurrently=not blocking)
        if seconds is None:
            if verbosity:
                self.stdout.write(
                    "No materialized view on this database: statistics are computed on each read."
                )
            return
        if verbosity:
            rows = UserTravelStats.objects.count()
            self.stdout.write(
                f"Refreshed {travel_stats.VIEW}{'' if blocking else ' concurrently'}: "
                f"{rows} passengers in {seconds:.2f} s."
            )
