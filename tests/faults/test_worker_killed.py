"""gunicorn workers killed with SIGKILL in the middle of booking load.

Eight clients book back to back through the JSON API, each booking by its own signed-in passenger
(a passenger may hold only a few unpaid bookings), on mixed segments of one train, date and class,
so holds overlap, fill the berths and spill into RAC and the waitlist, and pay for every
other booking. A client whose connection breaks sends the same request again, with the same
Idempotency-Key, as the API asks. Two workers are killed while this runs:

1. when a quarter of the bookings are done, the worker holding the most client connections, at
   whatever point its requests happen to be (PostgreSQL rolls back the transactions of a
   connection that drops);
2. at half way, a worker caught in the worst window: the inventory's writer in the middle of a
   batch, its bookings written but not committed (booking/admission.py). To make that window wide
   and certain, the test holds an EXCLUSIVE lock on the payments table for a moment: the batch
   writes its bookings, then waits to insert their payments, inside its transaction. The worker
   whose connection waits there is killed, then the lock is released. Those clients never saw
   their answer; their resend (same Idempotency-Key) finds the request still queued, marked as a
   replay, and it is allocated once, not twice. (A client answered 202 fetches its outcome from
   the request's URL.) The one exception, by design: when the killed writer was deciding its own
   arrival at once (the uncontended path writes the request with its outcome, in one
   transaction), nothing of that request was left, and its resend is decided afresh, once.

Afterwards, from the database:

- every booking a client saw answered 201 exists, as it was shown, and nothing else was created
  (no orphan hold nobody heard of, no duplicate from a resend); one more retry of every key
  answers the same PNR, marked as a replay;
- no berth or RAC slot is sold twice on any leg, the seat map equals the union of the passenger
  rows, RAC and waitlist numbers run 1..n;
- the unpaid holds (the abandoned half), once their time is up, are released by
  `manage.py expire_holds`: their passengers cancelled, their berths back in the pool (or given
  to RAC and waitlisted passengers), the seat map still consistent.
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

import psycopg
from django.core.management import call_command
from django.utils import timezone

from booking.models import Booking, BookingPassenger, Inventory

from testsupport.bookings import set_coaches, travel_date
from testsupport.load_harness import Client, signed_in_users
from testsupport.networks import booking_network

from .helpers import RETRYABLE, assert_seat_map_consistent, wait_until_ready

CLIENTS = 8
PER_CLIENT = 12
SEGMENTS = [("AAA", "DDD"), ("AAA", "BBB"), ("BBB", "DDD"), ("AAA", "CCC"), ("CCC", "DDD"), ("BBB", "CCC")]
DEADLINE = 40  # seconds for the whole load, resends included


def booking_body(rng, journey_date):
    board, alight = rng.choice(SEGMENTS)
    # 12951 leaves AAA at 16:00 and CCC at 02:00 the next morning: the date is the boarding date.
    date = journey_date + datetime.timedelta(days=1 if board == "CCC" else 0)
    return {
        "train": "12951",
        "date": date.isoformat(),
        "from": board,
        "to": alight,
        "class": "3A",
        "passengers": [
            {"name": name, "age": rng.randint(18, 70), "gender": rng.choice("MF")}
            for name in ("Asha Rao", "Ravi Rao")[: rng.randint(1, 2)]
        ],
    }


def socket_inodes(pid):
    inodes = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    except OSError:
        pass
    return inodes


def local_tcp_ports(pid):
    """Local ports of the process's TCP sockets (Linux /proc): its database connections among them."""
    inodes = socket_inodes(pid)
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[9]) in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


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
            raise AssertionError(
                f"{method} {path} unanswered after {attempts} attempts (last status {status})"
            )
        time.sleep(0.1)


def kill_a_writer_mid_batch(server, database_url, clients_running, tries=3):
    """Hold the payments table so a writer's batch waits inside its transaction, its bookings
    written (and payments outside batches wait too), until every running client waits, or no more
    arrive for half a second
    (a worker's threads may all be taken); SIGKILL the worker with the most bookings waiting;
    release. Returns (victim pid, bookings it had committed but not answered), or (None, 0) when
    no booking was caught waiting in `tries` attempts (only payments were)."""
    with (
        psycopg.connect(database_url, autocommit=True) as blocker,
        psycopg.connect(database_url, autocommit=True) as observer,
    ):
        for _attempt in range(tries):
            with blocker.transaction():
                blocker.execute("LOCK TABLE payments_payment IN EXCLUSIVE MODE")
                deadline = time.monotonic() + 8
                waiting, settled_at = [], time.monotonic()
                while True:
                    now_waiting = observer.execute(
                        "SELECT client_port, query LIKE 'INSERT INTO \"payments_payment\"%%' "
                        "FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock' "
                        "AND query LIKE '%%payments_payment%%'"
                    ).fetchall()
                    if len(now_waiting) != len(waiting):
                        waiting, settled_at = now_waiting, time.monotonic()
                    now = time.monotonic()
                    if (
                        len(waiting) >= clients_running()
                        or (waiting and now - settled_at > 0.5)
                        or now > deadline
                    ):
                        break
                    time.sleep(0.05)
                committed = {port for port, inserting in waiting if inserting}
                by_worker = {pid: len(local_tcp_ports(pid) & committed) for pid in server.worker_pids()}
                victim = max(by_worker, key=by_worker.get)
                if by_worker[victim]:
                    os.kill(victim, signal.SIGKILL)
                    return victim, by_worker[victim]
            # The lock is released at the end of the block; let the payments through and try again.
            time.sleep(0.2)
    return None, 0


def test_killed_workers_lose_no_booking_and_sell_no_berth_twice(test_database_url, gunicorn):
    booking_network()
    set_coaches("12951", "3A", 1)  # 56 General berths, 8 RAC slots: the load fills them
    # Each booking by its own passenger: a passenger may hold only a few unpaid (hold_limits).
    credentials = signed_in_users(CLIENTS * PER_CLIENT, prefix="killtest")
    journey_date = travel_date()
    rng = random.Random(12951)
    bodies = {(n, i): booking_body(rng, journey_date) for n in range(CLIENTS) for i in range(PER_CLIENT)}
    # Killed workers are the subject here, not the waitlist cap (tests/test_booking_quotas.py): a cap
    # beyond this load keeps every booking an outcome with a PNR that a resend must replay.
    server = gunicorn(test_database_url, GUNICORN_WORKERS=2, WAITLIST_CAP_AC_PERCENT="1000")
    wait_until_ready(server)
    assert len(server.worker_pids()) == 2

    seen = {}  # key -> (pnr, passenger statuses) the client was answered
    paid = set()
    resent = Counter()
    done = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + DEADLINE
    failures = []

    def run(n):
        client = Client(server.port, None, timeout=20)
        try:
            for i in range(PER_CLIENT):
                client.act_as(credentials[n * PER_CLIENT + i])
                key = f"kill-{n}-{i}"
                status, headers, data, resends = send_until_answered(
                    client,
                    "POST",
                    "/api/bookings",
                    json.dumps(bodies[n, i]),
                    {"Content-Type": "application/json", "Idempotency-Key": key},
                    stop_at,
                )
                while status == 202:  # queued: its outcome is fetched from the request's URL
                    time.sleep(0.05)
                    status, _queued, data, more = send_until_answered(
                        client, "GET", headers["Location"], None, {}, stop_at
                    )
                    resends += more
                body = json.loads(data)
                assert status in (200, 201), f"{key}: {status} {body}"
                with lock:
                    resent["booking"] += resends
                    # A resend whose first attempt had committed comes back as a replay of that booking.
                    resent["booking replayed"] += bool(
                        resends and headers.get("Idempotent-Replayed") == "true"
                    )
                    seen[key] = (body["pnr"], [p["booking_status"] for p in body["passengers"]])
                if i % 2 == 0:  # pay for every other booking; the rest are abandoned holds
                    status, _headers, data, resends = send_until_answered(
                        client,
                        "POST",
                        f"/api/bookings/{body['pnr']}/pay",
                        json.dumps({"outcome": "succeeded"}),
                        {"Content-Type": "application/json"},
                        stop_at,
                    )
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

    def wait_for(count):
        while done["bookings"] < count and time.monotonic() < stop_at and any(t.is_alive() for t in threads):
            time.sleep(0.01)

    total = CLIENTS * PER_CLIENT
    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        wait_for(total // 4)
        first_victim = max(server.worker_pids(), key=lambda pid: len(socket_inodes(pid)))
        os.kill(first_victim, signal.SIGKILL)
        kills = [(round(time.monotonic() - started, 2), done["bookings"])]
        wait_for(total // 2)
        second_victim, unanswered = kill_a_writer_mid_batch(
            server, test_database_url, lambda: sum(thread.is_alive() for thread in threads)
        )
        kills.append((round(time.monotonic() - started, 2), done["bookings"]))
    finally:
        for thread in threads:
            thread.join(timeout=DEADLINE + 20)
    assert not any(thread.is_alive() for thread in threads), "a client hung"
    assert not failures, failures
    print(
        f"\nkills (s, bookings done of {total}): {kills}; writers caught mid-batch at the second: "
        f"{unanswered}; resent: {dict(resent)}; load took {time.monotonic() - started:.1f} s"
    )
    assert kills[-1][1] < total, "the load was over before the kills"
    assert unanswered >= 1, "no writer was caught in the middle of a batch"
    # Each caught client sent its request again, and the resends of queued requests are replays. The
    # one writer (one inventory here) may have been deciding its own arrival at once, which left
    # nothing and is decided afresh: at most one caught request is not a replay.
    assert resent["booking"] >= unanswered
    assert resent["booking replayed"] >= unanswered - 1

    # The arbiter replaced both workers by itself.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (
        len(server.worker_pids()) != 2 or {first_victim, second_victim} & set(server.worker_pids())
    ):
        time.sleep(0.1)
    assert len(server.worker_pids()) == 2 and not {first_victim, second_victim} & set(server.worker_pids())

    # Every booking a client saw exists as it was shown; nothing else was created.
    pnrs = {key: pnr for key, (pnr, _statuses) in seen.items()}
    assert len(pnrs) == total and len(set(pnrs.values())) == total
    bookings = {
        b.pnr: b for b in Booking.objects.filter(user__username__startswith="killtest").select_related("user")
    }
    assert set(bookings) == set(pnrs.values()), (
        "the bookings in the database differ from those the clients saw"
    )
    for key, (pnr, statuses) in seen.items():
        booking = bookings[pnr]
        _, n, i = key.split("-")
        assert (
            booking.idempotency_key == key
            and booking.user.username == f"killtest{int(n) * PER_CLIENT + int(i)}"
        )
        assert (
            list(booking.passengers.order_by("position").values_list("booking_status", flat=True)) == statuses
        )
        assert booking.status == (Booking.Status.BOOKED if pnr in paid else Booking.Status.HELD), pnr

    # One more retry of every key: the same PNR, marked as a replay; still no new booking.
    replays = {}
    for n in range(CLIENTS):
        client = Client(server.port, None, timeout=20)
        for i in range(PER_CLIENT):
            client.act_as(credentials[n * PER_CLIENT + i])
            key = f"kill-{n}-{i}"
            status, headers, data = client.request(
                "POST",
                "/api/bookings",
                json.dumps(bodies[n, i]),
                {"Content-Type": "application/json", "Idempotency-Key": key},
            )
            replayed = headers.get("Idempotent-Replayed") == "true"
            status, headers, data = client.until_decided((status, headers, data))
            assert status in (200, 201) and replayed, (key, status, data[:200])
            replays[key] = json.loads(data)["pnr"]
        client.close()
    assert replays == pnrs
    assert Booking.objects.filter(user__username__startswith="killtest").count() == total

    inventory = Inventory.objects.get(train__number="12951", journey_date=journey_date, travel_class="3A")
    rows = assert_seat_map_consistent(inventory)
    statuses = Counter(row["status"] for row in rows)
    assert statuses["CNF"] and statuses["WL"], f"the load should fill the class: {statuses}"

    # The abandoned holds run out: expiry releases them.
    held = set(
        Booking.objects.filter(inventory=inventory, status=Booking.Status.HELD).values_list("pnr", flat=True)
    )
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
