"""Property-based fuzzing (hypothesis) of the JSON API (create, pay, cancel, detail, train search,
stations) and the PNR enquiry: any method, any JSON (deeply nested too), any bytes, huge bodies,
any headers. Under /api/ the answer is JSON, never HTML and never a 500; a HEAD answer has no body;
the PNR pages never fail either. (tests/test_fuzz_inputs.py covers the forms and the importer.)"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testsupport.bookings import payload, post_booking
from testsupport.users import logged_in_client, make_user

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
ALLOWED_KEYS = {"error", "field", "code", "retry_after"}

odd_text = st.text(st.characters(codec="utf-8"), max_size=60)
# What a WSGI server hands Django: header values are latin-1 strings.
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats(allow_nan=False) | odd_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(odd_text, children, max_size=4),
    max_leaves=16,
)


def nested(depth, opener, closer, leaf='"x"'):
    return opener * depth + leaf + closer * depth


# Up to 5,000 levels in at most 16 KB: past Python's recursion limit, within the size limit.
deep_json = st.tuples(
    st.integers(1, 5000), st.sampled_from([("[", "]"), ('{"a":', "}"), ('[{"b":', "}]")])
).map(lambda args: nested(args[0], *args[1]))
bodies = st.one_of(
    json_values.map(lambda value: json.dumps(value).encode()),
    st.builds(lambda value: json.dumps(payload(passengers=[{"name": value}])).encode(), json_values),
    deep_json.map(str.encode),
    st.binary(max_size=400),
    st.just(b'{"train": ' + b"9" * 5000 + b"}"),
    st.sampled_from([b'{"outcome": NaN}', b'{"passengers": [1e999]}', b'{"passengers": Infinity}']),
)
headers = st.dictionaries(
    st.sampled_from(
        [
            "HTTP_ACCEPT",
            "HTTP_IDEMPOTENCY_KEY",
            "HTTP_X_CSRFTOKEN",
            "HTTP_ORIGIN",
            "HTTP_X_REAL_IP",
            "HTTP_X_FORWARDED_FOR",
            "HTTP_ACCEPT_ENCODING",
            "HTTP_IF_NONE_MATCH",
            "HTTP_RANGE",
            "CONTENT_LENGTH",
            "HTTP_TRANSFER_ENCODING",
            "HTTP_COOKIE",
        ]
    ),
    header_text,
    max_size=5,
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=latin-1",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "",
    ]
)


@pytest.fixture
def api(network, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "booking": (10**9, 60), "pnr": (10**9, 60)}
    client = logged_in_client(make_user("fuzzer"))
    pnr = post_booking(client).json()["pnr"]
    return client, pnr


def assert_api_answer(response, method):
    assert response.status_code < 500, response.content[:300]
    assert response["Content-Type"] == "application/json", (response.status_code, response.content[:300])
    if method == "HEAD":
        assert response.content == b""
    elif response.status_code >= 400:
        body = response.json()
        assert isinstance(body["error"], str) and body["error"] and set(body) <= ALLOWED_KEYS, body


def send(client, method, url, body=b"", content_type="application/json", extra=None):
    return client.generic(method, url, body, content_type=content_type, **(extra or {}))


@FUZZ
@given(
    endpoint=st.sampled_from(["create", "pay", "cancel", "detail"]),
    method=st.sampled_from(METHODS),
    body=bodies,
    content_type=content_types,
    extra=headers,
)
def test_booking_api_answers_json_whatever_arrives(api, endpoint, method, body, content_type, extra):
    client, pnr = api
    url = {
        "create": "/api/bookings",
        "pay": f"/api/bookings/{pnr}/pay",
        "cancel": f"/api/bookings/{pnr}/cancel",
        "detail": f"/api/bookings/{pnr}",
    }[endpoint]
    assert_api_answer(send(client, method, url, body, content_type, extra), method)


@FUZZ
@given(
    endpoint=st.sampled_from(["create", "pay", "cancel"]),
    size=st.sampled_from([16 * 1024 + 1, 100_000, 2_621_441]),
    content_type=content_types,
)
def test_huge_bodies_are_a_json_413(api, endpoint, size, content_type):
    client, pnr = api
    url = {
        "create": "/api/bookings",
        "pay": f"/api/bookings/{pnr}/pay",
        "cancel": f"/api/bookings/{pnr}/cancel",
    }[endpoint]
    response = send(client, "POST", url, b"[" * size, content_type)
    assert_api_answer(response, "POST")
    assert response.status_code == 413


@FUZZ
@given(
    method=st.sampled_from(METHODS),
    params=st.dictionaries(
        st.sampled_from(["from", "to", "date", "sort", "travel_class", "q", "depart", "class", "page"]),
        odd_text,
        max_size=6,
    ),
    extra=headers,
)
def test_search_and_stations_apis_answer_json(network, client, method, params, extra):
    for url in ("/api/trains/search", "/api/stations", "/api/unknown"):
        query = "&".join(f"{key}={value}" for key, value in params.items())
        response = client.generic(method, f"{url}?{query}", **extra)
        assert_api_answer(response, method)


@FUZZ
@given(
    pnr=odd_text.filter(lambda text: "/" not in text and "?" not in text and "#" not in text),
    method=st.sampled_from(METHODS),
    extra=headers,
)
def test_pnr_enquiry_never_fails(api, client, pnr, method, extra):
    _owner, real = api
    from urllib.parse import quote

    for url in (f"/pnr/{quote(pnr)}" if pnr else "/pnr/0", f"/pnr?pnr={quote(pnr)}", f"/pnr/{real}"):
        response = client.generic(method, url, **extra)
        assert response.status_code in (200, 302, 400, 404, 405), (url, response.status_code)
        if method == "HEAD":
            assert response.content == b""
