"""Property-based fuzzing (hypothesis) of every form and JSON endpoint, and of the timetable
importer: whatever arrives, the answer is never a 500 and nothing is half-written."""

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.models import Booking, BookingPassenger
from tests.booking_fixtures import logged_in_client, make_user, network, payload  # noqa: F401 - fixture
from timetable.loading import load_network
from timetable.models import Stop, Train
from timetable.timetable_csv import read_timetable

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
odd_text = st.text(st.characters(codec="utf-8"), max_size=80)
dates = st.one_of(odd_text, st.dates().map(lambda d: d.isoformat()))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False) | odd_text,
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
def passenger_client(network):
    return logged_in_client(make_user("fuzzer"))


def _booking_counts():
    return Booking.objects.count(), BookingPassenger.objects.count()


@FUZZ
@given(body=json_values)
def test_booking_api_rejects_any_junk_cleanly(passenger_client, settings, body):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "booking": (10**9, 60)}
    before = _booking_counts()
    response = passenger_client.post("/api/bookings", json.dumps(body), content_type="application/json")
    assert response.status_code in (201, 400), response.content[:300]
    if response.status_code != 201:
        assert _booking_counts() == before
        assert response.json()["error"]


@FUZZ
@given(field=st.sampled_from(["train", "date", "from", "to", "class", "quota", "passengers"]), value=json_values,
       passenger=st.dictionaries(st.sampled_from(["name", "age", "gender", "berth_preference", "no_berth"]),
                                 json_values, max_size=5))
def test_booking_api_with_one_bad_field(passenger_client, settings, field, value, passenger):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "booking": (10**9, 60)}
    body = payload(**{field: value}) if field != "passengers" else payload(passengers=[passenger])
    before = _booking_counts()
    response = passenger_client.post("/api/bookings", json.dumps(body), content_type="application/json")
    assert response.status_code in (201, 400), response.content[:300]
    if response.status_code == 400:
        assert _booking_counts() == before
        assert response.json()["field"]


@FUZZ
@given(raw=st.binary(max_size=300))
def test_booking_api_survives_bytes_that_are_not_json(passenger_client, raw):
    before = _booking_counts()
    response = passenger_client.post("/api/bookings", raw, content_type="application/json")
    assert response.status_code in (400, 429) and _booking_counts() == before


@FUZZ
@given(username=odd_text, email=odd_text, password1=odd_text, password2=odd_text)
def test_signup_form_never_fails(client, settings, username, email, password1, password2):
    from django.contrib.auth import get_user_model

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": (10**9, 60)}
    before = get_user_model().objects.count()
    response = client.post("/accounts/signup/", {"username": username, "email": email,
                                                 "password1": password1, "password2": password2})
    assert response.status_code in (302, 400)
    assert get_user_model().objects.count() == before + (response.status_code == 302)
    client.logout()


@FUZZ
@given(username=odd_text, password=odd_text, pnr=odd_text)
def test_login_and_pnr_forms_never_fail(client, settings, username, password, pnr):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (10**9, 60)}
    settings.LOGIN_FAILURE_LIMIT = settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10**9
    assert client.post("/accounts/login/", {"username": username, "password": password}).status_code in (200, 302)
    assert client.get("/pnr", {"pnr": pnr}).status_code in (200, 302, 400, 404)


client_addresses = st.one_of(st.ip_addresses().map(str), odd_text)


@FUZZ
@given(url=st.sampled_from(["/accounts/login/", "/admin/login/"]), username=odd_text, password=odd_text,
       address=client_addresses, limit=st.integers(1, 3))
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


HEADER = ("Train No,Train Name,SEQ,Station Code,Station Name,Arrival time,Departure Time,Distance,"
          "Source Station,Source Station Name,Destination Station,Destination Station Name,Runs On\n")
good_row = st.tuples(
    st.sampled_from(["11111", "22222"]), st.just("FUZZ EXPRESS"), st.integers(1, 4),
    st.sampled_from(["AAA", "BBB", "CCC", "DDD"]), st.just("X"),
    st.sampled_from(["00:00:00", "10:00:00", "23:59:00"]), st.sampled_from(["00:00:00", "10:05:00", "01:00:00"]),
    st.integers(0, 900), st.just("AAA"), st.just("A"), st.just("DDD"), st.just("D"), st.sampled_from(["Daily", "Mon Tue"]),
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
