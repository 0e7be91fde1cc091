"""POST /rum (rum/views.py, rum/documents.py): what is stored, and hostile input that must be
refused with 400 or 429, never a 500, storing nothing."""

import copy
import json
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

from rum.models import PageView

from testsupport.rum_documents import ORIGIN, beacon, valid_document

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def still_clock(monkeypatch):
    """The rate limiter's fixed window must not roll over in the middle of a test."""
    monkeypatch.setattr("railconnect.rate_limits.clock", lambda: 1_800_000_010.0)


def test_a_beacon_is_stored_in_one_insert(client, django_assert_num_queries):
    document = valid_document()
    with django_assert_num_queries(1):
        response = beacon(client, document)
    assert response.status_code == 204
    view = PageView.objects.get()
    assert view.view_id == document["id"]
    assert (view.route, view.navigation_type, view.device_class, view.connection_type) == (
        "/trains/<number>",
        "navigate",
        "phone",
        "4g",
    )
    assert (view.lcp, view.lcp_rating, view.lcp_target, view.lcp_url) == (
        2710.4,
        2,
        "main>picture>img.hero",
        "/media/renditions/ab12/640.avif",
    )
    assert (view.lcp_ttfb, view.lcp_load_delay, view.lcp_load_duration, view.lcp_render_delay) == (
        310.2,
        120.0,
        1900.1,
        380.1,
    )
    assert (view.inp, view.inp_rating, view.inp_target, view.inp_type, view.inp_load_state) == (
        184.0,
        1,
        "form.search-form>button",
        "pointer",
        "complete",
    )
    assert (view.inp_input_delay, view.inp_processing, view.inp_presentation) == (12.5, 120.0, 51.5)
    assert (
        view.cls,
        view.cls_rating,
        view.cls_target,
        view.cls_largest_shift,
        view.cls_largest_shift_time,
    ) == (0.0312, 1, "ul.destinations", 0.0301, 1510.3)
    assert (view.fcp, view.fcp_ttfb, view.fcp_delay, view.fcp_load_state) == (
        1650.2,
        310.2,
        1340.0,
        "dom-interactive",
    )
    assert (view.ttfb, view.ttfb_waiting, view.ttfb_dns, view.ttfb_connection, view.ttfb_request) == (
        310.2,
        2.1,
        40.2,
        88.0,
        179.9,
    )
    assert (view.server_total, view.server_db, view.server_cache) == (42.5, 12.25, 1.5)


def test_no_csrf_token_is_needed_and_json_content_type_works_too():
    client = Client(enforce_csrf_checks=True)
    assert beacon(client, valid_document()).status_code == 204
    assert beacon(client, valid_document(), content_type="application/json").status_code == 204
    assert PageView.objects.count() == 2


def test_partial_documents_are_fine():
    """A page hidden before any interaction has no INP; attribution may be missing."""
    document = valid_document()
    del document["metrics"]["INP"]
    del document["metrics"]["LCP"]["attribution"]
    del document["server"]
    assert beacon(Client(), document).status_code == 204
    view = PageView.objects.get()
    assert view.inp is None and view.lcp == 2710.4 and view.lcp_target == "" and view.server_total is None


def test_a_later_document_for_the_same_page_view_replaces_its_figures():
    client = Client()
    document = valid_document()
    assert beacon(client, document).status_code == 204
    first = PageView.objects.get()
    later = copy.deepcopy(document)
    later["metrics"]["CLS"]["value"] = 0.3
    later["metrics"]["CLS"]["rating"] = "poor"
    later["route"] = "/"  # the route of a page view is fixed by its first document
    assert beacon(client, later).status_code == 204
    view = PageView.objects.get()
    assert (view.cls, view.cls_rating, view.route, view.received_at) == (
        0.3,
        3,
        "/trains/<number>",
        first.received_at,
    )


def test_the_rating_is_checked_against_googles_thresholds():
    def with_value(name, value, rating):
        document = valid_document()
        document["metrics"][name]["value"] = value
        document["metrics"][name]["rating"] = rating
        return document

    client = Client()
    for name, good, poor in (
        ("LCP", 2500, 4000),
        ("INP", 200, 500),
        ("CLS", 0.1, 0.25),
        ("FCP", 1800, 3000),
        ("TTFB", 800, 1800),
    ):
        assert beacon(client, with_value(name, good, "good")).status_code == 204
        assert beacon(client, with_value(name, poor, "needs-improvement")).status_code == 204
        assert beacon(client, with_value(name, poor + poor / 1000, "poor")).status_code == 204
        assert beacon(client, with_value(name, good, "poor")).status_code == 400
        assert beacon(client, with_value(name, poor * 2, "good")).status_code == 400


def _mutated(path, value):
    document = valid_document()
    target = document
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


_DELETE = object()
LONG = "x" * 201

HOSTILE_DOCUMENTS = {
    "FID is retired": _mutated(("metrics", "FID"), {"value": 10, "rating": "good"}),
    "unknown metric": _mutated(("metrics", "XYZ"), {"value": 10, "rating": "good"}),
    "no metrics": _mutated(("metrics",), {}),
    "metrics not an object": _mutated(("metrics",), ["LCP", 1]),
    "negative value": _mutated(("metrics", "LCP", "value"), -1),
    "huge value": _mutated(("metrics", "LCP", "value"), 1e300),
    "huge integer": _mutated(("metrics", "TTFB", "value"), 10**30),
    "value as a string": _mutated(("metrics", "LCP", "value"), "1200"),
    "value as a boolean": _mutated(("metrics", "CLS", "value"), True),
    "value null": _mutated(("metrics", "LCP", "value"), None),
    "no value": _mutated(("metrics", "LCP", "value"), _DELETE),
    "no rating": _mutated(("metrics", "LCP", "rating"), _DELETE),
    "unknown rating": _mutated(("metrics", "LCP", "rating"), "excellent"),
    "CLS over 100": _mutated(("metrics", "CLS", "value"), 101),
    "negative sub-part": _mutated(("metrics", "LCP", "attribution", "loadDelay"), -5),
    "sub-part too large": _mutated(("metrics", "TTFB", "attribution", "dns"), 1e9),
    "unknown attribution key": _mutated(("metrics", "INP", "attribution", "script"), "evil.js"),
    "attribution not an object": _mutated(("metrics", "INP", "attribution"), "button"),
    "target too long": _mutated(("metrics", "LCP", "attribution", "target"), LONG),
    "target not a string": _mutated(("metrics", "CLS", "attribution", "target"), {"a": 1}),
    "NUL in a target": _mutated(("metrics", "LCP", "attribution", "target"), "img\x00x"),
    "newline in a target": _mutated(("metrics", "LCP", "attribution", "target"), "img\nFAKE LOG LINE"),
    "unknown interaction type": _mutated(("metrics", "INP", "attribution", "type"), "mouse"),
    "unknown load state": _mutated(("metrics", "FCP", "attribution", "loadState"), "ready"),
    "unknown top-level key": _mutated(("url",), "https://example.com/?q=secret"),
    "wrong version": _mutated(("v",), 2),
    "version as boolean": _mutated(("v",), True),
    "no id": _mutated(("id",), _DELETE),
    "short id": _mutated(("id",), "abc"),
    "id with spaces": _mutated(("id",), "abc def ghi jkl"),
    "full URL instead of a route": _mutated(("route",), "/trains/12951?token=secret"),
    "route that does not exist": _mutated(("route",), "/not/a/route"),
    "route not a string": _mutated(("route",), 42),
    "no route": _mutated(("route",), _DELETE),
    "unknown navigation type": _mutated(("nav",), "teleport"),
    "unknown device": _mutated(("device",), "watch"),
    "unknown connection": _mutated(("ect",), "5g"),
    "server timing unknown key": _mutated(("server", "app"), 3),
    "server timing negative": _mutated(("server", "total"), -3),
    "server timing string": _mutated(("server", "db"), "3"),
}


@pytest.mark.parametrize("name", HOSTILE_DOCUMENTS)
def test_hostile_documents_are_rejected_and_nothing_is_stored(client, name):
    response = beacon(client, HOSTILE_DOCUMENTS[name])
    assert response.status_code == 400, name
    assert "error" in response.json()
    assert PageView.objects.count() == 0


MALFORMED_BODIES = {
    "empty": b"",
    "not JSON": b"hello",
    "truncated": json.dumps(valid_document()).encode()[:-10],
    "JSON array": b"[1, 2, 3]",
    "JSON null": b"null",
    "JSON string": b'"{}"',
    "NaN": json.dumps(valid_document()).replace("2710.4", "NaN").encode(),
    "Infinity": json.dumps(valid_document()).replace("2710.4", "Infinity").encode(),
    "1e400 (overflows to infinity)": json.dumps(valid_document()).replace("2710.4", "1e400").encode(),
    "400-digit integer": json.dumps(valid_document()).replace("2710.4", "9" * 400).encode(),
    "duplicate keys": b'{"v": 1, "v": 1}',
    "deeply nested": b"[" * 2000 + b"]" * 2000,
    "deeply nested objects": b'{"a":' * 1000 + b"1" + b"}" * 1000,
    "not UTF-8": b'{"v": 1, "id": "\xff\xfe"}',
    "lone surrogate": json.dumps(valid_document()).replace("main>picture>img.hero", "\\ud800").encode(),
    "UTF-16 with BOM": json.dumps(valid_document()).encode("utf-16"),
}


@pytest.mark.parametrize("name", MALFORMED_BODIES)
def test_malformed_bodies_are_rejected(client, name):
    response = beacon(client, MALFORMED_BODIES[name])
    assert response.status_code == 400, name
    assert PageView.objects.count() == 0


def test_oversized_bodies_are_rejected_before_parsing(client, settings):
    document = valid_document()
    document["metrics"]["LCP"]["attribution"]["target"] = "x" * 200
    padded = json.dumps(document, indent=1).encode() + b" " * settings.RUM_MAX_BODY_BYTES
    assert len(padded) > settings.RUM_MAX_BODY_BYTES
    with mock.patch("rum.documents.decode") as decode:
        response = beacon(client, padded)
    assert response.status_code == 400 and "larger than" in response.json()["error"]
    decode.assert_not_called()
    megabyte = b'{"v": 1, "pad": "' + b"a" * 1_000_000 + b'"}'
    assert beacon(client, megabyte).status_code == 400
    assert PageView.objects.count() == 0


def test_a_content_length_that_lies_cannot_make_it_read_more(client, settings):
    """A declared length within the limit reads at most that much; the rest is ignored (and the
    truncated JSON is then invalid)."""
    body = json.dumps(valid_document()).encode() + b" " * 10_000
    response = client.generic(
        "POST", "/rum", body, content_type="text/plain", HTTP_ORIGIN=ORIGIN, CONTENT_LENGTH="100"
    )
    assert response.status_code == 400
    assert PageView.objects.count() == 0


@pytest.mark.parametrize(
    "origin",
    [
        None,
        "",
        "null",
        "https://evil.example",
        "http://testserver.evil.example",
        "http://testserver:8080",
        "https://testserver",
    ],
)
def test_other_origins_are_rejected(client, origin):
    response = beacon(client, valid_document(), origin=origin)
    assert response.status_code == 400
    assert PageView.objects.count() == 0


def test_cross_site_fetch_metadata_is_rejected_even_with_a_forged_origin(client):
    response = beacon(client, valid_document(), HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 400
    assert beacon(client, valid_document(), HTTP_SEC_FETCH_SITE="same-origin").status_code == 204


def test_extra_origins_can_be_allowed(client, settings):
    settings.RUM_ALLOWED_ORIGINS = ["https://www.railconnect.example"]
    assert beacon(client, valid_document(), origin="https://www.railconnect.example").status_code == 204


def test_a_disallowed_host_is_a_400_not_a_500(client):
    response = beacon(client, valid_document(), origin="http://evil.example", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert PageView.objects.count() == 0


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/html",
        "text/plain; charset=latin-1",
    ],
)
def test_other_content_types_are_rejected(client, content_type):
    response = beacon(client, json.dumps(valid_document()), content_type=content_type)
    assert response.status_code == 400
    assert PageView.objects.count() == 0


def test_only_post(client):
    assert client.get("/rum").status_code == 405
    assert (
        client.put(
            "/rum", json.dumps(valid_document()), content_type="text/plain", HTTP_ORIGIN=ORIGIN
        ).status_code
        == 405
    )


def test_a_flood_is_cut_off_per_client(client, settings):
    settings.RUM_RATE_LIMIT = 5
    statuses = [beacon(client, valid_document()).status_code for _ in range(8)]
    assert statuses == [204] * 5 + [429] * 3
    assert PageView.objects.count() == 5
    limited = beacon(client, valid_document())
    assert 1 <= int(limited["Retry-After"]) <= settings.RUM_RATE_WINDOW
    # Another client is not affected; bad documents count against the limit too.
    assert beacon(client, valid_document(), REMOTE_ADDR="198.51.100.7").status_code == 204
    other = [beacon(client, b"junk", REMOTE_ADDR="198.51.100.8").status_code for _ in range(7)]
    assert other == [400] * 5 + [429] * 2
    assert PageView.objects.count() == 6


def test_ipv6_clients_are_limited_by_their_64(client, settings):
    settings.RUM_RATE_LIMIT = 2
    statuses = [
        beacon(client, valid_document(), REMOTE_ADDR=f"2001:db8:1:2::{n}").status_code for n in range(1, 5)
    ]
    assert statuses == [204, 204, 429, 429]
    assert beacon(client, valid_document(), REMOTE_ADDR="2001:db8:1:3::1").status_code == 204


def test_the_proxy_header_names_the_client_when_configured(client, settings):
    settings.RUM_RATE_LIMIT = 1
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert beacon(client, valid_document(), HTTP_X_REAL_IP="198.51.100.1").status_code == 204
    assert beacon(client, valid_document(), HTTP_X_REAL_IP="198.51.100.2").status_code == 204
    assert beacon(client, valid_document(), HTTP_X_REAL_IP="198.51.100.1").status_code == 429


def test_a_broken_cache_lets_documents_through(client):
    with mock.patch("railconnect.rate_limits.cache.add", side_effect=ConnectionError("cache down")):
        assert beacon(client, valid_document()).status_code == 204


def test_a_database_failure_is_a_503_not_a_500(client):
    with mock.patch("rum.views.PageView.objects.bulk_create", side_effect=OperationalError("down")):
        response = beacon(client, valid_document())
    assert response.status_code == 503
