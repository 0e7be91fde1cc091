"""Data for the cluster drills and `make bench-cluster`, written by a process of its own into the
cluster's primary (DATABASE_URL in its environment), since the test process's Django is connected
to pytest's database: the booking network, a class with room, signed-in passengers and one
passenger with a password (for the real log-in form).

    DATABASE_URL=postgres://...:5441/railconnect python -m testsupport.cluster_data PREFIX COUNT

prints {"credentials": [[sessionid, csrf], ...], "username": ..., "password": ...} as JSON.
"""

import json
import os
import sys

PASSWORD = "a-long-cluster-password-2026"


def main(prefix: str, count: int) -> dict[str, object]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "railconnect.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from timetable.models import Train

    from testsupport.bookings import set_coaches
    from testsupport.load_harness import signed_in_users
    from testsupport.networks import booking_network

    if not Train.objects.filter(number="12002").exists():
        booking_network()
        # Room for every drill's bookings: 20 sleeper coaches.
        set_coaches("12002", "SL", 20)
    credentials = signed_in_users(count, prefix=prefix)
    username = f"{prefix}-form"
    get_user_model().objects.create(
        username=username,
        email=f"{username}@example.com",
        password=PBKDF2PasswordHasher().encode(PASSWORD, "clustersalt01234"),
    )
    return {"credentials": credentials, "username": username, "password": PASSWORD}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]))))
