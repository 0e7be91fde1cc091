"""Retries for django.tasks tasks: the queue's worker (django_tasks_db's db_worker) runs a task
once and records a failure, so a task that may meet a passing fault (a mail server down, a
database deadlock) wraps its function in `retried`, under `@task`:

    @task
    @retried(attempts=5)
    def send_mail(...): ...

A failed attempt enqueues the same task again (with `attempt` + 1 in its keyword arguments),
after a back-off that doubles, where the backend can defer (the database queue can; the
immediate backend tests use runs it again at once). The last attempt's error is raised, so the
queue records the task as failed. Retried tasks must be idempotent: an attempt may fail after
part of its work.
"""

import datetime
import functools
import logging
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def retried(
    *, attempts: int = 5, first_delay: float = 30.0
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def run(*args: Any, attempt: int = 1, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except Exception:
                if attempt >= attempts:
                    raise
                logger.exception(
                    "%s failed (attempt %d of %d): retrying", function.__qualname__, attempt, attempts
                )
            # The module attribute is the Task that @task made of `run`.
            this_task = import_string(f"{function.__module__}.{function.__qualname__}")
            if this_task.get_backend().supports_defer:
                delay = first_delay * 2 ** (attempt - 1)
                this_task = this_task.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
            this_task.enqueue(*args, attempt=attempt + 1, **kwargs)
            return None

        return run

    return decorate
