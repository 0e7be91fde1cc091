"""Under /api/ every error is JSON in one shape ({"error", optional "field", "code", "retry_after"}),
whatever fails: nesting (400), size (413), CSRF (403), rate limits (429), unknown URLs (404), wrong
methods (405) and bugs (500). Never HTML, never a RecursionError. Elsewhere, an oversized form is a
413 page. (railconnect/json_errors.py, railconnect/json_body.py)"""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import path

from booking.models import Booking
from railconnect import urls as site_urls

from testsupport.bookings import payload, post_booking
from testsupport.users import logged_in_client

pytestmark = pytest.mark.django_db

ALLOWED_KEYS = {"error", "field", "code", "retry_after"}


def assert_json_error(response, status):
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"] == "application/json", response.content[:200]
    body = response.json()
    assert isinstance(body["error"], str) and body["error"] and set(body) <= ALLOWED_KEYS, body
    return body


@pytest.fixture
def api(network, client_for):
    """A signed-in API client (crashes answered as responses, as a server would) and a held booking."""
    client_for.raise_request_exception = False
    return client_for, post_booking(client_for).json()["pnr"]


def endpoints(pnr):
    return ["/api/bookings", f"/api/bookings/{pnr}/pay", f"/api/bookings/{pnr}/cancel"]


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 8000 + b"]" * 8000,  # 16 KB: within the size limit, far past the recursion limit
        b'{"a":' * 2500 + b"1" + b"}" * 2500,
        json.dumps({**payload(), "passengers": [{"name": [[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]}]}).encode(),
    ],
)
def test_deep_nesting_is_a_json_400_on_every_body_endpoint(api, body):
    client, pnr = api
    for url in endpoints(pnr):
        response = client.post(url, body, content_type="application/json")
        error = assert_json_error(response, 400)
        assert error["field"] == "body" and error["code"] == "too_deep" and "nested" in error["error"]
    assert Booking.objects.get(pnr=pnr).status == Booking.Status.HELD and Booking.objects.count() == 1


def test_a_normal_booking_is_well_within_the_depth_limit(api, settings):
    client, _pnr = api
    settings.API_MAX_JSON_DEPTH = 3  # {"passengers": [{...}]}
    assert post_booking(client).status_code == 201
    settings.API_MAX_JSON_DEPTH = 2
    assert_json_error(post_booking(client), 400)


@pytest.mark.parametrize(
    "text, depth",
    [
        ("{}", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('"[[[[["', 0),
        (r'["\"[[[[", "\\", [[]]]', 3),
        ("[[", 2),
        ("", 0),
    ],
)
def test_depth_is_measured_outside_strings(text, depth):
    from railconnect.json_body import deeper_than

    assert not deeper_than(text, depth)
    assert deeper_than(text, depth - 1) == (depth > 0)


@pytest.mark.parametrize("body", [b"1" * 5000, b'{"a": NaN}', b'{"a": Infinity}', b"\xff\xfe{}"])
def test_numbers_python_cannot_convert_and_non_json_constants_are_400(api, body):
    client, _pnr = api
    assert (
        assert_json_error(client.post("/api/bookings", body, content_type="application/json"), 400)["field"]
        == "body"
    )


def test_an_oversized_api_body_is_a_json_413_before_anything_reads_it(api, settings):
    client, pnr = api
    big = json.dumps({**payload(), "note": "x" * settings.API_MAX_BODY_BYTES}).encode()
    for url in endpoints(pnr):
        error = assert_json_error(client.post(url, big, content_type="application/json"), 413)
        assert error["code"] == "body_too_large"
    # A form or multipart body would be read by the CSRF check first: refused all the same.
    checked = logged_in_client(get_user_model().objects.get(), enforce_csrf_checks=True)
    for content_type in ("application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        response = checked.post("/api/bookings", b"a=" + b"x" * 20000, content_type=content_type)
        assert_json_error(response, 413)


def test_a_body_over_djangos_memory_limit_is_413_json_under_api_and_a_page_elsewhere(api, settings):
    client, _pnr = api
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    form = b"username=x&password=" + b"y" * 2000
    page = Client(raise_request_exception=False).post(
        "/accounts/login/", form, content_type="application/x-www-form-urlencoded"
    )
    assert page.status_code == 413 and page["Content-Type"].startswith("text/html")
    assert b"larger than" in page.content
    response = client.post("/api/bookings", form, content_type="application/x-www-form-urlencoded")
    assert_json_error(response, 413)


def test_a_csrf_failure_under_api_is_a_json_403_and_a_page_elsewhere(network, user):
    client = logged_in_client(user, enforce_csrf_checks=True)
    error = assert_json_error(post_booking(client), 403)
    assert error["code"] == "csrf_failed" and "X-CSRFToken" in error["error"]
    page = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "a", "password": "b"})
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")


def test_unknown_urls_and_wrong_methods_are_json(api):
    client, pnr = api
    assert assert_json_error(client.get("/api/nothing-here"), 404)["code"] == "not_found"
    assert assert_json_error(Client().get("/api/bookings/1234567890/x/y"), 404)["code"] == "not_found"
    wrong = assert_json_error(client.get("/api/bookings"), 405)
    assert wrong["code"] == "method_not_allowed" and "POST" in wrong["error"]
    assert client.get("/api/bookings")["Allow"] == "POST"
    assert_json_error(client.delete(f"/api/bookings/{pnr}"), 405)
    assert_json_error(client.put("/api/trains/search"), 405)
    assert_json_error(client.post("/api/stations", {"q": "al"}), 405)


def test_429_is_json_with_retry_after(api, settings, monkeypatch):
    client, _pnr = api
    monkeypatch.setattr("railconnect.rate_limits.clock", lambda: 1_800_000_030.0)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "booking": (1, 60)}
    responses = [post_booking(client) for _ in range(3)]
    error = assert_json_error(responses[-1], 429)
    assert error["code"] == "rate_limited" and error["retry_after"] == int(responses[-1]["Retry-After"]) > 0


def boom(request):
    raise RuntimeError("a bug")


# The site's patterns spread, not include()d: its i18n_patterns must stay at the root.
urlpatterns = [path("api/boom", boom), path("page/boom", boom), *site_urls.urlpatterns]


def test_a_bug_under_api_answers_json_500_not_an_html_page(settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    assert assert_json_error(client.get("/api/boom"), 500)["code"] == "server_error"
    assert client.get("/page/boom")["Content-Type"].startswith("text/html")


def test_json_responses_that_are_not_errors_pass_untouched(api):
    client, pnr = api
    response = client.get(f"/api/bookings/{pnr}")
    assert response.status_code == 200 and response.json()["pnr"] == pnr
