"""A database outage answers 503 (a clear page, or JSON under /api/) with Retry-After, never 500,
and is logged once per interval (railconnect/database_outage.py).

The outage is simulated here by making the code a request runs raise what psycopg and its pool
raise; tests/faults/test_postgres_restart.py stops a real PostgreSQL under gunicorn.
"""

import json
import logging
from unittest import mock

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError
from django.test import Client
from psycopg_pool import PoolTimeout

from railconnect import database_outage

from testsupport.bookings import payload
from testsupport.networks import booking_network
from testsupport.users import logged_in_client, make_user

GONE = 'connection failed: connection to server at "10.1.2.3", port 5432 failed: Connection refused'


@pytest.fixture(autouse=True)
def _fresh_outage_log():
    database_outage.outage_log.reset()
    yield
    database_outage.outage_log.reset()


def outage_lines(caplog, level=logging.ERROR):
    return [r for r in caplog.records if r.name == "railconnect.database" and r.levelno == level]


def assert_outage_page(response, settings):
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.DATABASE_OUTAGE_RETRY_AFTER)
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "We are back in a moment" in html and "try again" in html
    assert "10.1.2.3" not in html and "Traceback" not in html  # nothing about the server leaks


@pytest.mark.django_db
def test_a_page_whose_user_cannot_be_loaded_answers_the_503_page(settings):
    client = logged_in_client(make_user())
    with mock.patch("django.contrib.auth.get_user", side_effect=OperationalError(GONE)):
        response = client.get("/bookings/")
    assert_outage_page(response, settings)


@pytest.mark.django_db
def test_a_pool_timeout_answers_503_too(settings):
    client = logged_in_client(make_user())
    error = PoolTimeout("couldn't get a connection after 5.00 sec")
    with mock.patch("django.contrib.auth.get_user", side_effect=error):
        response = client.get("/accounts/password/change/")
    assert_outage_page(response, settings)


@pytest.mark.django_db
def test_the_booking_api_answers_json_503(settings):
    booking_network()
    client = logged_in_client(make_user())
    with mock.patch("booking.admission.submit", side_effect=InterfaceError("connection already closed")):
        response = client.post("/api/bookings", json.dumps(payload()), content_type="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.DATABASE_OUTAGE_RETRY_AFTER)
    body = response.json()
    assert body["retry_after"] == settings.DATABASE_OUTAGE_RETRY_AFTER
    assert "temporarily unavailable" in body["error"]


@pytest.mark.django_db
def test_an_outage_inside_a_middleware_answers_503_through_handler500(settings):
    client = Client(raise_request_exception=False)
    with mock.patch("railconnect.http_caching.is_personal", side_effect=OperationalError(GONE)):
        response = client.get("/pnr")
    assert_outage_page(response, settings)


@pytest.mark.django_db
def test_other_errors_stay_500(settings):
    client = Client(raise_request_exception=False)
    with mock.patch("railconnect.http_caching.is_personal", side_effect=IntegrityError("duplicate key")):
        assert client.get("/pnr").status_code == 500
    with mock.patch("railconnect.http_caching.is_personal", side_effect=ValueError("a bug")):
        assert client.get("/pnr").status_code == 500


@pytest.mark.django_db
def test_the_outage_is_logged_once_then_once_per_interval_and_its_end_once(settings, caplog):
    settings.DATABASE_OUTAGE_LOG_INTERVAL = 60
    client = logged_in_client(make_user())
    with mock.patch("django.contrib.auth.get_user", side_effect=OperationalError(GONE)):
        for _ in range(10):
            assert client.get("/bookings/").status_code == 503
    errors = outage_lines(caplog)
    assert len(errors) == 1 and "Database unavailable" in errors[0].getMessage()
    assert not [r for r in caplog.records if r.name == "django.request"]  # no traceback per request

    settings.DATABASE_OUTAGE_LOG_INTERVAL = 0
    with mock.patch("django.contrib.auth.get_user", side_effect=OperationalError(GONE)):
        assert client.get("/bookings/").status_code == 503
    assert "still unavailable" in outage_lines(caplog)[-1].getMessage()
    assert "9 more 503 responses" in outage_lines(caplog)[-1].getMessage()

    assert client.get("/bookings/").status_code == 200
    back = outage_lines(caplog, logging.WARNING)
    assert (
        len(back) == 1
        and "Database is back" in back[0].getMessage()
        and "11 requests" in back[0].getMessage()
    )
    assert client.get("/bookings/").status_code == 200
    assert len(outage_lines(caplog, logging.WARNING)) == 1


@pytest.mark.django_db
def test_with_debug_on_a_developer_gets_the_debug_page(settings):
    settings.DEBUG = True
    client = logged_in_client(make_user())
    client.raise_request_exception = False
    with mock.patch("django.contrib.auth.get_user", side_effect=OperationalError("no such table: auth_user")):
        response = client.get("/bookings/")
    assert response.status_code == 500 and b"no such table" in response.content


def test_outage_error_looks_through_the_cause_but_not_past_other_database_errors():
    from psycopg import OperationalError as PsycopgOperationalError

    try:
        try:
            raise PsycopgOperationalError("server closed the connection unexpectedly")
        except PsycopgOperationalError as inner:
            raise RuntimeError("while rendering") from inner
    except RuntimeError as outer:
        assert isinstance(database_outage.outage_error(outer), PsycopgOperationalError)
    assert database_outage.outage_error(IntegrityError("duplicate key")) is None
    assert database_outage.outage_error(ValueError("no")) is None
