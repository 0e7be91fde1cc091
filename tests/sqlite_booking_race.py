"""Run by tests/test_booking_concurrency.py in a subprocess (`python -m tests.sqlite_booking_race
THREADS PER_THREAD` from the project root): concurrent bookings on a file SQLite
database (the test database pytest-django makes is in memory, which threads cannot share safely).

Prints a JSON summary of what the database holds afterwards.
"""

import json
import os
import sys
import threading
from collections import Counter

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "railconnect.settings")
django.setup()

from django.core.management import call_command  # noqa: E402 - after django.setup()
from django.db import connection  # noqa: E402

THREADS, PER_THREAD = int(sys.argv[1]), int(sys.argv[2])


def main():
    call_command("migrate", verbosity=0)
    from booking import admission
    from booking.booking_requests import parse_booking_request
    from booking.models import BookingPassenger

    from testsupport.bookings import payload, set_coaches
    from testsupport.networks import booking_network
    from testsupport.users import make_user

    booking_network()
    set_coaches("12951", "3A", 1)
    # One passenger per booking: a passenger may hold only a few unpaid bookings (hold_limits).
    users = [[make_user(f"sqlite{i}-{n}") for n in range(PER_THREAD)] for i in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    errors = []

    def fire(index):
        try:
            barrier.wait()
            for n in range(PER_THREAD):
                request = parse_booking_request(payload())
                admission.hold_booking(users[index][n], request)
        except Exception as error:  # noqa: BLE001 - reported to the test
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    rows = list(BookingPassenger.objects.values("status", "number", "unit"))
    print(
        json.dumps(
            {
                "errors": errors,
                "hung": sum(thread.is_alive() for thread in threads),
                "statuses": Counter(row["status"] for row in rows),
                "units": [row["unit"] for row in rows if row["status"] in ("CNF", "RAC")],
                "rac": sorted(row["number"] for row in rows if row["status"] == "RAC"),
                "wl": sorted(row["number"] for row in rows if row["status"] == "WL"),
            }
        )
    )


if __name__ == "__main__":
    main()
