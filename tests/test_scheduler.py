"""The task queue and the scheduler (scheduler/, docs/tasks.md): periodic jobs are enqueued once
per slot however many schedulers run, tasks are retried, and a chart is prepared on time by a real
worker and scheduler with nobody running a command."""

import datetime
import os
import subprocess
import sys
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.tasks import default_task_backend, task
from django.utils import timezone

from booking import admission
from booking.booking_requests import parse_booking_request
from booking.models import Inventory
from scheduler import periodic
from scheduler.models import PeriodicRun

from testsupport.bookings import payload
from testsupport.databases import ROOT
from testsupport.users import new_passenger


@task
def count_calls() -> None:
    pass


@pytest.fixture
def queued(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    return default_task_backend


@pytest.fixture
def one_job(monkeypatch):
    monkeypatch.setattr(periodic, "jobs", {})
    periodic.every(name="count", interval=lambda: 60, task=count_calls)


def test_each_slot_is_enqueued_once_whoever_ticks(db, queued, one_job):
    at = datetime.datetime(2026, 11, 30, 10, 0, 5, tzinfo=datetime.UTC)
    assert periodic.enqueue_due(now=at) == ["count"]
    # A second tick in the same minute, or a second scheduler: nothing more.
    assert periodic.enqueue_due(now=at + datetime.timedelta(seconds=50)) == []
    assert periodic.enqueue_due(now=at + datetime.timedelta(seconds=55)) == ["count"]
    assert len(queued.results) == 2
    assert PeriodicRun.objects.count() == 2


def test_the_apps_register_the_periodic_jobs():
    assert {"prepare-charts", "expire-holds", "refresh-stats", "aggregate-rum", "prune-rum"} <= set(
        periodic.jobs
    )


def test_run_scheduler_once_enqueues_every_job(db, queued):
    call_command("run_scheduler", "--once")
    assert {result.task for result in queued.results} == {job.task for job in periodic.jobs.values()}


def test_a_failing_task_is_retried_later_then_recorded_as_failed(db, queued):
    from tests import retried_tasks

    retried_tasks.runs.clear()
    retried_tasks.flaky.call(fail_times=5)  # attempt 1 fails: attempt 2 is queued, deferred
    (second,) = queued.results
    assert second.kwargs == {"fail_times": 5, "attempt": 2}
    assert second.task.run_after is not None and second.task.run_after > timezone.now()
    with pytest.raises(RuntimeError):
        retried_tasks.flaky.call(fail_times=5, attempt=3)  # the last attempt raises: recorded failed
    assert retried_tasks.flaky.call(fail_times=2, attempt=3) == "done"  # the third run succeeds


def _prepared_within(inventory_id, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        prepared = Inventory.objects.filter(pk=inventory_id).values_list("chart_prepared_at", flat=True).get()
        if prepared is not None:
            return prepared
        time.sleep(0.2)
    return None


@pytest.mark.django_db(transaction=True)
def test_a_chart_is_prepared_on_time_by_the_worker_and_the_scheduler(postgres_only, network):
    """Real processes on the test database: `manage.py db_worker` and `manage.py run_scheduler`.
    The train's chart time is set a few seconds ahead (as for a train leaving in 8 hours and a few
    seconds); the settings only make the scheduler's tick and the chart sweep short."""
    admission.hold_booking(new_passenger(), parse_booking_request(payload()))
    inventory = Inventory.objects.get()
    due = timezone.now() + datetime.timedelta(seconds=4)
    Inventory.objects.filter(pk=inventory.pk).update(chart_due_at=due)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "railconnect.settings",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "SCHEDULER_TICK_SECONDS": "0.5",
        "CHART_SWEEP_SECONDS": "1",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for command in (["db_worker", "--interval", "0.2", "--no-startup-delay"], ["run_scheduler"])
    ]
    try:
        prepared = _prepared_within(inventory.pk, 90)
    finally:
        for process in processes:
            process.terminate()
        errors = [process.communicate(timeout=30)[1].decode() for process in processes]
    assert prepared is not None, errors
    # Not before its time, and soon after (a sweep a second, a tick each half second; the margin
    # is for a loaded machine).
    assert due <= prepared <= due + datetime.timedelta(seconds=60), (due, prepared)
    assert all(process.returncode is not None for process in processes), "both stop on SIGTERM"
