"""Property-based fuzzing (hypothesis) of every form and JSON endpoint, and of the timetable
importer: whatever arrives, the answer is never a 500 and nothing is half-written."""

import io
import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.models import Booking, BookingPassenger, Inventory
from payments.models import Payment, Refund
from timetable.loading import load_network
from timetable.models import Stop, Train
from timetable.timetable_csv import read_timetable

from testsupport.bookings import party, payload, post_booking, travel_date
from testsupport.users import logged_in_client, make_user, new_passenger, verify_mobile

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
odd_text = st.text(st.characters(codec="utf-8"), max_size=80)
dates = st.one_of(odd_text, st.dates().map(lambda d: d.isoformat()))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False) | odd_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(odd_text, children, max_size=4),
    max_leaves=12,
)


@FUZZ
@given(origin=odd_text, destination=odd_text, date=dates, sort=odd_text, travel_class=odd_text)
def test_search_never_fails(client, network, origin, destination, date, sort, travel_class):
    params = {"from": origin, "to": destination, "date": date, "sort": sort, "travel_class": travel_class}
    for url in ("/api/trains/search", "/search"):
        assert client.get(url, params).status_code in (200, 400)
    assert client.get("/api/stations", {"q": origin}).status_code in (200, 400)


@pytest.fixture
def passenger_client(network, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "booking": (10**9, 60)}
    return logged_in_client(make_user("fuzzer"))


def new_passenger_client():
    """Examples share the database: each booking example is another passenger, so that the hold
    limits (booking/hold_limits.py) do not refuse the later ones. Verified, so that Tatkal examples
    meet the Tatkal rules under test here, not the account rule (booking/tatkal_rules.py)."""
    return logged_in_client(verify_mobile(new_passenger()))


def _booking_counts():
    return Booking.objects.count(), BookingPassenger.objects.count()


def _written():
    """Everything a booking request may write: refused requests must leave all of it unchanged."""
    return (
        _booking_counts(),
        Payment.objects.count(),
        Refund.objects.count(),
        sorted(Booking.objects.values_list("pnr", "status", "fare_total", "refunded_amount")),
        sorted(BookingPassenger.objects.values_list("id", "status", "number", "unit", "refund_amount")),
        sorted(Payment.objects.values_list("token", "state", "amount", "refunded_amount")),
        sorted(
            (i.id, tuple(i.occupancy), i.rac_count, i.gnwl_count, i.tqwl_count)
            for i in Inventory.objects.all()
        ),
    )


@FUZZ
@given(body=json_values)
def test_booking_api_rejects_any_junk_cleanly(passenger_client, body):
    before = _written()
    response = new_passenger_client().post("/api/bookings", json.dumps(body), content_type="application/json")
    assert response.status_code in (201, 400), response.content[:300]
    if response.status_code != 201:
        assert _written() == before
        assert response.json()["error"]


@FUZZ
@given(
    field=st.sampled_from(["train", "date", "from", "to", "class", "quota", "passengers"]),
    value=json_values,
    passenger=st.dictionaries(
        st.sampled_from(["name", "age", "gender", "berth_preference", "no_berth"]), json_values, max_size=5
    ),
)
def test_booking_api_with_one_bad_field(passenger_client, field, value, passenger):
    body = payload(**{field: value}) if field != "passengers" else payload(passengers=[passenger])
    before = _written()
    response = new_passenger_client().post("/api/bookings", json.dumps(body), content_type="application/json")
    assert response.status_code in (201, 400), response.content[:300]
    if response.status_code == 400:
        assert _written() == before
        assert response.json()["field"]


person = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["Asha Rao", "Ravi Rao", "asha rao", "Kiran"]),
        "age": st.integers(0, 125),
        "gender": st.sampled_from("MFT"),
    },
    optional={"no_berth": st.booleans(), "berth_preference": st.sampled_from(["", "LB", "UB", "XX"])},
)


@FUZZ
@given(
    people=st.lists(person, min_size=1, max_size=9),
    quota=st.sampled_from(["GN", "TQ"]),
    date=st.sampled_from(
        [
            travel_date().isoformat(),
            "2026-W50-4",
            "2026-344",
            "2026-1-5",
            "20261210",
            travel_date(1).isoformat(),
        ]
    ),
)
def test_booking_api_parties_and_dates(passenger_client, people, quota, date):
    """Valid-looking parties of any size, duplicates and date spellings: 201 or a clear 400, never
    a passenger dropped (a 201 holds exactly the passengers sent)."""
    before = _written()
    body = payload(passengers=people, quota=quota, date=date)
    response = new_passenger_client().post("/api/bookings", json.dumps(body), content_type="application/json")
    assert response.status_code in (201, 400), response.content[:300]
    if response.status_code == 201:
        assert len(response.json()["passengers"]) == len(people) <= (6 if quota == "GN" else 4)
        assert "W" not in date and len(date) == 10
    else:
        assert _written() == before and response.json()["error"]


@pytest.fixture
def held_booking(passenger_client):
    """A held booking of three passengers, and its owner's client."""
    response = post_booking(passenger_client, payload(passengers=party(3)))
    return passenger_client, response.json()["pnr"]


@FUZZ
@given(body=json_values)
def test_pay_and_cancel_endpoints_take_any_junk(held_booking, body):
    """pay and cancel with any JSON: never a 500; what they refuse (4xx) changes nothing."""
    client, pnr = held_booking
    for action in ("pay", "cancel"):
        before = _written()
        response = client.post(
            f"/api/bookings/{pnr}/{action}", json.dumps(body), content_type="application/json"
        )
        assert response.status_code in (200, 400, 409), response.content[:300]
        if response.status_code == 400:
            assert _written() == before and response.json()["error"]
        if response.status_code == 200:
            return  # it did what was asked: a later request works on another state


@FUZZ
@given(
    positions=st.lists(st.integers(-2, 5), max_size=4),
    outcome=st.sampled_from(["succeeded", "failed", "timeout"]),
    pay_first=st.booleans(),
)
def test_cancel_positions_before_or_after_paying(passenger_client, positions, outcome, pay_first):
    client = new_passenger_client()
    pnr = post_booking(client, payload(passengers=party(3))).json()["pnr"]
    if pay_first:
        assert client.post(
            f"/api/bookings/{pnr}/pay", json.dumps({"outcome": outcome}), content_type="application/json"
        ).status_code in (200, 409)
    before = _written()
    response = client.post(
        f"/api/bookings/{pnr}/cancel", json.dumps({"passengers": positions}), content_type="application/json"
    )
    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 400:
        assert _written() == before
    else:
        booking = Booking.objects.get(pnr=pnr)
        active = booking.passengers.exclude(status="CAN")
        if booking.status == "HELD":  # cancelled before payment: the amount due is the rest's fare
            assert booking.fare_total == sum(row.fare for row in active)
            assert {p.amount for p in booking.payments.filter(state__in=["created", "pending"])} <= {
                booking.fare_total
            }


form_value = st.one_of(odd_text, st.integers(-5, 200).map(str))


@FUZZ
@given(
    rows=st.dictionaries(st.integers(0, 12), st.tuples(form_value, form_value, form_value), max_size=9),
    quota=st.sampled_from(["GN", "TQ", "", "zz"]),
    date=st.one_of(st.just(travel_date().isoformat()), dates),
)
def test_passenger_form_never_drops_or_half_writes(passenger_client, rows, quota, date):
    data = {"quota": quota}
    for index, (name, age, gender) in rows.items():
        data.update({f"p-{index}-name": name, f"p-{index}-age": age, f"p-{index}-gender": gender})
    before = _written()
    response = passenger_client.post(f"/book/12951/{quote(date, safe='')}/AAA/DDD/3A/passengers", data)
    assert response.status_code in (302, 400, 404), response.content[:300]
    assert _written() == before  # the form only saves a draft in the session
    sent = sum(1 for name, age, _ in rows.values() if name.strip() or age.strip())
    if response.status_code == 302:
        assert sent <= (4 if quota.upper() == "TQ" else 6)


@FUZZ
@given(raw=st.binary(max_size=300))
def test_booking_api_survives_bytes_that_are_not_json(passenger_client, raw):
    before = _written()
    response = passenger_client.post("/api/bookings", raw, content_type="application/json")
    assert response.status_code in (400, 429) and _written() == before


@FUZZ
@given(username=odd_text, email=odd_text, password1=odd_text, password2=odd_text)
def test_signup_form_never_fails(client, settings, username, email, password1, password2):
    from django.contrib.auth import get_user_model

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": (10**9, 60)}
    before = get_user_model().objects.count()
    response = client.post(
        "/accounts/signup/",
        {"username": username, "email": email, "password1": password1, "password2": password2},
    )
    assert response.status_code in (302, 400)
    assert get_user_model().objects.count() == before + (response.status_code == 302)
    client.logout()


@FUZZ
@given(username=odd_text, password=odd_text, pnr=odd_text)
def test_login_and_pnr_forms_never_fail(client, settings, username, password, pnr):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (10**9, 60)}
    settings.LOGIN_FAILURE_LIMIT = settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10**9
    assert client.post("/accounts/login/", {"username": username, "password": password}).status_code in (
        200,
        302,
    )
    assert client.get("/pnr", {"pnr": pnr}).status_code in (200, 302, 400, 404)


client_addresses = st.one_of(st.ip_addresses().map(str), odd_text)


@FUZZ
@given(
    url=st.sampled_from(["/accounts/login/", "/admin/login/"]),
    username=odd_text,
    password=odd_text,
    address=client_addresses,
    limit=st.integers(1, 3),
)
def test_both_logins_never_fail_even_when_locked(settings, url, username, password, address, limit):
    """Any input, any claimed client address (behind a proxy: CLIENT_IP_HEADER), with the lock-out
    close enough to be reached: the form, a redirect or the 429, never a 500."""
    from django.test import Client

    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (10**9, 60)}
    settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_ADDRESS_FAILURE_LIMIT = limit, limit + 2
    response = Client().post(url, {"username": username, "password": password}, HTTP_X_REAL_IP=address)
    assert response.status_code in (200, 302, 429), response.content[:300]


@pytest.fixture
def account():
    return make_user("fuzzer")


@FUZZ
@given(email=st.one_of(odd_text, st.emails(), st.just("fuzzer@example.com")), address=client_addresses)
def test_password_reset_never_fails(account, settings, email, address):
    """The form and the task that sends the mail (run at once in tests), whether an account has
    the address or not."""
    from django.test import Client

    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password-reset": (10**9, 3600)}
    response = Client().post("/accounts/password/reset/", {"email": email}, HTTP_X_REAL_IP=address)
    assert response.status_code in (200, 302), response.content[:300]


HEADER = (
    "Train No,Train Name,SEQ,Station Code,Station Name,Arrival time,Departure Time,Distance,"
    "Source Station,Source Station Name,Destination Station,Destination Station Name,Runs On\n"
)
good_row = st.tuples(
    st.sampled_from(["11111", "22222"]),
    st.just("FUZZ EXPRESS"),
    st.integers(1, 4),
    st.sampled_from(["AAA", "BBB", "CCC", "DDD"]),
    st.just("X"),
    st.sampled_from(["00:00:00", "10:00:00", "23:59:00"]),
    st.sampled_from(["00:00:00", "10:05:00", "01:00:00"]),
    st.integers(0, 900),
    st.just("AAA"),
    st.just("A"),
    st.just("DDD"),
    st.just("D"),
    st.sampled_from(["Daily", "Mon Tue"]),
).map(lambda row: ",".join(str(cell) for cell in row))
any_row = st.one_of(good_row, st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=60))


@FUZZ
@given(rows=st.lists(any_row, max_size=12))
def test_importer_never_half_writes_a_train(rows):
    parsed = read_timetable(io.StringIO(HEADER + "\n".join(rows) + "\n"))
    load_network(trains=parsed.trains)
    for train in Train.objects.all():
        stops = list(Stop.objects.filter(train=train).order_by("sequence"))
        assert len(stops) >= 2
        assert [stop.sequence for stop in stops] == list(range(1, len(stops) + 1))
        times = [t for stop in stops for t in (stop.arrival_minute, stop.departure_minute) if t is not None]
        assert times == sorted(times)
    assert {train.number for train in parsed.trains} <= set(Train.objects.values_list("number", flat=True))
