"""The queue's own upkeep: finished task rows are deleted after TASK_RESULTS_KEPT_DAYS."""

import io

from django.conf import settings
from django.core.management import call_command
from django.tasks import default_task_backend, task
from django_tasks_db import DatabaseBackend


@task
def prune_task_results() -> None:
    if isinstance(default_task_backend, DatabaseBackend):  # other backends keep no rows
        call_command(
            "prune_db_task_results", min_age_days=settings.TASK_RESULTS_KEPT_DAYS, stdout=io.StringIO()
        )
