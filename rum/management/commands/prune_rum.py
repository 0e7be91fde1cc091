"""Delete RUM page views older than RUM_RETENTION_DAYS and aggregates older than
RUM_AGGREGATE_RETENTION_DAYS (run it daily from cron). Deletes in batches so no statement holds
its locks for long.

    manage.py prune_rum [--days N] [--dry-run]
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rum.models import DailyMetric, PageView, TopTarget

BATCH = 5000


def delete_in_batches(queryset):
    deleted = 0
    while True:
        ids = list(queryset.values_list("id", flat=True)[:BATCH])
        if not ids:
            return deleted
        deleted += queryset.model.objects.filter(id__in=ids).delete()[0]


class Command(BaseCommand):
    help = "Delete RUM data past its retention period."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, help="keep page views this many days (default RUM_RETENTION_DAYS)"
        )
        parser.add_argument("--dry-run", action="store_true", help="only count what would be deleted")

    def handle(self, *args, **options):
        days = options["days"] if options["days"] is not None else settings.RUM_RETENTION_DAYS
        if days < 1:
            raise CommandError("--days must be at least 1")
        today = timezone.localdate()
        views = PageView.objects.filter(day__lt=today - datetime.timedelta(days=days - 1))
        oldest_aggregate = today - datetime.timedelta(days=settings.RUM_AGGREGATE_RETENTION_DAYS - 1)
        aggregates = DailyMetric.objects.filter(day__lt=oldest_aggregate)
        targets = TopTarget.objects.filter(day__lt=oldest_aggregate)
        if options["dry_run"]:
            self.stdout.write(
                f"Would delete {views.count()} page views and "
                f"{aggregates.count() + targets.count()} aggregates."
            )
            return
        deleted_views = delete_in_batches(views)
        deleted_aggregates = delete_in_batches(aggregates) + delete_in_batches(targets)
        self.stdout.write(
            f"Deleted {deleted_views} page views (kept {days} days) and {deleted_aggregates} aggregates."
        )
