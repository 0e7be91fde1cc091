"""A task for tests/test_scheduler.py that fails while it has run no more than `fail_times` times."""

from django.tasks import task

from railconnect.task_retries import retried

runs: list[int] = []


@task
@retried(attempts=3, first_delay=5)
def flaky(*, fail_times: int) -> str:
    runs.append(1)
    if len(runs) <= fail_times:
        raise RuntimeError("a passing fault")
    return "done"
