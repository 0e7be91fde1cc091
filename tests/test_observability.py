"""Server-side observability: /metrics (prometheus_client) and who may read it, request ids,
slow-request and slow-query log lines, and ?profile=1 for staff."""

import datetime
import json
import logging
import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from observability.profiling import ProfilingMiddleware
from railconnect.server_timing import ServerTimingMiddleware
from rum.aggregation import aggregate
from rum.models import PageView

from testsupport.databases import on_postgres
from testsupport.metrics import scrape, value
from testsupport.networks import tiny_network
from testsupport.rum_documents import beacon, valid_document

pytestmark = pytest.mark.django_db


# --- Who may read /metrics ---------------------------------------------------------------------


def test_metrics_are_for_internal_addresses_or_the_token(settings):
    client = Client()
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    # Relayed by a proxy: the address is the proxy's, so only the token counts.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert client.get("/metrics", HTTP_X_REAL_IP="203.0.113.9").status_code == 403
    settings.METRICS_TOKEN = "s3cret-token"
    assert (
        client.get(
            "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token"
        ).status_code
        == 200
    )
    assert (
        client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong").status_code
        == 403
    )
    assert (
        client.get(
            "/metrics", HTTP_X_FORWARDED_FOR="1.2.3.4", HTTP_AUTHORIZATION="Bearer s3cret-token"
        ).status_code
        == 200
    )
    settings.METRICS_ALLOWED_NETWORKS = []
    assert client.get("/metrics").status_code == 403
    settings.METRICS_ENABLED = False
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 404


def test_openmetrics_is_offered_when_asked_for():
    response = Client().get("/metrics", HTTP_ACCEPT="application/openmetrics-text; version=1.0.0")
    assert response["Content-Type"].startswith("application/openmetrics-text")
    assert response.content.decode().rstrip().endswith("# EOF")


# --- What /metrics says ------------------------------------------------------------------------


def test_request_latency_status_codes_and_database_queries_per_view():
    tiny_network()
    client = Client()
    before = scrape(client)
    for _ in range(3):
        response = client.get("/api/stations", {"q": "al"})
        assert response.status_code == 200
    client.get("/trains/NOSUCH")
    queries = int(
        re.search(r'db;dur=[\d.]+;desc="(\d+) quer', client.get("/trains/12001")["Server-Timing"]).group(1)
    )
    after = scrape(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("railconnect_http_request_duration_seconds_count", view="stations-api", method="GET") == 3
    assert (
        delta(
            "railconnect_http_request_duration_seconds_bucket", view="stations-api", method="GET", le="+Inf"
        )
        == 3
    )
    assert delta("railconnect_http_request_duration_seconds_sum", view="stations-api", method="GET") > 0
    assert delta("railconnect_http_responses_total", view="stations-api", method="GET", status="200") == 3
    assert delta("railconnect_http_responses_total", view="train-schedule", method="GET", status="404") == 1
    assert delta("railconnect_http_responses_total", view="train-schedule", method="GET", status="200") == 1
    assert queries >= 1
    assert delta("railconnect_db_queries_total", view="train-schedule") >= queries
    assert delta("railconnect_db_query_seconds_total", view="train-schedule") > 0
    assert delta("railconnect_cache_calls_total", view="stations-api") > 0


def test_cache_hits_and_misses_per_level():
    tiny_network()
    client = Client()
    before = scrape(client)
    client.get("/api/stations", {"q": "be"})
    client.get("/api/stations", {"q": "be"})
    after = scrape(client)
    lookups = {}
    for (name, labels), count in after.items():
        if name == "railconnect_cache_lookups_total":
            key = (dict(labels)["level"], dict(labels)["outcome"])
            lookups[key] = lookups.get(key, 0) + count - before.get((name, labels), 0)
    assert lookups.get(("l2", "miss"), 0) >= 1, lookups
    assert lookups.get(("l1", "hit"), 0) + lookups.get(("l2", "hit"), 0) >= 1, lookups


def test_rum_documents_and_p75_gauges():
    client = Client()
    before = scrape(client)
    assert beacon(client, valid_document()).status_code == 204
    assert beacon(client, b"junk").status_code == 400
    after = scrape(client)
    assert (
        value(after, "railconnect_rum_documents_total", outcome="stored")
        - value(before, "railconnect_rum_documents_total", outcome="stored")
        == 1
    )
    assert (
        value(after, "railconnect_rum_documents_total", outcome="rejected")
        - value(before, "railconnect_rum_documents_total", outcome="rejected")
        == 1
    )
    today = timezone.localdate()
    aggregate(today, today)
    samples = scrape(client)
    labels = {"route": "/trains/<number>", "metric": "LCP", "device_class": "phone", "window": "28d"}
    assert value(samples, "railconnect_rum_p75", **labels) == 2710.4
    assert value(samples, "railconnect_rum_page_views", **labels) == 1
    assert value(samples, "railconnect_rum_good_ratio", **labels) == 0
    assert (
        value(
            samples,
            "railconnect_rum_p75",
            **{**labels, "metric": "CLS", "route": "*", "device_class": "all", "window": "1d"},
        )
        == 0.0312
    )


def test_database_pool_use():
    """PostgreSQL: psycopg's pool (summed over workers under gunicorn). SQLite has no pool."""
    tiny_network()
    client = Client()
    client.get("/api/stations", {"q": "al"})
    samples = scrape(client)
    if not on_postgres():
        assert value(samples, "railconnect_db_pool_size") == 0
        return
    assert value(samples, "railconnect_db_pool_max") >= 1
    assert value(samples, "railconnect_db_pool_size") >= 1
    assert 0 <= value(samples, "railconnect_db_pool_available") <= value(samples, "railconnect_db_pool_size")
    assert value(samples, "railconnect_db_pool_requests_total") >= 1


# --- Request ids and slow logs -----------------------------------------------------------------


def test_every_response_has_a_request_id():
    client = Client()
    first, second = client.get("/rum")["X-Request-ID"], client.get("/rum")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second
    assert client.get("/rum", HTTP_X_REQUEST_ID="edge-1234abcd")["X-Request-ID"] == "edge-1234abcd"
    forged = client.get("/rum", HTTP_X_REQUEST_ID="bad id\nINJECTED")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", forged)


def _json_lines(caplog, event):
    return [
        json.loads(record.getMessage())
        for record in caplog.records
        if record.name == "railconnect.slow" and f'"event": "{event}"' in record.getMessage()
    ]


def test_slow_requests_are_logged_with_their_request_id(settings, caplog):
    settings.SLOW_REQUEST_MS = 20

    def slow_view(request):
        time.sleep(0.03)
        return HttpResponse("ok")

    def fast_view(request):
        return HttpResponse("ok")

    caplog.set_level(logging.WARNING, logger="railconnect.slow")
    response = ServerTimingMiddleware(slow_view)(RequestFactory().get("/payments/SECRET-TOKEN?x=1"))
    ServerTimingMiddleware(fast_view)(RequestFactory().get("/fast"))
    lines = _json_lines(caplog, "slow_request")
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["duration_ms"] >= 30 and line["status"] == 200 and line["method"] == "GET"
    assert {"db_ms", "db_queries", "cache_ms", "cache_calls", "view", "route"} <= set(line)
    record = next(record for record in caplog.records if record.name == "railconnect.slow")
    assert "SECRET-TOKEN" not in record.getMessage(), "paths (which may hold tokens) are not logged"
    settings.SLOW_REQUEST_MS = 0
    ServerTimingMiddleware(slow_view)(RequestFactory().get("/"))
    assert len(_json_lines(caplog, "slow_request")) == 1


def test_slow_queries_are_logged_without_their_parameters(settings, caplog):
    # A threshold far above a fast query's time even on a loaded machine, and a slow query that
    # sleeps well past it (SQLite has no sleep: the test gives it one).
    settings.SLOW_QUERY_MS = 100
    connection.ensure_connection()
    if on_postgres():
        slow_sql = "SELECT pg_sleep(0.25), %s"
    else:
        connection.connection.create_function("test_sleep", 1, lambda seconds: time.sleep(seconds))
        slow_sql = "SELECT test_sleep(0.25), %s"
    params = ["secret-param"]

    def view(request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.execute(slow_sql, params)
        return HttpResponse("ok")

    caplog.set_level(logging.WARNING, logger="railconnect.slow")
    response = ServerTimingMiddleware(view)(RequestFactory().get("/"))
    lines = _json_lines(caplog, "slow_query")
    assert len(lines) == 1, lines
    assert lines[0]["request_id"] == response["X-Request-ID"]
    assert lines[0]["duration_ms"] >= 100 and lines[0]["sql"].startswith(slow_sql[:20])
    assert "secret-param" not in json.dumps(lines[0])


def test_log_lines_carry_the_request_id():
    from observability.logs import RequestIdFilter

    seen = []

    def view(request):
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "inside", None, None)
        RequestIdFilter().filter(record)
        seen.append(record.request_id)
        return HttpResponse("ok")

    response = ServerTimingMiddleware(view)(RequestFactory().get("/"))
    assert seen == [response["X-Request-ID"]]
    outside = logging.LogRecord("x", logging.INFO, __file__, 1, "outside", None, None)
    RequestIdFilter().filter(outside)
    assert outside.request_id == "-"


# --- ?profile=1 --------------------------------------------------------------------------------


@pytest.fixture
def staff(client):
    client.force_login(get_user_model().objects.create_user("ops", "ops@example.com", "pw", is_staff=True))
    return client


def test_staff_get_the_call_tree_instead_of_the_page(staff):
    tiny_network()
    response = staff.get("/trains/12001", {"profile": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "pyinstrument" in html.lower() and "Alpha Beta Rajdhani" not in html
    assert response["X-Profiled-Status"] == "200"
    assert "no-store" in response["Cache-Control"]
    assert "script-src 'unsafe-inline'" in response["Content-Security-Policy"]
    text = staff.get("/trains/12001", {"profile": "text"})
    assert text["Content-Type"].startswith("text/plain") and "Recorded:" in text.content.decode()


def busy_for_a_while():
    deadline = time.perf_counter() + 0.03
    while time.perf_counter() < deadline:
        sum(range(1000))


def test_the_call_tree_shows_where_the_time_went():
    def view(request):
        busy_for_a_while()
        return HttpResponse("page")

    request = RequestFactory().get("/anything", {"profile": "text"})
    request.user = get_user_model()(username="x", is_staff=True, is_active=True)
    response = ProfilingMiddleware(view)(request)
    assert "busy_for_a_while" in response.content.decode()


def test_nobody_else_can_profile(client):
    tiny_network()
    page = client.get("/trains/12001", {"profile": "1"})
    assert "Alpha Beta Rajdhani" in page.content.decode() and "X-Profiled-Status" not in page
    client.force_login(get_user_model().objects.create_user("passenger", "p@example.com", "pw"))
    page = client.get("/trains/12001", {"profile": "1"})
    assert "Alpha Beta Rajdhani" in page.content.decode() and "X-Profiled-Status" not in page


def test_profiling_can_be_switched_off(staff, settings):
    tiny_network()
    settings.PROFILING_ENABLED = False
    assert "X-Profiled-Status" not in staff.get("/trains/12001", {"profile": "1"})


def test_the_view_does_not_see_the_profile_parameter():
    seen = {}

    def view(request):
        seen["GET"] = request.GET.dict()
        seen["full_path"] = request.get_full_path()
        return HttpResponse("page")

    request = RequestFactory().get("/search", {"from": "ALP", "profile": "1"})
    request.user = get_user_model()(username="x", is_staff=True, is_active=True)
    response = ProfilingMiddleware(view)(request)
    assert response["X-Profiled-Status"] == "200"
    assert seen == {"GET": {"from": "ALP"}, "full_path": "/search?from=ALP"}


def test_the_sampled_days_are_the_local_ones():
    """PageView.day is the local (IST) date: a beacon at 20:00 UTC belongs to the next day in India."""
    late = datetime.datetime(2026, 11, 20, 20, 0, tzinfo=datetime.UTC)
    from rum.documents import parse

    view = parse(json.dumps(valid_document()).encode(), now=late)
    assert view.day == datetime.date(2026, 11, 21)
    view.save()
    assert PageView.objects.get().day == datetime.date(2026, 11, 21)
