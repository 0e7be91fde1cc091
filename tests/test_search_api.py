import datetime

import pytest
from django.utils import timezone

from testsupport.networks import next_weekday, tiny_network

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def network():
    tiny_network()


def get(client, **params):
    return client.get("/api/trains/search", params)


def test_routes_have_the_documented_shape(client):
    monday = next_weekday(0)
    response = get(client, **{"from": "Alpha", "to": "BET", "date": monday.isoformat()})
    assert response.status_code == 200
    routes = response.json()["routes"]
    assert [route["number"] for route in routes] == ["12002", "12001"]
    night = routes[1]
    assert night == {
        "number": "12001",
        "name": "Alpha Beta Rajdhani",
        "type": "RAJ",
        "from": "ALP",
        "to": "BET",
        "departs": f"{monday.isoformat()}T22:00:00",
        "arrives": f"{(monday + datetime.timedelta(days=1)).isoformat()}T06:00:00",
        "duration_minutes": 480,
        "classes": ["1A", "2A", "3A"],
    }


def test_public_caching_headers_and_304(client):
    params = {"from": "ALP", "to": "BET", "date": next_weekday(0).isoformat()}
    response = get(client, **params)
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    etag = response["ETag"]
    again = client.get("/api/trains/search", params, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304


def test_query_count_is_small_and_cached(client, django_assert_max_num_queries):
    params = {"from": "Alpha", "to": "Beta", "date": next_weekday(0).isoformat()}
    with django_assert_max_num_queries(3):
        get(client, **params)
    with django_assert_max_num_queries(0):
        get(client, **params)


today = timezone.localdate


@pytest.mark.parametrize(
    "params, field",
    [
        ({"to": "BET", "date": "2030-01-01"}, "from"),
        ({"from": "ALP", "date": "2030-01-01"}, "to"),
        ({"from": "ALP", "to": "BET"}, "date"),
        ({"from": "XYZ", "to": "BET", "date": "+1"}, "from"),
        ({"from": "ALP", "to": "Nowhere", "date": "+1"}, "to"),
        ({"from": "ALP", "to": "ALP", "date": "+1"}, "to"),
        ({"from": "Alpha", "to": "ALQ", "date": "+1"}, "to"),
        ({"from": "ALP", "to": "BET", "date": "31-12-2030"}, "date"),
        ({"from": "ALP", "to": "BET", "date": "2030-02-30"}, "date"),
        ({"from": "ALP", "to": "BET", "date": "-1"}, "date"),
        ({"from": "ALP", "to": "BET", "date": "+61"}, "date"),
        ({"from": "A" * 500, "to": "BET", "date": "+1"}, "from"),
        ({"from": "ALP\x00", "to": "BET", "date": "+1"}, "from"),
        ({"from": "' OR 1=1 --", "to": "BET", "date": "+1"}, "from"),
        ({"from": "ALP", "to": "BET", "date": "+1", "sort": "price"}, "sort"),
        ({"from": "ALP", "to": "BET", "date": "+1", "travel_class": "9Z"}, "travel_class"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, params, field):
    if params.get("date", "").startswith(("+", "-")):
        params["date"] = (today() + datetime.timedelta(days=int(params["date"]))).isoformat()
    response = get(client, **params)
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == field
    assert body["error"]


def test_last_day_of_the_horizon_is_accepted(client):
    last = today() + datetime.timedelta(days=60)
    assert get(client, **{"from": "ALP", "to": "BET", "date": last.isoformat()}).status_code == 200
