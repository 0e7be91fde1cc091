import pytest

from testsupport.networks import next_weekday, tiny_network

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def network():
    tiny_network()


def codes(client, q):
    response = client.get("/api/stations", {"q": q})
    assert response.status_code == 200
    return [station["code"] for station in response.json()["stations"]]


def test_prefix_matches_code_name_and_city(client):
    assert codes(client, "BE") == ["BET"]
    assert codes(client, "midway") == ["MID"]
    assert set(codes(client, "alpha")) == {"ALP", "ALQ"}
    assert codes(client, "zzz") == []


def test_busier_stations_rank_first_and_exact_code_wins(client):
    # ALP is served by three trains, ALQ by one.
    assert codes(client, "Alpha") == ["ALP", "ALQ"]
    assert codes(client, "ALQ")[0] == "ALQ"


@pytest.mark.parametrize("q", ["", "   ", "x" * 61, "<img src=x>", "a\x00b"])
def test_bad_queries_are_400(client, q):
    response = client.get("/api/stations", {"q": q})
    assert response.status_code == 400
    assert response.json()["field"] == "q"


def test_repeated_queries_come_from_the_cache(client, django_assert_num_queries):
    codes(client, "al")
    with django_assert_num_queries(0):
        codes(client, "al")


def test_cities_of_several_stations_are_offered_as_all_stations_entries(client):
    response = client.get("/api/stations", {"q": "alp"}).json()
    assert response["cities"] == [
        {"label": "Alpha (all stations)", "city": "Alpha", "state": "X", "station_count": 2}
    ]
    assert [station["code"] for station in response["stations"]] == ["ALP", "ALQ"]
    # A city of one station is that station: no city entry.
    assert client.get("/api/stations", {"q": "bet"}).json()["cities"] == []


def test_the_city_entry_searches_every_station_of_the_city(client):
    response = client.get("/search", {"from": "Alpha (all stations)", "to": "BET", "date": next_weekday(0)})
    assert response.status_code == 200
    assert "12001" in response.content.decode() and "12002" in response.content.decode()
