"""Gunicorn settings for this 2-core machine; each value is overridable by its env variable.

gthread workers: a request mostly waits on PostgreSQL/Redis, so a few threads per process keep
both cores busy without the memory of many processes. Two workers per core is the usual start.
"""

import multiprocessing
import os

worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Recycle workers now and then so a slow leak cannot grow forever; jitter avoids all restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 200))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
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

    def warm():
        try:
            call_command("warm_cache", stdout=io.StringIO(), stderr=io.StringIO())
        except Exception:  # a cold cache is slower, never fatal
            worker.log.exception("warming the local cache failed")

    threading.Thread(target=warm, name="warm-cache", daemon=True).start()
