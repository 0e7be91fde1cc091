"""Gunicorn worker exits as Prometheus counters, counted by gunicorn.conf.py's server hooks.

railconnect_worker_exits_total{reason} is counted by the arbiter (the master process) in its
`child_exit` hook, so a worker killed outright (SIGKILL, the kernel's out-of-memory killer) is
counted too, which the worker itself could not do:

- `timeout`: the arbiter killed the worker for missing its heartbeat for GUNICORN_TIMEOUT seconds
  (a request stuck that long, or a stalled process);
- `reload`: replaced by a reload (SIGHUP, a deploy), within the graceful timeout of it;
- `exited`: anything else: a crash, a kill from outside, or a recycle after GUNICORN_MAX_REQUESTS.

railconnect_worker_recycles_total is counted by the worker itself as it leaves after serving
GUNICORN_MAX_REQUESTS requests (gunicorn's `worker_exit` hook), so an alert can tell planned
recycling from crashes: unexpected exits = exits{reason!="reload"} - recycles. Exits while the
whole server stops are not counted.

Both are multiprocess-safe: under gunicorn prometheus_client writes each process's values to its
own file in PROMETHEUS_MULTIPROC_DIR, a counter's file stays counted after its process ends, and
the arbiter's file lives as long as the server. This module imports nothing from Django, so the
arbiter can use it; observability.metrics imports it so that every worker reports both names
(at 0) from its first scrape.
"""

import time

from prometheus_client import Counter

WORKER_EXITS = Counter(
    "railconnect_worker_exits",
    "Gunicorn workers that exited while the server ran, by reason (timeout, reload, exited)",
    ["reason"],
)
WORKER_RECYCLES = Counter(
    "railconnect_worker_recycles", "Gunicorn workers that left after serving GUNICORN_MAX_REQUESTS"
)
REASONS = ("timeout", "reload", "exited")
for _reason in REASONS:  # every series exists from the start, so increase() sees the first exit
    WORKER_EXITS.labels(_reason)

_last_reload = {"at": float("-inf")}


def reloaded() -> None:
    """The arbiter's `on_reload` hook: its old workers are about to be replaced."""
    _last_reload["at"] = time.monotonic()


def exit_reason(*, aborted: bool, reload_window: float) -> str:
    if aborted:  # gunicorn sets it when it sends SIGABRT to a worker that missed its heartbeat
        return "timeout"
    if time.monotonic() - _last_reload["at"] <= reload_window:
        return "reload"
    return "exited"


def count_exit(*, aborted: bool, stopping: bool, reload_window: float) -> str | None:
    """The arbiter's `child_exit` hook; returns the reason counted (None while stopping)."""
    if stopping:
        return None
    reason = exit_reason(aborted=aborted, reload_window=reload_window)
    WORKER_EXITS.labels(reason).inc()
    return reason


def count_recycle(*, served: int, max_requests: int) -> bool:
    """The worker's `worker_exit` hook: whether it left because it served its quota of requests."""
    if max_requests > 0 and served >= max_requests:
        WORKER_RECYCLES.inc()
        return True
    return False
