"""The scheduler process: enqueues the periodic jobs (scheduler/periodic.py) on time, forever.

    manage.py run_scheduler          # until SIGINT / SIGTERM
    manage.py run_scheduler --once   # one tick (cron-style, or to catch up by hand)

It runs no job itself: a task worker (`manage.py db_worker`) does. `make run` starts one of each
beside gunicorn (gunicorn.conf.py); in production run them as their own services.
"""

import signal
import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from scheduler.periodic import enqueue_due


class Command(BaseCommand):
    help = "Enqueue the periodic jobs (charts, hold expiry, statistics, RUM) when they are due."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="one tick, then exit")

    def handle(self, *args: Any, once: bool = False, **options: Any) -> None:
        stopping = threading.Event()
        if not once:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda signum, frame: stopping.set())
        while True:
            for name in enqueue_due():
                if options["verbosity"] > 1:
                    self.stdout.write(f"enqueued {name}")
            if once or stopping.wait(settings.SCHEDULER_TICK_SECONDS):
                return
            close_old_connections()  # as between requests: drop a connection that broke or aged
