"""Delete RUM page views older than RUM_RETENTION_DAYS and aggregates older than
RUM_AGGREGATE_RETENTION_DAYS (rum/retention.py; the scheduler runs it daily).

    manage.py prune_rum [--days N] [--dry-run]
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rum.retention import expired, prune


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
        if options["dry_run"]:
            old = expired(days=days)
            self.stdout.write(
                f"Would delete {old.page_views.count()} page views and "
                f"{sum(q.count() for q in old.aggregates)} aggregates."
            )
            return
        deleted_views, deleted_aggregates = prune(days=days)
        self.stdout.write(
            f"Deleted {deleted_views} page views (kept {days} days) and {deleted_aggregates} aggregates."
        )
