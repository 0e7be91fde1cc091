"""The booking queue (booking/admission.py): bursts, the 202 path, REGRET, a writer killed mid-batch.

On PostgreSQL every client has its own connection (threads) and the writer role is the inventory
row lock, held here from a separate connection when a test needs requests to wait.
"""

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from booking import admission, coach_layouts
from booking.booking_requests import parse_booking_request
from booking.models import Booking, BookingPassenger, Inventory, QueuedBookingRequest
from payments.models import Payment

from testsupport.bookings import book_until_decided, party, payload, post_booking, set_coaches, travel_date
from testsupport.networks import booking_network
from testsupport.users import logged_in_client, make_user, verify_mobile

ROOT = Path(__file__).resolve().parent.parent
QUEUED = QueuedBookingRequest.Status.QUEUED


def database_url_under_test():
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


class WriterRoleHeld:
    """Holds an inventory's writer role (its row lock) from another connection until released."""

    def __init__(self, inventory_id):
        self.connection = psycopg.connect(database_url_under_test())
        self.connection.execute(
            "SELECT id FROM booking_inventory WHERE id = %s FOR NO KEY UPDATE", [inventory_id]
        )

    def release(self):
        self.connection.commit()
        self.connection.close()


def the_inventory_id(client):
    """Make the inventory row (one booking) and return its id."""
    assert post_booking(client).status_code == 201
    return Inventory.objects.get().pk


def assert_seat_map_consistent():
    inventory = Inventory.objects.get()
    held = list(
        BookingPassenger.objects.filter(status__in=["CNF", "RAC"]).values_list(
            "unit", "board_sequence", "alight_sequence"
        )
    )
    legs = Counter((unit, leg) for unit, board, alight in held for leg in range(board, alight))
    assert not legs or max(legs.values()) == 1, "a unit sold twice on a leg"
    union = [0] * len(inventory.occupancy)
    for unit, board, alight in held:
        union[unit] |= ((1 << (alight - board)) - 1) << (board - 1)
    assert union == inventory.occupancy
    for status in ("RAC", "WL"):
        numbers = sorted(BookingPassenger.objects.filter(status=status).values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1)), f"{status} numbers not contiguous"


SEGMENTS = [("AAA", "DDD"), ("AAA", "BBB"), ("BBB", "DDD"), ("AAA", "CCC")]


@pytest.mark.postgres
def test_a_burst_of_parties_on_mixed_segments_gives_each_request_one_outcome(
    postgres_only, transactional_db, settings
):
    """More than the train holds, parties of 1 to 6 on mixed segments, 202s included: every request
    ends with exactly one outcome, a party in one booking, no leg of a berth sold twice, RAC/WL
    contiguous, REGRET past the waitlist cap; a retry of each key answers the same outcome."""
    settings.BOOKING_ADMISSION_WAIT_MS = 30  # short: many answers go through the 202 path
    # The class's default waitlist cap (60% of 2A's berths) is far below what the burst asks for.
    booking_network()
    set_coaches("12951", "2A", 1)
    threads, per_thread = 30, 4
    clients = [[logged_in_client(make_user(f"b{i}-{n}")) for n in range(per_thread)] for i in range(threads)]
    barrier = threading.Barrier(threads)
    outcomes, errors = {}, []

    def fire(index):
        try:
            barrier.wait()
            for n in range(per_thread):
                board, alight = SEGMENTS[(index + n) % len(SEGMENTS)]
                size = 1 + (index * per_thread + n) % 6
                body = payload(
                    passengers=party(size, "Burst Rider"), **{"class": "2A", "from": board, "to": alight}
                )
                key = f"burst-{index}-{n}"
                first, final = book_until_decided(clients[index][n], body, **{"Idempotency-Key": key})
                assert first.status_code in (201, 202, 409), first.content
                outcomes[key] = (index, n, body, final.status_code, final.json(), size)
        except Exception as error:  # noqa: BLE001 - any failure fails the test below
            errors.append(repr(error))
        finally:
            connection.close()

    workers = [threading.Thread(target=fire, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=180)
    assert not any(worker.is_alive() for worker in workers), "a request hung"
    assert not errors, errors[:3]
    assert len(outcomes) == threads * per_thread
    statuses = Counter(status for _i, _n, _b, status, _body, _s in outcomes.values())
    assert set(statuses) <= {200, 201, 409} and statuses[409] > 0 and statuses[200] + statuses[201] > 0
    regrets = [body for *_rest, status, body, _s in outcomes.values() if status == 409]
    assert all(body["status"] == "REGRET" for body in regrets)
    # Each request exactly one outcome: one decided queue row each, one booking per allocated row.
    rows = QueuedBookingRequest.objects.all()
    assert rows.count() == threads * per_thread and not rows.filter(status=QUEUED).exists()
    assert rows.filter(status="ALLOCATED").count() == Booking.objects.count() == statuses[200] + statuses[201]
    # ...and each allocated row names its own passenger's booking (a batch writes them together).
    allocated = rows.filter(status="ALLOCATED").select_related("booking")
    assert all(row.booking.user_id == row.user_id for row in allocated)
    assert len({row.booking_id for row in allocated}) == allocated.count()
    for _index, _n, _body, status, body, size in outcomes.values():
        if status != 409:
            booking = Booking.objects.get(pnr=body["pnr"])
            assert booking.passengers.count() == size == len(body["passengers"])  # the party together
    assert_seat_map_consistent()
    # No berth left behind: nobody waits (RAC/WL) for legs on which a General berth is still free.
    inventory = Inventory.objects.get()
    gn_units = [i for i, unit in enumerate(inventory.units) if unit.pool == "GN"]
    waiting = BookingPassenger.objects.filter(status__in=["RAC", "WL"]).values_list(
        "board_sequence", "alight_sequence"
    )
    assert waiting.exists()
    for board, alight in waiting:
        mask = ((1 << (alight - board)) - 1) << (board - 1)
        assert all(inventory.occupancy[i] & mask for i in gn_units)
    # A retry of every key: the same outcome.
    for key, (index, n, body, status, answer, _size) in list(outcomes.items())[:20]:
        again = post_booking(clients[index][n], body, **{"Idempotency-Key": key})
        assert again.status_code == (409 if status == 409 else 201)
        assert again.json() == answer


@pytest.mark.postgres
def test_a_queued_request_answers_202_with_its_position_then_the_201_document(
    postgres_only, transactional_db
):
    booking_network()
    asha, ravi = logged_in_client(make_user("asha")), logged_in_client(make_user("ravi"))
    writer = WriterRoleHeld(the_inventory_id(logged_in_client(make_user("first"))))
    try:
        queued = post_booking(asha, **{"Idempotency-Key": "asha-1"})
        assert queued.status_code == 202
        assert queued.json() == {
            "status": "QUEUED",
            "position": 1,
            "estimated_wait_ms": queued.json()["estimated_wait_ms"],
        }
        location = queued["Location"]
        assert location.startswith("/api/bookings/requests/") and int(queued["Retry-After"]) >= 1
        second = post_booking(ravi, payload(passengers=party(2, "Ravi Kumar")))
        assert second.status_code == 202 and second.json()["position"] == 2
        # The same key again while queued: the same 202.
        again = post_booking(asha, **{"Idempotency-Key": "asha-1"})
        assert again.status_code == 202 and again["Location"] == location and again.json()["position"] == 1
        # Waiting, the request URL says so; the page shows the place and refreshes itself.
        assert asha.get(location).status_code == 202
        page = asha.get(location.replace("/api", ""))
        assert page.status_code == 200 and b'http-equiv="refresh"' in page.content
        assert b"number <strong>1</strong>" in page.content
        # Another passenger's request URL is 404, exactly like one that does not exist.
        assert ravi.get(location).status_code == 404
        assert ravi.get(location.replace("/api", "")).status_code == 404
        assert asha.get("/api/bookings/requests/999999").status_code == 404
        assert not Booking.objects.filter(user__username="asha").exists()
    finally:
        writer.release()
    decided = asha.get(location)
    assert decided.status_code == 200
    document = decided.json()
    assert document["status"] == "HELD" and document["payment_url"] and document["passengers"]
    # A retry of the POST now answers 201 with exactly the same document.
    replay = post_booking(asha, **{"Idempotency-Key": "asha-1"})
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == document
    assert asha.get(location).json() == document
    # The other queued request was decided too (FIFO: after asha's), and its page sends to payment.
    assert ravi.get(second["Location"]).status_code == 200
    assert ravi.get(second["Location"].replace("/api", ""))["Location"].startswith("/payments/")
    assert Booking.objects.count() == 3 and Payment.objects.count() == 3


@pytest.mark.postgres
def test_arrivals_and_looks_just_after_the_role_was_found_taken_queue_without_trying_it(
    postgres_only, transactional_db, settings
):
    """In a rush, once a request of this process found the writer role taken, the next arrivals and
    looks within BOOKING_WRITER_BUSY_MS queue (or answer 202) without trying the role (no SKIP
    LOCKED transaction): three statements fewer each. After the window the role is tried again, so
    the queue moves on once the writer is gone."""
    booking_network()
    settings.BOOKING_WRITER_BUSY_MS = 60_000
    asha, ravi = logged_in_client(make_user("asha")), logged_in_client(make_user("ravi"))
    writer = WriterRoleHeld(the_inventory_id(logged_in_client(make_user("first"))))

    def tries_the_role(queries):
        return sum("SKIP LOCKED" in q["sql"] for q in queries)

    try:
        with CaptureQueriesContext(connection) as first:
            assert post_booking(asha).status_code == 202
        with CaptureQueriesContext(connection) as second:
            queued = post_booking(ravi)
        assert queued.status_code == 202 and queued.json()["position"] == 2
        with CaptureQueriesContext(connection) as look:
            assert ravi.get(queued["Location"]).status_code == 202
    finally:
        writer.release()
    assert tries_the_role(first) == 1
    assert tries_the_role(second) == 0 and len(second) <= len(first) - 3
    assert tries_the_role(look) == 0
    # The writer is gone; within the window this process still takes it as busy...
    assert ravi.get(queued["Location"]).status_code == 202
    # ...and once the window has passed, the next look takes the role and decides both, in order.
    settings.BOOKING_WRITER_BUSY_MS = 0
    assert ravi.get(queued["Location"]).status_code == 200
    holds = list(Booking.objects.order_by("id").values_list("user__username", flat=True))
    assert holds == ["first", "asha", "ravi"]


@pytest.mark.postgres
def test_a_tatkal_refusal_is_403_before_queuing_even_when_the_answer_would_be_202(
    postgres_only, transactional_db, settings
):
    """The Tatkal rules (booking/tatkal_rules.py) are judged on arrival, not by the writer: with
    the writer role taken, an account without a verified mobile is refused 403 at once, exactly as on
    the direct path, and nothing is queued; a verified account's request is queued (202)."""
    settings.TATKAL_AC_OPENING_HOUR = 0
    booking_network()
    tatkal = payload(date=travel_date(1).isoformat(), quota="TQ")
    first = logged_in_client(make_user("first"))
    assert post_booking(first, {**tatkal, "quota": "GN"}).status_code == 201
    unverified, verified = make_user("unverified"), verify_mobile(make_user("verified"))
    writer = WriterRoleHeld(Inventory.objects.get().pk)
    try:
        refused = post_booking(logged_in_client(unverified), tatkal)
        assert refused.status_code == 403 and refused.json()["field"] == "quota"
        assert "verified mobile number" in refused.json()["error"]
        assert not QueuedBookingRequest.objects.filter(user=unverified).exists()
        assert post_booking(logged_in_client(verified), tatkal).status_code == 202
    finally:
        writer.release()


def test_regret_is_409_with_its_status_on_sqlite_and_postgres(network, settings):
    set_coaches("12951", "1A", 1)
    # A waitlist cap of one passenger: the smallest percent of the coach's berths that makes one.
    settings.WAITLIST_CAP_AC_PERCENT = -(-100 // coach_layouts.berth_count("1A", 1))
    capacity = coach_layouts.capacity("1A", 1)["GN"]
    answers = [
        post_booking(logged_in_client(make_user(f"p{i}")), payload(**{"class": "1A"}))
        for i in range(capacity + 2)
    ]
    assert [a.status_code for a in answers] == [201] * (capacity + 1) + [409]
    assert answers[-1].json()["status"] == "REGRET" and "REGRET" in answers[-1].json()["error"]
    assert QueuedBookingRequest.objects.filter(status="REFUSED").count() == 1


def test_an_uncontended_request_decides_the_queue_before_itself_in_one_transaction(network, settings):
    """With the writer role free, a POST decides the requests already waiting first (FIFO), then
    itself, and writes its queue row already decided: its booking after theirs, the waitlist in
    arrival order, and no SQL statement for its own row but the INSERT."""
    set_coaches("12951", "1A", 1)
    capacity = coach_layouts.capacity("1A", 1)["GN"]
    for i in range(capacity):  # every berth: the next passengers are waitlisted, in order
        assert (
            post_booking(logged_in_client(make_user(f"p{i}")), payload(**{"class": "1A"})).status_code == 201
        )
    waiting_user = make_user("waiting")
    waiting = QueuedBookingRequest.objects.create(
        user=waiting_user,
        inventory=Inventory.objects.get(),
        payload=admission.payload_of(parse_booking_request(payload(**{"class": "1A"}))),
    )
    asha = make_user("asha")
    with CaptureQueriesContext(connection) as queries:
        answer = post_booking(logged_in_client(asha), payload(**{"class": "1A"}))
    assert answer.status_code == 201 and answer.json()["passengers"][0]["status"] == "GNWL 2"
    waiting.refresh_from_db()
    assert waiting.status == "ALLOCATED"
    assert waiting.booking.passengers.get().booking_status == "GNWL 1"
    mine = QueuedBookingRequest.objects.get(user=asha)
    assert mine.status == "ALLOCATED" and mine.booking.pnr == answer.json()["pnr"]
    assert mine.booking_id > waiting.booking_id
    queue_writes = [
        q["sql"] for q in queries if "booking_queuedbookingrequest" in q["sql"].split(" WHERE")[0]
    ]
    assert [sql.split(" ")[0] for sql in queue_writes if not sql.startswith("SELECT")] == ["UPDATE", "INSERT"]


def test_the_first_booking_of_an_inventory_makes_its_row_and_is_decided_in_one_transaction(network):
    """No inventory row yet (the first booking of this train, date and class): the POST makes the
    row and decides itself in the same transaction as any uncontended request, with its queue row
    written once (INSERT, already decided), never queued then updated."""
    assert not Inventory.objects.exists()
    client = logged_in_client(make_user("first"))
    with CaptureQueriesContext(connection) as queries:
        answer = post_booking(client)
    assert answer.status_code == 201, answer.content
    assert Inventory.objects.count() == 1
    mine = QueuedBookingRequest.objects.get()
    assert mine.status == "ALLOCATED" and mine.booking.pnr == answer.json()["pnr"]
    queue_writes = [
        q["sql"].split(" ")[0]
        for q in queries
        if "booking_queuedbookingrequest" in q["sql"].split(" WHERE")[0] and not q["sql"].startswith("SELECT")
    ]
    assert queue_writes == ["INSERT"]


def test_a_queued_refusal_is_worded_in_the_askers_language_not_the_deciding_requests(network, settings):
    """A request refused by a batch that another passenger's request (in Tamil) ran: its answer is
    worded when asked, from the stored code, in Hindi on the Hindi page and in English in the API."""
    set_coaches("12951", "1A", 1)
    settings.WAITLIST_CAP_AC_PERCENT = -(-100 // coach_layouts.berth_count("1A", 1))  # a cap of one
    capacity = coach_layouts.capacity("1A", 1)["GN"]
    for i in range(capacity + 1):  # every berth, then the one waitlist place
        assert (
            post_booking(logged_in_client(make_user(f"p{i}")), payload(**{"class": "1A"})).status_code == 201
        )
    asha = make_user("asha")
    request = parse_booking_request(payload(**{"class": "1A"}))
    entry = QueuedBookingRequest.objects.create(
        user=asha, inventory=Inventory.objects.get(), payload=admission.payload_of(request)
    )
    with translation.override("ta"):  # the writer is a Tamil passenger's request
        admission.advance(admission.Admission(entry, False), deadline=None)
    entry.refresh_from_db()
    assert entry.status == "REFUSED"
    assert entry.refusal["code"] == "REGRET_WAITLIST_CAP" and entry.refusal["params"]["cap"] == 1

    client = logged_in_client(asha)
    page = client.get(f"/hi/bookings/requests/{entry.pk}")
    text = page.content.decode()
    assert page.status_code == 409
    assert "REGRET: इस ट्रेन में 1A की प्रतीक्षा सूची बंद है (इस श्रेणी में अधिकतम 1" in text
    assert "காத்திருப்புப் பட்டியல்" not in text  # nothing of the deciding request's Tamil
    answer = client.get(f"/api/bookings/requests/{entry.pk}")
    assert answer.status_code == 409 and answer.json()["status"] == "REGRET"
    assert answer.json()["error"].startswith("REGRET: the waitlist of 1A on this train is closed (at most 1 ")


def test_a_request_that_no_longer_parses_when_decided_is_refused_with_a_code(network):
    """A queued request is parsed again by its writer; when that fails (the timetable changed while
    it waited: here its alighting stop is no longer on the route), the refusal is stored with a code
    and worded when asked, in the asker's language, not in the Tamil of the request that decided it."""
    asha = make_user("asha")
    the_inventory_id(logged_in_client(make_user("first")))
    request = parse_booking_request(payload())
    entry = QueuedBookingRequest.objects.create(
        user=asha,
        inventory=Inventory.objects.get(),
        payload={**admission.payload_of(request), "to": "NOWHERE"},
    )
    with translation.override("ta"):
        admission.advance(admission.Admission(entry, False), deadline=None)
    entry.refresh_from_db()
    assert entry.status == "REFUSED" and entry.refusal["code"] == "REQUEST_NO_LONGER_VALID"
    client = logged_in_client(asha)
    answer = client.get(f"/api/bookings/requests/{entry.pk}")
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("This train's timetable changed while your request waited")
    page = client.get(f"/hi/bookings/requests/{entry.pk}")
    assert page.status_code == 400 and "समय-सारणी बदल गई" in page.content.decode()


@pytest.mark.postgres
def test_a_writer_killed_mid_batch_loses_nothing(postgres_only, transactional_db):
    """SIGKILL while a batch's bookings are written but not committed: everything rolls back, the
    requests are still queued, and the next look at a request URL allocates each exactly once."""
    booking_network()
    clients = [logged_in_client(make_user(f"k{i}")) for i in range(8)]
    inventory_id = the_inventory_id(logged_in_client(make_user("first")))
    writer = WriterRoleHeld(inventory_id)
    try:
        queued = [post_booking(c, **{"Idempotency-Key": f"kill-{i}"}) for i, c in enumerate(clients)]
    finally:
        writer.release()
    assert [q.status_code for q in queued] == [202] * len(clients)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.queue_writer_killed", str(inventory_id)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url_under_test(), "REDIS_URL": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline()
        assert line.strip() == "WRITTEN", child.stderr.read()[-2000:]
        # Mid-batch: the writer holds the role, nothing is visible, the requests still wait.
        assert clients[0].get(queued[0]["Location"]).status_code == 202
        assert Booking.objects.count() == 1
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert QueuedBookingRequest.objects.filter(status=QUEUED).count() == len(clients)
    documents = []
    for i, client in enumerate(clients):
        _first, final = book_until_decided(client, **{"Idempotency-Key": f"kill-{i}"})
        assert final.status_code in (200, 201)
        documents.append(final.json())
        assert client.get(queued[i]["Location"]).json() == final.json()
    assert len({d["pnr"] for d in documents}) == len(clients)
    assert Booking.objects.count() == len(clients) + 1 == Payment.objects.count()
    assert QueuedBookingRequest.objects.filter(status="ALLOCATED").count() == len(clients) + 1
    assert_seat_map_consistent()


@pytest.mark.postgres
def test_queue_depth_and_wait_are_in_metrics(postgres_only, transactional_db):
    from prometheus_client.parser import text_string_to_metric_families

    def scrape():
        text = Client().get("/metrics").content.decode()
        return {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}

    booking_network()
    client = logged_in_client(make_user("metric"))
    writer = WriterRoleHeld(the_inventory_id(logged_in_client(make_user("first"))))
    try:
        assert post_booking(client).status_code == 202
        waiting = scrape()
        assert waiting["railconnect_booking_queue_depth"] == 1
        assert waiting["railconnect_booking_queue_oldest_seconds"] > 0
    finally:
        writer.release()
    before = scrape()["railconnect_booking_queue_wait_seconds_count"]
    _first, final = book_until_decided(client, payload(passengers=party(2, "Metric Two")))
    assert final.status_code in (200, 201)
    after = scrape()
    assert after["railconnect_booking_queue_depth"] == 0
    assert after["railconnect_booking_queue_wait_seconds_count"] >= before + 2  # both requests decided
