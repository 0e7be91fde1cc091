"""Periodic jobs: a registry the domain apps fill from their AppConfig.ready(), and the one
function the scheduler process calls on each tick.

Time is cut into slots of each job's interval (counted from the Unix epoch, so every scheduler
agrees on them). On a tick, a job whose current slot has no PeriodicRun row gets one and its task
is enqueued, in one transaction: the task queue (django_tasks_db) lives in the same database, so
either both are written or neither. The unique (job, slot) pair makes a second scheduler's insert
fail: however many schedulers run, each slot is enqueued once. A scheduler that was down misses
the slots it slept through and enqueues the current one when it comes back; every job catches up
by itself (it works on "everything due by now", never on "the last interval").
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import PeriodicRun

logger = logging.getLogger(__name__)

# Rows older than this are deleted by the ticks (they only guard the current slot).
RUN_RECORDS_KEPT = datetime.timedelta(days=2)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    # Seconds between runs, read on every tick (settings may change it, tests make it short).
    interval: Callable[[], float]
    # A django.tasks Task (anything with .enqueue()).
    task: Any


jobs: dict[str, PeriodicJob] = {}


def every(*, name: str, interval: Callable[[], float], task: Any) -> None:
    """Register (or replace) a periodic job; called from AppConfig.ready()."""
    jobs[name] = PeriodicJob(name=name, interval=interval, task=task)


def slot_start(*, now: datetime.datetime, seconds: float) -> datetime.datetime:
    epoch = now.timestamp()
    return datetime.datetime.fromtimestamp(epoch - epoch % seconds, tz=datetime.UTC)


def enqueue_due(*, now: datetime.datetime | None = None) -> list[str]:
    """Enqueue every job whose current slot has not been enqueued yet; returns their names."""
    now = now or timezone.now()
    enqueued = []
    for job in list(jobs.values()):
        slot = slot_start(now=now, seconds=max(job.interval(), 1.0))
        try:
            with transaction.atomic():
                PeriodicRun.objects.create(job=job.name, slot=slot)
                job.task.enqueue()
        except IntegrityError:
            continue  # this slot was enqueued already (by this scheduler or another)
        enqueued.append(job.name)
        logger.info("enqueued periodic job %s for %s", job.name, slot.isoformat())
    PeriodicRun.objects.filter(slot__lt=now - RUN_RECORDS_KEPT).delete()
    return enqueued
