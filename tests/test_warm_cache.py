import io

import pytest
from django.core.management import call_command

from caching.tiered import tiered_cache
from search.warming import popular_routes

from testsupport.networks import next_weekday, tiny_network

pytestmark = pytest.mark.django_db


def test_popular_routes_fall_back_to_the_timetable():
    tiny_network()
    routes = popular_routes(10)
    assert ("ALP", "BET") in routes or ("ALQ", "BET") in routes
    assert len(routes) == len(set(routes))


def test_warm_cache_makes_the_first_search_a_cache_hit(client, django_assert_max_num_queries):
    tiny_network()
    out = io.StringIO()
    call_command("warm_cache", stdout=out, stderr=io.StringIO())
    assert "Warmed" in out.getvalue()
    tiered_cache.l1.clear()  # a fresh worker: only the shared level is warm
    with django_assert_max_num_queries(0):
        assert (
            client.get(
                "/search", {"from": "Alpha", "to": "Beta", "date": next_weekday(0).isoformat()}
            ).status_code
            == 200
        )
        assert client.get("/trains/12001").status_code == 200
        assert client.get("/api/stations", {"q": "a"}).status_code == 200
