"""Inventory partitioned by train over two PostgreSQL primaries (booking/partitions.py).

Runs in the third pass of `make test` (scripts/run-tests.py): PostgreSQL with
DATABASE_PARTITION_URLS="p2=<the test database>_p2", two databases on one server. Train 12951
(1A/2A/3A) lives on "default", trains 12002 (SL/2S) and 22001 on "p2". Every test runs under
`one_database_per_transaction`: a statement on one database while a transaction is open on the
other fails the test (the check itself is tested to fail, below).
"""

import json
import os
import re
import threading
from collections import Counter, defaultdict
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core import mail
from django.db import connections, transaction
from django.db.backends.signals import connection_created
from django.test.utils import CaptureQueriesContext

from booking import admission, coach_layouts, partitions, reservations
from booking.models import Booking, BookingPassenger, Inventory, QueuedBookingRequest, TrainPartition
from booking.tasks import prepare_due_charts
from dashboard import travel_stats
from payments.models import Payment, Refund
from timetable.models import Train

from testsupport.bookings import book_until_decided, party, payload, post_booking, set_coaches
from testsupport.networks import booking_network
from testsupport.users import logged_in_client, make_user

TWO = len(settings.DATABASE_PARTITIONS) >= 2 and all(
    connections[alias].vendor == "postgresql" for alias in settings.DATABASE_PARTITIONS
)
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not TWO,
        reason="needs two PostgreSQL partitions (DATABASE_PARTITION_URLS): the third pass of `make test`",
    ),
    pytest.mark.django_db(databases="__all__", transaction=True, serialized_rollback=True),
]

ON_P2 = "12002"  # SL, 2S
ON_DEFAULT = "12951"  # 1A, 2A, 3A
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b|\bFOR (NO KEY )?UPDATE\b|pg_advisory", re.IGNORECASE)


@contextmanager
def one_database_per_transaction():
    """Record every statement run on one alias while another alias has a transaction open (in
    any thread): a transaction that spans two databases, or a write that escapes the partition's
    transaction. Yields the list of violations."""
    violations: list[str] = []

    def guard(alias):
        def wrapper(execute, sql, params, many, context):
            busy = [
                other
                for other in settings.DATABASES
                if other != alias and other in connections and connections[other].in_atomic_block
            ]
            if busy and (connections[alias].in_atomic_block or WRITES.search(sql)):
                violations.append(f"{alias} while {busy} in a transaction: {sql[:120]}")
            return execute(sql, params, many, context)

        return wrapper

    def install(sender, connection, **kwargs):
        if not any(getattr(w, "partition_guard", False) for w in connection.execute_wrappers):
            wrapper = guard(connection.alias)
            wrapper.partition_guard = True
            connection.execute_wrappers.append(wrapper)

    for alias in settings.DATABASES:
        install(None, connections[alias])
    connection_created.connect(install)
    try:
        yield violations
    finally:
        connection_created.disconnect(install)
        for alias in settings.DATABASES:
            wrappers = connections[alias].execute_wrappers
            wrappers[:] = [w for w in wrappers if not getattr(w, "partition_guard", False)]


@pytest.fixture
def guard():
    with one_database_per_transaction() as violations:
        yield violations
    assert violations == [], "a transaction spanned two databases"


@pytest.fixture
def trains(guard):
    booking_network()
    partitions.forget_train_partitions()
    for number, alias in ((ON_DEFAULT, "default"), (ON_P2, "p2"), ("22001", "p2")):
        TrainPartition.objects.create(train=Train.objects.get(number=number), database=alias)
    yield
    partitions.forget_train_partitions()


def on_p2(**changes):
    return payload(train=ON_P2, **{"class": "SL", **changes})


def where(pnr):
    """The aliases holding a booking with this PNR."""
    return [
        alias
        for alias in settings.DATABASE_PARTITIONS
        if Booking.objects.using(alias).filter(pnr=pnr).exists()
    ]


# --- The check itself -------------------------------------------------------------------------


def test_the_guard_fails_on_a_write_to_another_database_inside_a_transaction():
    with one_database_per_transaction() as violations:
        with transaction.atomic(using="default"):
            Inventory.objects.using("p2").filter(pk=-1).update(rac_count=0)
    assert len(violations) == 1 and "UPDATE" in violations[0]


# --- Migrations per alias -------------------------------------------------------------------------


def test_migrations_put_partitioned_tables_everywhere_and_global_ones_on_default_only(trains):
    with connections["p2"].cursor() as cursor:
        on_p2 = set(connections["p2"].introspection.table_names(cursor, include_views=True))
    with connections["default"].cursor() as cursor:
        on_default = set(connections["default"].introspection.table_names(cursor, include_views=True))
    partitioned = {
        "booking_inventory",
        "booking_booking",
        "booking_bookingpassenger",
        "booking_queuedbookingrequest",
        "payments_payment",
        "payments_refund",
    }
    assert partitioned <= on_p2 and partitioned <= on_default
    for global_table in (
        "auth_user",
        "django_session",
        "timetable_train",
        "booking_refundrule",
        "booking_trainpartition",
    ):
        assert global_table in on_default and global_table not in on_p2
    with connections["p2"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_matviews WHERE matviewname = 'dashboard_travel_stats'")
        assert cursor.fetchone() == (1,)
        # No foreign key from a partitioned table to anything but another partitioned table.
        cursor.execute("SELECT confrelid::regclass::text FROM pg_constraint WHERE contype = 'f'")
        assert {row[0] for row in cursor.fetchall()} <= partitioned


# --- Booking on each partition ----------------------------------------------------------------------


def test_each_train_books_on_its_own_partition_and_the_pnr_names_it(trains):
    client = logged_in_client(make_user("both"))
    here = post_booking(client, payload())
    there = post_booking(client, on_p2())
    assert here.status_code == 201 and there.status_code == 201, (here.content, there.content)
    pnr_here, pnr_there = here.json()["pnr"], there.json()["pnr"]
    assert where(pnr_here) == ["default"] and where(pnr_there) == ["p2"]
    assert int(pnr_here[0]) in partitions.pnr_first_digits("default") == (1, 3, 5, 7, 9)
    assert int(pnr_there[0]) in partitions.pnr_first_digits("p2") == (2, 4, 6, 8)
    booking = Booking.objects.using("p2").get(pnr=pnr_there)
    assert Payment.objects.using("p2").filter(booking_id=booking.pk).count() == 1
    assert BookingPassenger.objects.using("p2").filter(booking_id=booking.pk).count() == 1
    assert QueuedBookingRequest.objects.using("p2").filter(booking_id=booking.pk).count() == 1
    assert not Inventory.objects.using("default").filter(train__number=ON_P2).exists()
    # The mapping is data, on "default" only, and the train stays where it was put.
    assert TrainPartition.objects.get(train__number=ON_P2).database == "p2"


def test_a_new_train_is_given_a_partition_once_and_keeps_it(trains):
    TrainPartition.objects.filter(train__number="22001").delete()
    partitions.forget_train_partitions()
    train = Train.objects.get(number="22001")
    chosen = partitions.database_for(train_id=train.pk)
    assert chosen == settings.DATABASE_PARTITIONS[train.pk % 2]
    partitions.forget_train_partitions()
    assert partitions.database_for(train_id=train.pk) == chosen
    assert TrainPartition.objects.get(train=train).database == chosen


def test_an_idempotency_key_names_one_request_across_partitions(trains):
    client = logged_in_client(make_user("keyed"))
    first = post_booking(client, on_p2(), **{"Idempotency-Key": "k-1"})
    again = post_booking(client, on_p2(), **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201 and again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json()["pnr"] == first.json()["pnr"]
    elsewhere = post_booking(client, payload(), **{"Idempotency-Key": "k-1"})  # a train on "default"
    assert elsewhere.status_code == 422
    assert not Booking.objects.using("default").exists()


def test_pnr_enquiry_eticket_pdf_and_api_find_the_booking_on_its_partition(trains):
    client = logged_in_client(make_user("finder"))
    pnr = post_booking(client, on_p2()).json()["pnr"]
    assert client.get(f"/pnr/{pnr}").status_code == 200
    page = client.get(f"/bookings/{pnr}")
    assert page.status_code == 200 and "Alpha Delta Express" in page.content.decode()
    assert client.get(f"/api/bookings/{pnr}").json()["train"] == ON_P2
    assert client.get(f"/bookings/{pnr}/ticket.pdf")["Content-Type"] == "application/pdf"
    # Someone else's PNR on p2 is not theirs.
    assert logged_in_client(make_user("other")).get(f"/bookings/{pnr}").status_code == 404


def test_pay_cancel_and_refund_stay_inside_the_trains_partition(trains):
    client = logged_in_client(make_user("refunded"))
    body = post_booking(client, on_p2(passengers=party(2, "Refund Case"))).json()
    pnr = body["pnr"]
    paid = client.post(f"/api/bookings/{pnr}/pay", "{}", content_type="application/json")
    assert paid.status_code == 200 and paid.json()["status"] == "BOOKED"
    cancelled = client.post(
        f"/api/bookings/{pnr}/cancel", json.dumps({"passengers": [1]}), content_type="application/json"
    )
    assert cancelled.status_code == 200, cancelled.content
    refund = cancelled.json()["refund"]
    assert refund > 0
    booking = Booking.objects.using("p2").get(pnr=pnr)
    assert float(booking.refunded_amount) == refund
    assert [float(r.amount) for r in Refund.objects.using("p2").filter(payment__booking=booking)] == [refund]
    assert not Refund.objects.using("default").exists()
    # The notifications (global task queue, run at once here) read the booking on p2 after its commit.
    subjects = " ".join(message.subject for message in mail.outbox)
    assert pnr in subjects


def test_the_sweeps_visit_every_partition(trains):
    client = logged_in_client(make_user("sweeper"))
    pnr = post_booking(client, on_p2()).json()["pnr"]
    booking = Booking.objects.using("p2").get(pnr=pnr)
    later = booking.hold_expires_at
    assert reservations.expire_holds(now=later) == 1
    assert Booking.objects.using("p2").get(pnr=pnr).status == Booking.Status.EXPIRED
    inventory = Inventory.objects.using("p2").get(pk=booking.inventory_id)
    prepared = prepare_due_charts(now=inventory.chart_due_at)
    assert prepared.charts >= 1
    assert Inventory.objects.using("p2").get(pk=inventory.pk).chart_prepared_at is not None


def test_a_queued_requests_url_names_its_partition(trains):
    client = logged_in_client(make_user("queued"))
    first = post_booking(client, on_p2())
    entry = QueuedBookingRequest.objects.using("p2").get()
    number = admission.request_id(entry)
    assert number % 10 == 1 and partitions.request_location(number) == (entry.pk, "p2")
    response = client.get(f"/api/bookings/requests/{number}")
    assert response.status_code == 200 and response.json()["pnr"] == first.json()["pnr"]
    assert client.get(f"/api/bookings/requests/{entry.pk * 10}").status_code == 404  # default's id


# --- Across partitions: My bookings and the dashboard -------------------------------------------


def test_my_bookings_and_the_dashboard_gather_both_partitions(trains):
    user = make_user("traveller")
    client = logged_in_client(user)
    pnrs = []
    for data in (payload(), on_p2(), payload(passengers=party(2, "Second Trip")), on_p2(**{"class": "2S"})):
        response = post_booking(client, data)
        assert response.status_code == 201, response.content
        pnrs.append(response.json()["pnr"])
        assert (
            client.post(f"/api/bookings/{pnrs[-1]}/pay", "{}", content_type="application/json").status_code
            == 200
        )
    assert Counter(where(pnr)[0] for pnr in pnrs) == {"default": 2, "p2": 2}
    listing = client.get("/bookings/").content.decode()
    assert all(pnr in listing for pnr in pnrs)
    with (
        CaptureQueriesContext(connections["default"]) as on_default,
        CaptureQueriesContext(connections["p2"]) as there,
    ):
        dashboard = client.get("/dashboard").content.decode()
    assert all(pnr in dashboard for pnr in pnrs)
    # The upcoming journeys: the same queries on each partition (bookings, their passengers), plus
    # the trains and stations of p2's bookings read from "default".
    booking_reads = [q for q in there.captured_queries if "booking_" in q["sql"]]
    assert len(booking_reads) == 3, [q["sql"][:80] for q in booking_reads]  # upcoming, passengers, count
    assert not any("timetable_" in q["sql"] for q in there.captured_queries)
    assert any("timetable_train" in q["sql"] for q in on_default.captured_queries)
    stats = travel_stats.stats_for(user)
    expected = sum(
        (
            b.fare_total
            for alias in settings.DATABASE_PARTITIONS
            for b in Booking.objects.using(alias).filter(user=user)
        ),
    )
    assert stats.total_bookings == 4 and stats.fare_sum == expected
    statistics = client.get("/dashboard/statistics")
    assert statistics.status_code == 200


def test_statistics_from_each_partitions_view_add_up_and_find_the_top_route(trains, monkeypatch):
    user = make_user("stats")
    client = logged_in_client(user)
    for data in (payload(), on_p2(), on_p2(**{"class": "2S"})):
        pnr = post_booking(client, data).json()["pnr"]
        client.post(f"/api/bookings/{pnr}/pay", "{}", content_type="application/json")
    # Journeys taken: move them into the past on both partitions, then refresh both views.
    for alias in settings.DATABASE_PARTITIONS:
        Booking.objects.using(alias).filter(user=user).update(departs_at="2026-01-10T10:00:00+05:30")
    assert travel_stats.refresh(concurrently=False) is not None
    monkeypatch.setattr(travel_stats, "_changed_since", lambda user_id, computed_at: False)
    stats = travel_stats.stats_for(user)
    assert stats.source == "materialized view"
    assert stats.journeys_taken == 3 and stats.km_travelled == 1400 + 700 + 700
    assert stats.top_route is not None and stats.top_route.journeys == 3
    assert (stats.top_route.board_code, stats.top_route.alight_code) == ("AAA", "DDD")


# --- Concurrency on one partition ---------------------------------------------------------------


def test_a_burst_on_one_partition_never_oversells(trains):
    set_coaches(ON_P2, "2S", 1)
    threads, per_thread = 12, 5
    clients = [
        [logged_in_client(make_user(f"burst{i}-{n}")) for n in range(per_thread)] for i in range(threads)
    ]
    barrier = threading.Barrier(threads)
    results, errors = [], []

    def fire(index):
        try:
            barrier.wait()
            for n in range(per_thread):
                body = on_p2(
                    **{
                        "class": "2S",
                        "passengers": party(
                            2 if (index + n) % 3 == 0 else 1, "Burst Rider", first_age=20 + n
                        ),
                    }
                )
                _first, response = book_until_decided(clients[index][n], body)
                results.append(response.status_code)
        except Exception as error:  # noqa: BLE001 - any failure fails the test below
            errors.append(repr(error))
        finally:
            for alias in settings.DATABASE_PARTITIONS:
                connections[alias].close()

    workers = [threading.Thread(target=fire, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors and len(results) == threads * per_thread
    assert set(results) <= {200, 201, 409}
    rows = BookingPassenger.objects.using("p2").filter(inventory__train_id=Train.objects.get(number=ON_P2).pk)
    assert not BookingPassenger.objects.using("default").exists()
    legs = defaultdict(set)
    for row in rows.filter(status="CNF"):
        for leg in range(row.board_sequence, row.alight_sequence):
            assert leg not in legs[row.unit], f"berth {row.coach}/{row.berth_number} sold twice"
            legs[row.unit].add(leg)
    confirmed = rows.filter(status="CNF").count()
    assert 0 < confirmed <= coach_layouts.berth_count("2S", 1)
    waitlisted = sorted(rows.filter(status="WL").values_list("number", flat=True))
    assert waitlisted == list(range(1, len(waitlisted) + 1))


def test_single_database_settings_are_untouched_by_the_partition_pass():
    """The pass's environment: exactly the two aliases, the same pool options on both."""
    assert settings.DATABASE_PARTITIONS == ("default", "p2")
    assert settings.DATABASES["p2"]["OPTIONS"] == settings.DATABASES["default"]["OPTIONS"]
    assert os.environ.get("DATABASE_PARTITION_URLS", "").startswith("p2=")


def test_the_admin_lists_searches_and_opens_rows_on_each_partition(trains, admin_client):
    client = logged_in_client(make_user("admin-seen"))
    on_default = post_booking(client, payload(train=ON_DEFAULT, **{"class": "3A"})).json()["pnr"]
    on_second = post_booking(client, on_p2()).json()["pnr"]
    assert (
        client.post(f"/api/bookings/{on_second}/pay", "{}", content_type="application/json").status_code
        == 200
    )
    booking = Booking.objects.using("p2").get(pnr=on_second)
    inventory = Inventory.objects.using("p2").get(pk=booking.inventory_id)
    payment = Payment.objects.using("p2").get(booking=booking)

    main_list = admin_client.get("/admin/booking/booking/").content.decode()
    assert on_default in main_list and on_second not in main_list
    assert "?partition=p2" in main_list  # the filter, one partition at a time
    second_list = admin_client.get("/admin/booking/booking/?partition=p2")
    assert second_list.status_code == 200
    assert on_second in second_list.content.decode() and on_default not in second_list.content.decode()
    # Searches: by PNR on the partition, and by a train's number (a global row, looked up on default).
    assert (
        on_second in admin_client.get(f"/admin/booking/booking/?partition=p2&q={on_second}").content.decode()
    )
    found = admin_client.get(f"/admin/booking/inventory/?partition=p2&q={ON_P2}")
    assert found.status_code == 200 and f"/admin/booking/inventory/{inventory.pk}/" in found.content.decode()
    assert admin_client.get("/admin/payments/payment/?partition=p2").status_code == 200
    # A row's page finds it on its partition, passengers (the inline) included.
    second_list = second_list.content.decode()
    # Ids are per database: the list's link carries its partition to the row's page.
    assert f"/admin/booking/booking/{booking.pk}/change/?_changelist_filters=partition%3Dp2" in second_list
    page = admin_client.get(f"/admin/booking/booking/{booking.pk}/change/?_changelist_filters=partition%3Dp2")
    assert page.status_code == 200 and on_second in page.content.decode()
    assert "Asha Rao" in page.content.decode()  # the passenger, from the inline
    in_p2 = "change/?_changelist_filters=partition%3Dp2"
    assert ON_P2 in admin_client.get(f"/admin/booking/inventory/{inventory.pk}/{in_p2}").content.decode()
    assert payment.token in admin_client.get(f"/admin/payments/payment/{payment.pk}/{in_p2}").content.decode()
