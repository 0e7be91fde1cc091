"""The booking sweeps as tasks (django.tasks): the scheduler enqueues them on time
(scheduler/periodic.py, registered in BookingConfig.ready()); `manage.py prepare_chart` and
`manage.py expire_holds` call the same functions by hand. Both are idempotent: a chart already
prepared is skipped, an expired hold is released once."""

import datetime
from dataclasses import dataclass

from django.tasks import task
from django.utils import timezone

from railconnect.task_retries import retried

from . import partitions
from .reservations import charts_due, expire_holds, prepare_chart


@dataclass(frozen=True)
class ChartsPrepared:
    charts: int
    cancelled_bookings: int


def prepare_due_charts(*, now: datetime.datetime | None = None) -> ChartsPrepared:
    """Prepare every chart whose time (CHART_HOURS_BEFORE_DEPARTURE before departure) has come."""
    now = now or timezone.now()
    charts = cancelled = 0
    for using in partitions.aliases():  # each partition's trains, one chart per transaction
        for inventory_id in list(charts_due(now, using=using)):
            result = prepare_chart(inventory_id, now, using=using)
            charts += 1
            cancelled += len(result.cancelled_bookings)
    return ChartsPrepared(charts=charts, cancelled_bookings=cancelled)


@task
@retried(attempts=3, first_delay=10)
def prepare_due_charts_task() -> int:
    return prepare_due_charts().charts


@task
@retried(attempts=3, first_delay=10)
def expire_holds_task() -> int:
    return expire_holds()
