"""RUM upkeep as tasks the scheduler enqueues (registered in RumConfig.ready()): the daily
aggregates of yesterday and today (idempotent: they are replaced), and the retention sweep."""

import datetime

from django.tasks import task
from django.utils import timezone

from railconnect.task_retries import retried

from .aggregation import aggregate
from .retention import prune


@task
@retried(attempts=3, first_delay=60)
def aggregate_recent_days() -> int:
    today = timezone.localdate()
    return aggregate(today - datetime.timedelta(days=1), today)


@task
@retried(attempts=3, first_delay=60)
def prune_expired() -> None:
    prune()
