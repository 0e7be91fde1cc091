"""Unpaid holds are scarce: at most HOLDS_PER_TRAIN_LIMIT per train and date and HOLDS_LIMIT in all
per passenger, answered 409; not renewable by cancelling and holding again; safe under concurrency."""

import datetime
import threading
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from booking.models import Booking, BookingPassenger, Inventory
from payments.models import Payment

from testsupport.bookings import book_until_decided, party, payload, post_booking, travel_date
from testsupport.networks import booking_network
from testsupport.users import logged_in_client, make_user


def counts():
    return Booking.objects.count(), BookingPassenger.objects.count(), Payment.objects.count()


def seats_taken():
    return sum(sum(1 for mask in inventory.occupancy if mask) for inventory in Inventory.objects.all())


def test_third_unpaid_hold_on_one_train_and_date_is_409_and_writes_nothing(network, client_for):
    assert post_booking(client_for).status_code == 201
    assert post_booking(client_for, payload(**{"class": "2A"})).status_code == 201  # any class counts
    before, taken = counts(), seats_taken()
    refused = post_booking(client_for, payload(passengers=party(6)))
    assert refused.status_code == 409, refused.content
    body = refused.json()
    assert body["field"] == "passengers"
    assert "2 unpaid bookings on this train and date" in body["error"] and "Pay for one" in body["error"]
    assert counts() == before and seats_taken() == taken
    # Another date or another train is another slot...
    assert post_booking(client_for, payload(date=travel_date(11).isoformat())).status_code == 201
    assert post_booking(client_for, payload(train="12002", **{"class": "SL"})).status_code == 201
    # ...and another passenger is not limited by this one.
    assert post_booking(logged_in_client(make_user("ravi"))).status_code == 201


def test_six_unpaid_holds_in_all(network, client_for):
    for days in range(2, 8):
        assert post_booking(client_for, payload(date=travel_date(days).isoformat())).status_code == 201
    refused = post_booking(client_for, payload(date=travel_date(9).isoformat()))
    assert refused.status_code == 409 and "6 unpaid bookings in all" in refused.json()["error"]


def test_paid_bookings_do_not_count(network, client_for):
    for _ in range(3):
        pnr = post_booking(client_for).json()["pnr"]
        paid = client_for.post(f"/api/bookings/{pnr}/pay", "{}", content_type="application/json")
        assert paid.json()["status"] == "BOOKED"
    assert Booking.objects.filter(status="BOOKED").count() == 3


def test_cancelling_an_unpaid_hold_does_not_renew_it(network, client_for, settings):
    """Hold, cancel, hold again in a loop: the cancelled holds still count for the window."""
    for _ in range(2):
        pnr = post_booking(client_for).json()["pnr"]
        assert (
            client_for.post(f"/api/bookings/{pnr}/cancel", "{}", content_type="application/json").status_code
            == 200
        )
    again = post_booking(client_for)
    assert again.status_code == 409
    expected = timezone.localtime(
        Booking.objects.order_by("created_at").first().created_at
        + datetime.timedelta(minutes=settings.HOLDS_WINDOW_MINUTES)
    )
    assert f"after {expected:%H:%M}" in again.json()["error"]
    # Once the window has passed (here: the bookings were made longer ago), the slots are back.
    Booking.objects.update(
        created_at=timezone.now() - datetime.timedelta(minutes=settings.HOLDS_WINDOW_MINUTES + 1)
    )
    assert post_booking(client_for).status_code == 201


def test_expired_holds_count_until_the_window_has_passed(network, client_for, settings):
    for _ in range(2):
        post_booking(client_for)
    lapsed = timezone.now() - datetime.timedelta(seconds=1)
    Booking.objects.update(hold_expires_at=lapsed)
    Inventory.objects.update(earliest_hold_expiry=lapsed)
    call_command("expire_holds", stdout=open("/dev/null", "w"))
    assert set(Booking.objects.values_list("status", flat=True)) == {"EXPIRED"}
    assert post_booking(client_for).status_code == 409
    settings.HOLDS_WINDOW_MINUTES = settings.BOOKING_HOLD_MINUTES
    Booking.objects.update(
        created_at=timezone.now() - datetime.timedelta(minutes=settings.BOOKING_HOLD_MINUTES + 1)
    )
    assert post_booking(client_for).status_code == 201


def test_limits_follow_the_settings(network, client_for, settings):
    settings.HOLDS_PER_TRAIN_LIMIT = 1
    assert post_booking(client_for).status_code == 201
    assert post_booking(client_for).status_code == 409
    settings.HOLDS_PER_TRAIN_LIMIT, settings.HOLDS_LIMIT = 5, 2
    assert post_booking(client_for).status_code == 201
    assert post_booking(client_for).status_code == 409


def test_an_idempotent_replay_is_not_a_new_hold(network, client_for):
    first = post_booking(client_for, None, **{"Idempotency-Key": "k1"})
    post_booking(client_for, payload(**{"class": "2A"}))
    replay = post_booking(client_for, None, **{"Idempotency-Key": "k1"})
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json()["pnr"] == first.json()["pnr"]


def test_the_booking_pages_answer_409_with_a_clear_message(network, client_for):
    for _ in range(2):
        post_booking(client_for)
    url = f"/book/12951/{travel_date().isoformat()}/AAA/DDD/3A/passengers"
    review = client_for.post(url, {"quota": "GN", "p-0-name": "Asha Rao", "p-0-age": "30", "p-0-gender": "F"})
    assert review.status_code == 302
    before = counts()
    page = client_for.post(review["Location"])
    assert page.status_code == 409
    content = page.content.decode()
    assert "2 unpaid bookings on this train and date" in content and 'role="alert"' in content
    assert 'href="/bookings/"' in content
    assert counts() == before


def test_system_check_refuses_a_window_shorter_than_the_hold(settings):
    from booking.hold_limits import window_covers_the_hold

    assert window_covers_the_hold(None) == []
    settings.HOLDS_WINDOW_MINUTES = settings.BOOKING_HOLD_MINUTES - 1
    assert [error.id for error in window_covers_the_hold(None)] == ["booking.E001"]
    settings.HOLDS_WINDOW_MINUTES, settings.HOLDS_LIMIT = settings.BOOKING_HOLD_MINUTES, 0
    assert [error.id for error in window_covers_the_hold(None)] == ["booking.E002"]


THREADS = 12


@pytest.mark.postgres
def test_simultaneous_holds_of_one_passenger_cannot_both_pass(postgres_only, transactional_db):
    """Twelve requests of one passenger at the same moment, on one train and date: two holds, ten
    409s, whichever way they interleave; and holds of other passengers at the same time all pass
    (the per-user lock serialises one passenger, not everybody; no deadlock with the inventory lock)."""
    booking_network()
    greedy = make_user("greedy")
    greedy_clients = [logged_in_client(greedy) for _ in range(THREADS)]
    others = [logged_in_client(make_user(f"other{i}")) for i in range(THREADS)]
    barrier = threading.Barrier(2 * THREADS)
    answers, errors = [], []

    def fire(client, who, index):
        try:
            barrier.wait()
            body = payload(passengers=party(3, first_age=20 + index))
            _first, final = book_until_decided(client, body)
            # A request decided after a 202 answers 200 on its URL where it would have been 201.
            answers.append((who, 201 if final.status_code == 200 else final.status_code))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=fire, args=(client, "greedy", i)) for i, client in enumerate(greedy_clients)
    ]
    threads += [threading.Thread(target=fire, args=(client, "other", i)) for i, client in enumerate(others)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a hold hung (deadlock?)"
    assert not errors, errors
    assert Counter(status for who, status in answers if who == "greedy") == {201: 2, 409: THREADS - 2}
    assert Counter(status for who, status in answers if who == "other") == {201: THREADS}
    assert Booking.objects.filter(user=greedy).count() == 2
    assert BookingPassenger.objects.filter(booking__user=greedy).count() == 6
