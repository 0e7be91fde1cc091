"""How long RUM data is kept: page views RUM_RETENTION_DAYS, aggregates
RUM_AGGREGATE_RETENTION_DAYS. Deleted in batches so no statement holds its locks for long.
Run daily by the scheduler (rum/tasks.py) and by hand with `manage.py prune_rum`."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from .models import DailyMetric, PageView, TopTarget

BATCH = 5000


@dataclass(frozen=True)
class Expired:
    page_views: QuerySet
    aggregates: tuple[QuerySet, ...]


def expired(*, days: int | None = None) -> Expired:
    days = settings.RUM_RETENTION_DAYS if days is None else days
    today = timezone.localdate()
    oldest_aggregate = today - datetime.timedelta(days=settings.RUM_AGGREGATE_RETENTION_DAYS - 1)
    return Expired(
        page_views=PageView.objects.filter(day__lt=today - datetime.timedelta(days=days - 1)),
        aggregates=(
            DailyMetric.objects.filter(day__lt=oldest_aggregate),
            TopTarget.objects.filter(day__lt=oldest_aggregate),
        ),
    )


def delete_in_batches(queryset):
    deleted = 0
    while True:
        ids = list(queryset.values_list("id", flat=True)[:BATCH])
        if not ids:
            return deleted
        deleted += queryset.model.objects.filter(id__in=ids).delete()[0]


def prune(*, days: int | None = None) -> tuple[int, int]:
    """Delete what is past retention; returns (page views, aggregates) deleted."""
    old = expired(days=days)
    return delete_in_batches(old.page_views), sum(delete_in_batches(q) for q in old.aggregates)
