"""A django.tasks backend that runs each task on a small thread pool of the web worker process.

Django ships two backends: one runs a task inside the request (ImmediateBackend), the other never
runs it (DummyBackend). Until the site has a task queue with its own workers, this one takes work
off the request path: enqueue() returns at once and a pool thread runs the task exactly as
ImmediateBackend would (task signals, status, failures logged by django.tasks). Moving to a real
queue is a change of settings.TASKS only: tasks are plain `@task` functions called with `.enqueue()`.

What it does not do: keep results (supports_get_result stays False), retry, or survive the process
(tasks still queued when a worker is killed are lost; a worker that exits normally, as gunicorn's
recycling does, finishes them first: the pool's threads are joined at interpreter exit). Fine for
the mail it carries today (a password-reset link the passenger can ask for again).

OPTIONS: THREADS, threads per worker process (default 2).
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connections
from django.tasks.backends.immediate import ImmediateBackend

# One pool per process and backend alias. Backend instances are per thread (django.tasks keeps
# them in a thread-local), so the pool can't live on the instance; keyed by pid so that a forked
# worker starts its own rather than inheriting a pool whose threads did not survive the fork.
_pools: dict[tuple[int, str], ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


class ThreadPoolBackend(ImmediateBackend):
    def _pool(self):
        key = (os.getpid(), self.alias)
        with _pools_lock:
            if key not in _pools:
                _pools[key] = ThreadPoolExecutor(
                    max_workers=int(self.options.get("THREADS", 2)), thread_name_prefix=f"tasks-{self.alias}"
                )
            return _pools[key]

    def _execute_task(self, task_result):
        # ImmediateBackend.enqueue builds the result and calls this: run it later, elsewhere.
        self._pool().submit(self._run, task_result)

    def _run(self, task_result):
        try:
            super()._execute_task(task_result)
        finally:
            # Database connections are per thread: hand this one's back (to the pool, on PostgreSQL).
            connections.close_all()
