"""Gunicorn settings for this 2-core machine; each value is overridable by its env variable.

gthread workers: a request mostly waits on PostgreSQL/Redis, so a few threads per process keep
both cores busy without the memory of many processes. Two workers per core is the usual start.
"""

import multiprocessing
import os
import shutil
import tempfile

worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Workers are not recycled by default (GUNICORN_MAX_REQUESTS=0). A recycled worker loses its
# in-process cache (L1) and closes its idle keep-alive connections, and a client reusing one at
# that moment is reset even with gunicorn 27's 2 s linger: recycling every ~3,000 requests reset
# 42 of 7,480 requests of idle clients (benchmarks/keepalive_race.py, docs/security/infra.md;
# finding 11). `make soak` checks that memory does not keep growing without it. To recycle
# anyway (a leak found in production), set e.g. GUNICORN_MAX_REQUESTS=20000, with jitter.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 0))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 2000))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
# Seconds an idle keep-alive connection is kept. Closing one races with a client that reuses it at
# that moment: its request meets a closed socket and is reset (ConnectionResetError 104; finding 11:
# the load test's Login users idle 5-10 s, across the old 5 s). So the server must outlast the
# idle gaps of its clients: 75 s, like nginx. An idle connection costs a gthread worker only a file
# descriptor in its poller, no thread. (Behind nginx, `make serve`, nginx closes its idle
# connections to gunicorn first, 15 s earlier: scripts/serve.py.)
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 75))
# Heartbeat files on tmpfs: a disk stall must not make the arbiter kill healthy workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"


def post_worker_init(worker):
    """Warm the cache before the first request. With Redis, `make run` already warmed the shared
    level; with the local-memory cache each worker has its own, so each warms itself, in a
    thread so the worker starts answering at once."""
    if os.environ.get("REDIS_URL"):
        return
    import io
    import threading

    from django.core.management import call_command
    from django.db import Error as DatabaseError

    def warm():
        try:
            call_command("warm_cache", stdout=io.StringIO(), stderr=io.StringIO())
        except DatabaseError as error:  # the database is down: the outage is logged where it matters
            worker.log.warning("warming the local cache skipped: database unavailable (%s)", error)
        except Exception:  # a cold cache is slower, never fatal
            worker.log.exception("warming the local cache failed")

    threading.Thread(target=warm, name="warm-cache", daemon=True).start()


# Prometheus metrics (observability/metrics.py) in multiprocess mode: each worker writes its
# counters and histograms to files in PROMETHEUS_MULTIPROC_DIR and /metrics adds them all up,
# whichever worker answers. Unset: a new private directory per server (on tmpfs, like the
# heartbeat files), removed on exit. Set: that directory, emptied when the server starts (files of
# an earlier run would count twice).
_OWN_METRICS_DIR_PREFIX = "railconnect-metrics-"
_METRICS_PARENT = worker_tmp_dir or tempfile.gettempdir()


# The task worker and the scheduler (docs/tasks.md). With RUN_TASK_PROCESSES=1 (`make run` sets
# it) the arbiter starts one `manage.py db_worker` and one `manage.py run_scheduler` beside its web
# workers and stops them when it stops: one command, one Ctrl-C, and exactly one scheduler however
# many web workers there are (the arbiter is one process). In production leave it unset and run
# the two commands as services of their own (README).
_task_processes: list = []


def _start_task_processes(server):
    import subprocess
    import sys

    manage = os.path.join(os.path.dirname(os.path.abspath(__file__)), "manage.py")
    for command in (["db_worker", "--queue-name", "*", "--no-startup-delay"], ["run_scheduler"]):
        process = subprocess.Popen([sys.executable, manage, *command])
        server.log.info("started %s (pid %d)", " ".join(command), process.pid)
        _task_processes.append(process)


def when_ready(server):
    if os.environ.get("RUN_TASK_PROCESSES") == "1":
        _start_task_processes(server)


def _stop_task_processes():
    import subprocess

    for process in _task_processes:
        process.terminate()
    for process in _task_processes:
        try:
            process.wait(timeout=20)  # db_worker finishes the task it is running
        except subprocess.TimeoutExpired:
            process.kill()
    _task_processes.clear()


def on_starting(server):
    """In the arbiter, before any worker is forked: workers inherit the variable."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(
            prefix=_OWN_METRICS_DIR_PREFIX, dir=_METRICS_PARENT
        )
        return
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))


def child_exit(server, worker):
    """In the arbiter: a worker that exits (recycled by max_requests, or killed) takes its live
    gauges with it; its counters and histograms stay counted. The exit itself is counted
    (railconnect_worker_exits_total, observability/workers.py; the WorkerRestarts alert), unless
    the whole server is stopping (gunicorn closes its listeners first)."""
    from prometheus_client import multiprocess

    from observability.workers import count_exit

    multiprocess.mark_process_dead(worker.pid)
    count_exit(
        aborted=worker.aborted,
        stopping=not server.LISTENERS,
        reload_window=server.cfg.graceful_timeout + 5,
    )


def on_reload(server):
    """In the arbiter, on SIGHUP (a deploy): the old workers it replaces are not restarts."""
    from observability.workers import reloaded

    reloaded()


def worker_exit(server, worker):
    """In the worker, as it leaves: a planned recycle after max_requests is counted apart."""
    from observability.workers import count_recycle

    count_recycle(served=worker.nr, max_requests=worker.max_requests)


def on_exit(server):
    _stop_task_processes()
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if (
        os.path.basename(path).startswith(_OWN_METRICS_DIR_PREFIX)
        and os.path.dirname(path) == _METRICS_PARENT
    ):
        shutil.rmtree(path, ignore_errors=True)
