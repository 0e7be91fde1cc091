"""A gunicorn worker killed with SIGKILL in the middle of booking load.

Eight signed-in clients book back to back through the JSON API (mixed segments of one train,
date and class, so holds overlap, fill the berths and spill into RAC and the waitlist), and pay
for every other booking. When a quarter of the bookings are done, the worker holding the most
client connections is killed with SIGKILL: its in-flight requests die with it (their transactions
are rolled back by PostgreSQL when the connection drops). Clients resend a failed request with the
same Idempotency-Key, as the API asks. Afterwards, from the database:

- every booking a client saw answered 201 exists, with the passenger statuses it was shown, and
  nothing else was created (no orphan hold a client never heard of, no duplicate from a retry);
- each key maps to one PNR, and one more retry of every key answers that PNR (replayed);
- no berth or RAC slot is sold twice on any leg, the seat map equals the union of the passenger
  rows, RAC and waitlist numbers run 1..n;
- the unpaid holds (the abandoned half, plus any whose payment was cut off), once their time is
  up, are released by `manage.py expire_holds`: their passengers cancelled, their berths back in
  the pool or given to RAC/waitlisted passengers, the seat map still consistent.
"""

import datetime
import io
import json
import os
import random
import signal
import threading
import time
from collections import Counter
from pathlib import Path

from django.core.management import call_command
from django.utils import timezone

from benchmarks.booking_load import Client, signed_in_users
from booking.models import Booking, BookingPassenger, Inventory
from tests.booking_fixtures import booking_network, set_coaches, travel_date

from .helpers import RETRYABLE, assert_seat_map_consistent, wait_until_ready

CLIENTS = 8
PER_CLIENT = 12
SEGMENTS = [("AAA", "DDD"), ("AAA", "BBB"), ("BBB", "DDD"), ("AAA", "CCC"), ("CCC", "DDD"), ("BBB", "CCC")]
DEADLINE = 40  # seconds for the whole load, retries included


def booking_body(rng, journey_date):
    board, alight = rng.choice(SEGMENTS)
    # 12951 leaves AAA at 16:00 and CCC at 02:00 the next morning: the date is the boarding date.
    date = journey_date + datetime.timedelta(days=1 if board == "CCC" else 0)
    return {"train": "12951", "date": date.isoformat(), "from": board, "to": alight, "class": "3A",
            "passengers": [{"name": name, "age": rng.randint(18, 70), "gender": rng.choice("MF")}
                           for name in ("Asha Rao", "Ravi Rao")[:rng.randint(1, 2)]]}


def socket_count(pid):
    """Open sockets of a process: the worker with more of them holds more client connections."""
    try:
        return sum(1 for fd in Path(f"/proc/{pid}/fd").iterdir() if os.readlink(fd).startswith("socket:"))
    except OSError:
        return 0


def send_until_answered(client, method, path, body, headers, stop_at):
    """Send until the server answers with a status that is not 5xx, resending the same request
    (same Idempotency-Key) after a broken connection. Returns (status, headers, body, resends)."""
    attempts = 0
    reconnects = client.reconnects  # the Client itself resends once on a connection closed under it
    while True:
        attempts += 1
        try:
            status, response_headers, data = client.request(method, path, body, headers)
        except RETRYABLE:
            client.close()
            status = None
        if status is not None and status < 500:
            return status, response_headers, data, attempts - 1 + client.reconnects - reconnects
        if time.monotonic() > stop_at:
            raise AssertionError(f"{method} {path} unanswered after {attempts} attempts (last status {status})")
        time.sleep(0.1)


def test_a_killed_worker_loses_no_booking_and_sells_no_berth_twice(test_database_url, gunicorn):
    booking_network()
    set_coaches("12951", "3A", 1)  # 56 General berths, 8 RAC slots: the load fills them
    credentials = signed_in_users(CLIENTS, prefix="killtest")
    journey_date = travel_date()
    rng = random.Random(12951)
    bodies = {(n, i): booking_body(rng, journey_date) for n in range(CLIENTS) for i in range(PER_CLIENT)}
    server = gunicorn(test_database_url, GUNICORN_WORKERS=2)
    wait_until_ready(server)
    workers_before = server.worker_pids()
    assert len(workers_before) == 2

    seen = {}  # key -> list of (status, pnr, booking statuses) of every answer
    paid = set()
    resent = Counter()
    done = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + DEADLINE
    failures = []

    def run(n):
        client = Client(server.port, credentials[n], timeout=20)
        try:
            for i in range(PER_CLIENT):
                key = f"kill-{n}-{i}"
                status, headers, data, resends = send_until_answered(
                    client, "POST", "/api/bookings", json.dumps(bodies[n, i]),
                    {"Content-Type": "application/json", "Idempotency-Key": key}, stop_at)
                body = json.loads(data)
                with lock:
                    resent["booking"] += resends
                    # A resent booking whose first attempt had committed before the kill comes back
                    # as a replay of that booking.
                    resent["booking replayed"] += bool(resends and headers.get("Idempotent-Replayed"))
                    seen.setdefault(key, []).append(
                        (status, body.get("pnr"), [p["booking_status"] for p in body.get("passengers", [])]))
                assert status == 201, f"{key}: {status} {body}"
                if i % 2 == 0:  # pay for every other booking; the rest are abandoned holds
                    status, _headers, data, resends = send_until_answered(
                        client, "POST", f"/api/bookings/{body['pnr']}/pay", json.dumps({"outcome": "succeeded"}),
                        {"Content-Type": "application/json"}, stop_at)
                    assert status == 200 and json.loads(data)["status"] == "BOOKED", (status, data[:300])
                    with lock:
                        resent["payment"] += resends
                        paid.add(body["pnr"])
                with lock:
                    done["bookings"] += 1
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(f"client {n}: {error!r}")
        finally:
            client.close()

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    total = CLIENTS * PER_CLIENT
    while done["bookings"] < total // 4 and time.monotonic() < stop_at and any(t.is_alive() for t in threads):
        time.sleep(0.01)
    victim = max(server.worker_pids(), key=socket_count)
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic() - started
    done_at_kill = done["bookings"]
    for thread in threads:
        thread.join(timeout=DEADLINE + 20)
    assert not any(thread.is_alive() for thread in threads), "a client hung"
    assert not failures, failures
    assert done_at_kill < total, "the load was over before the kill"

    # The arbiter replaced the worker by itself.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not (len(server.worker_pids()) == 2 and victim not in server.worker_pids()):
        time.sleep(0.1)
    assert victim not in server.worker_pids() and len(server.worker_pids()) == 2
    print(f"\nkilled worker {victim} after {killed_at:.2f} s with {done_at_kill}/{total} bookings done; "
          f"requests resent: {dict(resent)}; load took {time.monotonic() - started:.1f} s")
    assert resent["booking"] + resent["payment"] >= 1, "the kill interrupted no request: the test proved nothing"

    # Every key has one PNR, and every booking a client saw exists as it was shown. Nothing else.
    pnrs = {}
    for key, answers in seen.items():
        assert {pnr for _, pnr, _ in answers} and len({pnr for _, pnr, _ in answers}) == 1, (key, answers)
        pnrs[key] = answers[0][1]
    assert len(pnrs) == total and len(set(pnrs.values())) == total
    bookings = {b.pnr: b for b in Booking.objects.filter(user__username__startswith="killtest")
                .select_related("user")}
    assert set(bookings) == set(pnrs.values()), "bookings in the database differ from those the clients saw"
    for key, pnr in pnrs.items():
        booking = bookings[pnr]
        assert booking.idempotency_key == key and booking.user.username == f"killtest{key.split('-')[1]}"
        shown = seen[key][0][2]
        assert list(booking.passengers.order_by("position").values_list("booking_status", flat=True)) == shown
        expected = Booking.Status.BOOKED if pnr in paid else Booking.Status.HELD
        assert booking.status == expected, (pnr, booking.status)

    # One more retry of every key: the same PNR, marked as a replay; no new booking.
    replays = {}
    for n in range(CLIENTS):
        client = Client(server.port, credentials[n], timeout=20)
        for i in range(PER_CLIENT):
            key = f"kill-{n}-{i}"
            status, headers, data = client.request("POST", "/api/bookings", json.dumps(bodies[n, i]),
                                                   {"Content-Type": "application/json", "Idempotency-Key": key})
            assert status == 201 and headers.get("Idempotent-Replayed") == "true", (key, status, data[:200])
            replays[key] = json.loads(data)["pnr"]
        client.close()
    assert replays == pnrs
    assert Booking.objects.filter(user__username__startswith="killtest").count() == total

    inventory = Inventory.objects.get(train__number="12951", journey_date=journey_date, travel_class="3A")
    rows = assert_seat_map_consistent(inventory)
    statuses = Counter(row["status"] for row in rows)
    assert statuses["CNF"] and statuses["WL"], f"the load should fill the class: {statuses}"

    # The abandoned holds run out: expiry releases them.
    held = set(Booking.objects.filter(inventory=inventory, status=Booking.Status.HELD).values_list("pnr", flat=True))
    assert held == set(pnrs.values()) - paid
    occupied_before = sum(bin(mask).count("1") for mask in inventory.occupancy)
    past = timezone.now() - datetime.timedelta(minutes=1)
    Booking.objects.filter(pnr__in=held).update(hold_expires_at=past)
    Inventory.objects.filter(pk=inventory.pk).update(earliest_hold_expiry=past)
    call_command("expire_holds", stdout=io.StringIO())

    assert not Booking.objects.filter(inventory=inventory, status=Booking.Status.HELD).exists()
    assert set(Booking.objects.filter(status=Booking.Status.EXPIRED).values_list("pnr", flat=True)) == held
    assert set(Booking.objects.filter(status=Booking.Status.BOOKED).values_list("pnr", flat=True)) == paid
    assert not BookingPassenger.objects.filter(booking__pnr__in=held).exclude(status="CAN").exists()
    rows = assert_seat_map_consistent(inventory)
    assert {row["booking__pnr"] for row in rows} <= paid
    occupied_after = sum(bin(mask).count("1") for mask in inventory.occupancy)
    assert occupied_after < occupied_before, "expiry released no berth"
