"""Server-Timing (railconnect/server_timing.py): database, cache and total time per response."""

import re

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, RequestFactory

from railconnect.server_timing import ServerTimingMiddleware
from timetable.models import Station

from testsupport.networks import tiny_network

pytestmark = pytest.mark.django_db

METRIC = re.compile(r'(\w+);dur=([\d.]+)(?:;desc="(\d+) \w+")?')


def metrics(response):
    return {
        name: (float(duration), int(count) if count else None)
        for name, duration, count in METRIC.findall(response["Server-Timing"])
    }


def test_database_cache_and_total_are_reported(client):
    tiny_network()
    found = metrics(client.get("/api/stations", {"q": "al"}))
    assert set(found) == {"db", "cache", "total"}
    assert found["db"][1] >= 1, "the first lookup queries the database"
    assert found["cache"][1] >= 2, "and reads the cache (version, suggestions) and fills it"
    assert found["total"][0] >= found["db"][0]
    cached = metrics(client.get("/api/stations", {"q": "al"}))
    assert cached["db"][1] == 0, "the second comes from the cache (or its in-process first level)"


def test_counts_are_exact():
    def view(request):
        list(Station.objects.all())
        list(Station.objects.filter(code="X"))
        cache.set("k", 1)
        cache.get_or_set("k2", 2)  # calls get and add inside: one call for the timer
        return HttpResponse("ok")

    found = metrics(ServerTimingMiddleware(view)(RequestFactory().get("/")))
    assert found["db"][1] == 2
    assert found["cache"][1] == 2


def test_calls_outside_a_request_are_not_counted():
    cache.set("outside", 1)
    found = metrics(ServerTimingMiddleware(lambda request: HttpResponse("ok"))(RequestFactory().get("/")))
    assert found["db"][1] == 0 and found["cache"][1] == 0


def test_can_be_turned_off(settings):
    settings.SERVER_TIMING = False
    response = Client().get("/")
    assert "Server-Timing" not in response
