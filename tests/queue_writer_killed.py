"""Run by tests/test_booking_queue.py in a subprocess (`python -m tests.queue_writer_killed
INVENTORY_ID` from the project root, DATABASE_URL naming the test database): become the inventory's
writer and stop dead in the middle of a batch, its bookings written but not committed.

It prints WRITTEN once the batch's bookings and passengers are inserted (its payments are next),
then sleeps until the test kills it with SIGKILL, as the OOM killer or a crash would.
"""

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "railconnect.settings")
django.setup()

from booking import admission  # noqa: E402 - after django.setup()
from payments import services  # noqa: E402


def stop_dead(*args, **kwargs):
    print("WRITTEN", flush=True)
    time.sleep(600)


if __name__ == "__main__":
    services.start_payments = stop_dead
    admission._write_batch(int(sys.argv[1]), "default")
    print("the batch finished: it should have been killed", flush=True)
    sys.exit(1)
