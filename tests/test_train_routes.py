"""A train is cached once: the schedule page and booking read the same cached route."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from testsupport.networks import next_weekday, tiny_network

pytestmark = pytest.mark.django_db


def _timetable_reads(queries):
    return [
        query["sql"]
        for query in queries
        if "timetable_train" in query["sql"] or "timetable_stop" in query["sql"]
    ]


def test_the_route_the_schedule_page_cached_serves_booking(client):
    tiny_network()
    assert client.get("/trains/12002").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/book/12002/{next_weekday(0).isoformat()}/ALP/BET/2A")
    assert response.status_code == 200 and "Alpha Beta Express" in response.content.decode()
    assert _timetable_reads(queries.captured_queries) == []


def test_the_route_booking_cached_serves_the_schedule_page(client):
    tiny_network()
    assert client.get(f"/book/12002/{next_weekday(0).isoformat()}/ALP/BET/2A").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/trains/12002")
    assert response.status_code == 200 and "Alpha Terminus" in response.content.decode()
    assert _timetable_reads(queries.captured_queries) == []
