"""Two app instances (two gunicorn processes on different ports) sharing one PostgreSQL and one
Redis: the scale-out path (README, "Scale-out and failure behaviour").

- A passenger who logs in through instance A's real form (CSRF token, password) is logged in on
  instance B with the same cookie; logging out on B logs out on A too. Sessions live in the
  database with Redis in front (cached_db), shared by every instance.
- Bookings sent through A and B at once, at one train, date and class with fewer seats than asked
  for, never double-sell: exactly the capacity confirmed, no seat twice, waitlist numbers 1..n, and
  the waitlist stops at the class's cap (the rest answered 409 REGRET, nothing written).
- The same Idempotency-Key sent to A and B at the same moment makes one booking.
"""

import json
import random
import threading
from collections import Counter

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from booking import coach_layouts, quotas
from booking.models import Booking, Inventory

from testsupport.bookings import set_coaches, travel_date
from testsupport.load_harness import Client, party, signed_in_users
from testsupport.networks import booking_network

from .helpers import assert_seat_map_consistent, log_in, wait_until_ready

CLIENTS = 8
PER_CLIENT = 10  # 80 bookings of 1 to 4 passengers: about 200 passengers for 100 seats
PASSWORD = "a-long-test-password-2026"


def test_two_instances_share_sessions_and_never_double_sell(test_database_url, private_redis, gunicorn):
    booking_network()
    set_coaches("12002", "2S", 1)  # one 2S coach: 100 General seats
    # The servers use Django's default hasher, not the fast one the tests configure in-process.
    get_user_model().objects.create(
        username="meera",
        email="meera@example.com",
        password=PBKDF2PasswordHasher().encode(PASSWORD, "faultsalt0123456"),
    )
    a = gunicorn(test_database_url, REDIS_URL=private_redis.url)
    b = gunicorn(test_database_url, REDIS_URL=private_redis.url)
    assert a.port != b.port
    wait_until_ready(a)
    wait_until_ready(b)

    # Logged in on A, logged in on B.
    session = log_in(a.port, "meera", PASSWORD)
    for server in (a, b):
        status, headers, _body = Client(server.port, session).request("GET", "/accounts/password/change/")
        assert status == 200, (server.port, status, headers.get("Location"))  # not sent to the log-in page
    status, headers, _body = Client(b.port, None).request("GET", "/accounts/password/change/")
    assert status == 302 and "/accounts/login/" in headers["Location"]  # the control: no cookie, no entry

    # Bookings through both at once, each by its own passenger (a passenger may hold only a few
    # unpaid bookings: booking/hold_limits.py).
    credentials = signed_in_users(CLIENTS * PER_CLIENT, prefix="scaleout")
    date = travel_date().isoformat()
    rng = random.Random(2)
    bodies = [
        [
            {
                "train": "12002",
                "date": date,
                "from": "AAA",
                "to": "DDD",
                "class": "2S",
                "passengers": party(rng, rng.randint(1, 4), "Scale Out"),
            }
            for _ in range(PER_CLIENT)
        ]
        for _ in range(CLIENTS)
    ]
    answers, failures = [], []
    start = threading.Barrier(CLIENTS)

    def run(n):
        # Each client alternates between the instances, as behind a round-robin load balancer.
        clients = [Client(a.port, None), Client(b.port, None)]
        try:
            start.wait()
            for i in range(PER_CLIENT):
                which = (n + i) % 2
                clients[which].act_as(credentials[n * PER_CLIENT + i])
                status, _headers, data = clients[which].until_decided(
                    clients[which].request(
                        "POST",
                        "/api/bookings",
                        json.dumps(bodies[n][i]),
                        {"Content-Type": "application/json", "Idempotency-Key": f"scale-{n}-{i}"},
                    )
                )
                # Decided at once (201) or after a 202 on the request's URL (200): the same document.
                answers.append(("AB"[which], 201 if status == 200 else status, json.loads(data)))
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(f"client {n}: {error!r}")
        finally:
            for client in clients:
                client.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads) and not failures, failures
    http = Counter(status for _, status, _ in answers)
    assert set(http) <= {201, 409} and http.total() == CLIENTS * PER_CLIENT, answers[:3]
    assert all(body["status"] == "REGRET" for _, status, body in answers if status == 409)
    assert Counter(instance for instance, _, _ in answers) == {
        "A": CLIENTS * PER_CLIENT // 2,
        "B": CLIENTS * PER_CLIENT // 2,
    }

    inventory = Inventory.objects.get(train__number="12002", travel_class="2S")
    rows = assert_seat_map_consistent(inventory)
    statuses = Counter(row["status"] for row in rows)
    capacity = coach_layouts.capacity("2S", 1)["GN"]
    cap = quotas.waitlist_cap(
        "2S",
        coach_layouts.berth_count("2S", 1),
        settings.WAITLIST_CAP_AC_PERCENT,
        settings.WAITLIST_CAP_NON_AC_PERCENT,
    )
    asked = sum(len(body["passengers"]) for client in bodies for body in client)
    assert asked > capacity + cap and http[409] > 0  # more than seats and waitlist: some REGRET
    booked = [body for _, status, body in answers if status == 201]
    # Seats are never freed here, so a waitlist exists only once every seat is sold.
    assert statuses["CNF"] == capacity and 0 < statuses["WL"] <= cap, statuses
    assert statuses["CNF"] + statuses["WL"] == sum(len(body["passengers"]) for body in booked)
    answered = Counter(p["status"].split(" ")[0] for body in booked for p in body["passengers"])
    assert answered["CNF"] == capacity and answered["GNWL"] == statuses["WL"], answered
    print(f"\n{len(answers)} bookings through A and B: {dict(statuses)} passengers, capacity {capacity}")

    # The same key to both instances at the same moment: one booking, one PNR (another date: the
    # waitlist of this one is closed now).
    same = {
        "train": "12002",
        "date": travel_date(11).isoformat(),
        "from": "AAA",
        "to": "DDD",
        "class": "2S",
        "passengers": [{"name": "Twice Sent", "age": 40, "gender": "F"}],
    }
    barrier = threading.Barrier(2)
    pnrs = {}

    def send(server):
        client = Client(server.port, credentials[0])
        barrier.wait()
        status, _headers, data = client.until_decided(
            client.request(
                "POST",
                "/api/bookings",
                json.dumps(same),
                {"Content-Type": "application/json", "Idempotency-Key": "both"},
            )
        )
        # Decided at once (201) or, on a busy machine, after a 202 on the request's URL (200).
        pnrs[server.port] = (201 if status == 200 else status, json.loads(data).get("pnr"))
        client.close()

    pair = [threading.Thread(target=send, args=(server,)) for server in (a, b)]
    for thread in pair:
        thread.start()
    for thread in pair:
        thread.join(timeout=30)
    assert [status for status, _ in pnrs.values()] == [201, 201]
    assert len({pnr for _, pnr in pnrs.values()}) == 1
    assert Booking.objects.filter(idempotency_key="both").count() == 1

    # Logging out on B ends the session on A too.
    status, _headers, _body = Client(b.port, session).request("POST", "/accounts/logout/")
    assert status == 302
    status, headers, _body = Client(a.port, session).request("GET", "/accounts/password/change/")
    assert status == 302 and "/accounts/login/" in headers["Location"]
