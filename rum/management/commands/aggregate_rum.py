"""Recompute the daily Web Vitals aggregates (p75, good / needs-improvement / poor).

    manage.py aggregate_rum                 # yesterday and today (run it from cron, e.g. every 15 min)
    manage.py aggregate_rum --days 30       # the last 30 days, today included
    manage.py aggregate_rum --date 2026-11-01

Idempotent: the figures of the chosen days are replaced.
"""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rum.aggregation import aggregate


class Command(BaseCommand):
    help = "Aggregate RUM page views into daily p75 figures per page route, metric and device class."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=2, help="how many days back from today (default 2)")
        parser.add_argument("--date", help="one day (YYYY-MM-DD) instead")

    def handle(self, *args, **options):
        if options["date"]:
            try:
                first = last = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date must be YYYY-MM-DD") from None
        else:
            if options["days"] < 1:
                raise CommandError("--days must be at least 1")
            last = timezone.localdate()
            first = last - datetime.timedelta(days=options["days"] - 1)
        started = time.perf_counter()
        written = aggregate(first, last)
        self.stdout.write(
            f"Aggregated {first} to {last}: {written} figures in {time.perf_counter() - started:.2f} s."
        )
