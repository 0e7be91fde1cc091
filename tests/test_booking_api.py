"""POST /api/bookings and friends: shape, every bad input, idempotency keys, CSRF, ownership."""

import datetime
import json

import pytest
from django.test import Client

from booking.models import Booking, BookingPassenger, Inventory
from payments.models import Payment

from testsupport.bookings import payload, post_booking, travel_date
from testsupport.users import logged_in_client, make_user


def test_hold_answers_201_with_pnr_statuses_fare_and_urls(network, client_for):
    response = post_booking(
        client_for,
        payload(
            passengers=[
                {"name": "Asha Rao", "age": 34, "gender": "F", "berth_preference": "UB"},
                {"name": "Ravi Rao", "age": 36, "gender": "M"},
            ]
        ),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["pnr"]) == 10 and body["pnr"].isdigit()
    assert [p["status"].split(" ")[0] for p in body["passengers"]] == ["CNF", "CNF"]
    assert body["passengers"][0]["status"].startswith("CNF B1/") and body["passengers"][0]["status"].endswith(
        "/UB"
    )
    assert body["fare"] == 2221 * 2
    assert body["url"].endswith(f"/bookings/{body['pnr']}")
    assert "/payments/" in body["payment_url"]
    booking = Booking.objects.get(pnr=body["pnr"])
    assert booking.status == Booking.Status.HELD and booking.journey_date == travel_date()


def test_date_is_the_departure_date_at_the_boarding_station(network, client_for):
    # 12951 leaves AAA at 16:00 and CCC at 02:00 the next day: boarding at CCC on date D means
    # the train left its first station on D - 1.
    response = post_booking(client_for, payload(**{"from": "CCC", "date": travel_date(11).isoformat()}))
    assert response.status_code == 201, response.content
    assert Booking.objects.get().journey_date == travel_date(10)


BAD = [
    ({"train": "99999"}, "train"),
    ({"train": ""}, "train"),
    ({"date": "2026-13-45"}, "date"),
    ({"date": "tomorrow"}, "date"),
    # ISO week and ordinal dates (date.fromisoformat reads them): only YYYY-MM-DD is a date here.
    (
        {
            "date": f"{travel_date().isocalendar().year}-W{travel_date().isocalendar().week:02d}-"
            f"{travel_date().isocalendar().weekday}"
        },
        "date",
    ),
    ({"date": f"{travel_date():%Y}-{travel_date().timetuple().tm_yday:03d}"[:10]}, "date"),
    ({"date": (datetime.date.today() - datetime.timedelta(days=3)).isoformat()}, "date"),
    ({"date": travel_date(61).isoformat()}, "date"),
    ({"class": "1A", "train": "12002"}, "class"),
    ({"class": "EC"}, "class"),
    ({"from": "ZZZ"}, "from"),
    ({"to": "AAA"}, "to"),
    ({"from": "DDD", "to": "AAA"}, "from"),
    ({"quota": "XX"}, "quota"),
    ({"passengers": []}, "passengers"),
    ({"passengers": "Asha"}, "passengers"),
    ({"passengers": [{"name": "A", "age": 30, "gender": "F"}] * 7}, "passengers"),
    ({"passengers": [{"name": "Asha", "age": -1, "gender": "F"}]}, "passengers[0].age"),
    ({"passengers": [{"name": "Asha", "age": 126, "gender": "F"}]}, "passengers[0].age"),
    ({"passengers": [{"name": "Asha", "age": "old", "gender": "F"}]}, "passengers[0].age"),
    ({"passengers": [{"name": "Asha", "age": 30.5, "gender": "F"}]}, "passengers[0].age"),
    ({"passengers": [{"name": "Asha", "age": True, "gender": "F"}]}, "passengers[0].age"),
    ({"passengers": [{"name": "", "age": 30, "gender": "F"}]}, "passengers[0].name"),
    ({"passengers": [{"name": "R2D2", "age": 30, "gender": "F"}]}, "passengers[0].name"),
    ({"passengers": [{"name": "<script>", "age": 30, "gender": "F"}]}, "passengers[0].name"),
    ({"passengers": [{"name": "A" * 41, "age": 30, "gender": "F"}]}, "passengers[0].name"),
    ({"passengers": [{"name": 42, "age": 30, "gender": "F"}]}, "passengers[0].name"),
    ({"passengers": [{"name": "Asha", "age": 30, "gender": "X"}]}, "passengers[0].gender"),
    (
        {"passengers": [{"name": "Asha", "age": 30, "gender": "F", "berth_preference": "WS"}]},
        "passengers[0].berth_preference",
    ),
    (
        {"passengers": [{"name": "Asha", "age": 30, "gender": "F", "no_berth": True}]},
        "passengers[0].no_berth",
    ),
    ({"passengers": [{"name": "Kid", "age": 8, "gender": "F"}]}, "passengers"),
    ({"passengers": ["Asha"]}, "passengers[0]"),
    # The same person twice (name, age and gender; names compared without case or extra spaces).
    (
        {
            "passengers": [
                {"name": "Asha Rao", "age": 30, "gender": "F"},
                {"name": "Ravi", "age": 30, "gender": "M"},
                {"name": "asha  RAO", "age": 30, "gender": "F"},
            ]
        },
        "passengers[2]",
    ),
    ({"passengers": [{"name": "Asha", "age": 30, "gender": "F"}] * 2}, "passengers[1]"),
    (
        {
            "passengers": [
                {"name": n, "age": 30, "gender": "F"}
                for n in ("Asha", "Bina", "Chitra", "Devi", "Esha", "Fatima", "Gita")
            ]
        },
        "passengers",
    ),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_bad_requests_get_400_naming_the_field_and_write_nothing(network, client_for, change, field):
    response = post_booking(client_for, payload(**change))
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert response.json()["error"]
    assert not Booking.objects.exists() and not Inventory.objects.exists() and not Payment.objects.exists()


def test_train_not_running_that_day(network, client_for):
    date = travel_date(10)
    while date.weekday() == 0:
        date += datetime.timedelta(days=1)
    response = post_booking(client_for, payload(train="22001", **{"date": date.isoformat()}))
    assert response.status_code == 400 and response.json()["field"] == "date"


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"", b'"text"', b"{" * 10000])
def test_malformed_bodies(network, client_for, body):
    response = client_for.post("/api/bookings", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "body"


def test_tatkal_rules_through_the_api(network, client_for, settings):
    tomorrow = travel_date(1)
    tq = payload(date=tomorrow.isoformat(), quota="TQ")
    settings.TATKAL_AC_OPENING_HOUR = 23
    settings.TATKAL_NON_AC_OPENING_HOUR = 23
    closed = post_booking(client_for, tq)
    # Before 23:00 the day before, Tatkal is not open yet (the test may run after 23:00: then it is).
    assert closed.status_code in (201, 400)
    settings.TATKAL_AC_OPENING_HOUR = 0
    assert post_booking(client_for, {**tq, "class": "1A"}).json()["field"] == "quota"
    five = {**tq, "passengers": [{"name": "Asha", "age": 30, "gender": "F"}] * 5}
    assert post_booking(client_for, five).json()["field"] == "passengers"
    response = post_booking(client_for, tq)
    assert response.status_code == 201, response.content
    booking = Booking.objects.get(pnr=response.json()["pnr"])
    assert booking.quota == "TQ" and booking.fare_breakdown["totals"]["tatkal"] == 400


def test_tatkal_closed_far_ahead(network, client_for):
    response = post_booking(client_for, payload(quota="TQ"))
    assert response.status_code == 400 and response.json()["field"] == "quota"


def test_login_required_and_csrf_header_enforced(network, user):
    anonymous = Client()
    response = anonymous.post("/api/bookings", json.dumps(payload()), content_type="application/json")
    assert response.status_code == 401 and response.json()["field"] == "session"
    client = logged_in_client(user, enforce_csrf_checks=True)
    assert post_booking(client).status_code == 403
    client.get("/accounts/login/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    assert post_booking(client, None, **{"X-CSRFToken": token}).status_code == 201


def test_idempotency_key_returns_the_same_booking(network, client_for):
    first = post_booking(client_for, None, **{"Idempotency-Key": "abc-1"})
    again = post_booking(client_for, None, **{"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["pnr"] == again.json()["pnr"]
    assert (
        Booking.objects.count() == 1
        and BookingPassenger.objects.count() == 1
        and Payment.objects.count() == 1
    )
    # Another key is another booking; the same key from another user is theirs alone.
    assert post_booking(client_for, None, **{"Idempotency-Key": "abc-2"}).json()["pnr"] != first.json()["pnr"]
    other = logged_in_client(make_user("ben"))
    assert post_booking(other, None, **{"Idempotency-Key": "abc-1"}).json()["pnr"] != first.json()["pnr"]
    assert Booking.objects.count() == 3


def test_idempotency_key_reused_for_a_different_request_is_refused(network, client_for):
    post_booking(client_for, None, **{"Idempotency-Key": "k"})
    response = post_booking(client_for, payload(**{"class": "2A"}), **{"Idempotency-Key": "k"})
    assert response.status_code == 422 and response.json()["field"] == "Idempotency-Key"
    assert Booking.objects.count() == 1


def test_another_users_booking_is_404_everywhere(network, client_for):
    pnr = post_booking(client_for).json()["pnr"]
    intruder = logged_in_client(make_user("mallory"))
    assert intruder.get(f"/api/bookings/{pnr}").status_code == 404
    assert intruder.post(f"/api/bookings/{pnr}/pay", "{}", content_type="application/json").status_code == 404
    assert (
        intruder.post(f"/api/bookings/{pnr}/cancel", "{}", content_type="application/json").status_code == 404
    )
    assert intruder.get(f"/bookings/{pnr}").status_code == 404
    assert intruder.get(f"/bookings/{pnr}/cancel").status_code == 404
    assert intruder.post(f"/bookings/{pnr}/cancel", {"passenger": ["1"]}).status_code == 404
    assert intruder.post(f"/bookings/{pnr}/pay").status_code == 404
    token = Payment.objects.get().token
    assert intruder.get(f"/payments/{token}").status_code == 404
    assert intruder.post(f"/payments/{token}", {"action": "pay"}).status_code == 404
    assert Booking.objects.get().status == Booking.Status.HELD
    assert client_for.get(f"/api/bookings/{pnr}").status_code == 200


def test_pay_then_pay_again_charges_once(network, client_for):
    pnr = post_booking(client_for).json()["pnr"]
    first = client_for.post(f"/api/bookings/{pnr}/pay", "", content_type="application/json")
    second = client_for.post(f"/api/bookings/{pnr}/pay", "", content_type="application/json")
    assert first.status_code == second.status_code == 200
    assert first.json()["status"] == second.json()["status"] == "BOOKED"
    assert Payment.objects.filter(state="succeeded").count() == 1


def test_pay_with_failure_then_success(network, client_for):
    pnr = post_booking(client_for).json()["pnr"]
    failed = client_for.post(
        f"/api/bookings/{pnr}/pay", '{"outcome": "failed"}', content_type="application/json"
    )
    assert failed.json()["status"] == "HELD" and failed.json()["payment"]["state"] == "failed"
    assert (
        client_for.post(
            f"/api/bookings/{pnr}/pay", '{"outcome": "nope"}', content_type="application/json"
        ).status_code
        == 400
    )
    ok = client_for.post(f"/api/bookings/{pnr}/pay", "{}", content_type="application/json")
    assert ok.json()["status"] == "BOOKED"
    assert list(Payment.objects.order_by("id").values_list("state", flat=True)) == ["failed", "succeeded"]


def test_partial_cancel_by_position(network, client_for):
    body = payload(
        passengers=[{"name": "Asha", "age": 30, "gender": "F"}, {"name": "Ravi", "age": 31, "gender": "M"}]
    )
    pnr = post_booking(client_for, body).json()["pnr"]
    client_for.post(f"/api/bookings/{pnr}/pay", "{}", content_type="application/json")
    bad = client_for.post(
        f"/api/bookings/{pnr}/cancel", '{"passengers": [9]}', content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["field"] == "passengers"
    response = client_for.post(
        f"/api/bookings/{pnr}/cancel", '{"passengers": [2]}', content_type="application/json"
    )
    assert response.status_code == 200
    assert [p["status"].split(" ")[0] for p in response.json()["passengers"]] == ["CNF", "CAN"]
    assert response.json()["refund"] == 2221 - 180
    again = client_for.post(f"/api/bookings/{pnr}/cancel", "{}", content_type="application/json")
    assert again.json()["status"] == "CANCELLED"
    assert (
        client_for.post(f"/api/bookings/{pnr}/cancel", "{}", content_type="application/json").status_code
        == 409
    )


def test_idempotency_race_is_caught_by_the_unique_constraint(network, user):
    """Two requests with one key that both passed the early check: the second insert loses."""
    from unittest import mock

    from booking import admission
    from booking.booking_requests import parse_booking_request

    request = parse_booking_request(payload())
    first = admission.hold_booking(user, request, idempotency_key="race")
    earlier = admission._earlier_request
    # The early look-up misses (as if the other request had not been queued yet); the queue row's
    # unique (user, key) catches the second insert, which then answers with the first's booking.
    with mock.patch.object(
        admission, "_earlier_request", side_effect=[None, earlier(user, "race", "", "default")]
    ):
        second = admission.hold_booking(user, request, idempotency_key="race")
    assert not second.created and second.booking.pk == first.booking.pk
    assert (
        Booking.objects.count() == 1
        and BookingPassenger.objects.count() == 1
        and Payment.objects.count() == 1
    )
    assert sum(1 for mask in Inventory.objects.get().occupancy if mask) == 1


def test_pnr_collision_is_retried_with_a_new_number(network, user):
    from unittest import mock

    from booking import admission, reservations
    from booking.booking_requests import parse_booking_request

    request = parse_booking_request(payload())
    first = admission.hold_booking(user, request)
    with mock.patch.object(reservations, "_new_pnr", side_effect=[first.booking.pnr, "1234567890"]):
        second = admission.hold_booking(user, request)
    assert second.created and second.booking.pnr == "1234567890"
    assert (
        Booking.objects.count() == 2
        and BookingPassenger.objects.count() == 2
        and Payment.objects.count() == 2
    )
    assert sum(1 for mask in Inventory.objects.get().occupancy if mask) == 2
