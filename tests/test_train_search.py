import pytest

from search.places import PlaceError, resolve_place
from search.train_search import ResultOptions, find_journeys

from testsupport.networks import add_late_train, next_weekday, tiny_network

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY = 0, 1


@pytest.fixture
def network():
    tiny_network()


def numbers(journeys):
    return [journey.service.number for journey in journeys]


def search(origin, destination, date, **options):
    return find_journeys(resolve_place(origin), resolve_place(destination), date, ResultOptions(**options))


def test_running_days_refer_to_the_first_station(network):
    monday = next_weekday(MONDAY)
    tuesday = next_weekday(TUESDAY, after=monday)
    assert "12001" in numbers(search("ALP", "BET", monday))
    assert "12001" not in numbers(search("ALP", "BET", tuesday))
    # At MID the Monday train is on its second day: it leaves MID early on Tuesday.
    assert "12001" in numbers(search("MID", "BET", tuesday))
    assert "12001" not in numbers(search("MID", "BET", monday))


def test_day_offset_gives_dates_and_duration(network):
    monday = next_weekday(MONDAY)
    journey = next(j for j in search("ALP", "BET", monday) if j.service.number == "12001")
    assert journey.departs.isoformat() == f"{monday.isoformat()}T22:00:00"
    assert journey.arrives.date().toordinal() - monday.toordinal() == 1
    assert journey.arrival_day_offset == 1
    assert journey.duration_minutes == 8 * 60
    at_mid = search("MID", "BET", next_weekday(TUESDAY, after=monday))[0]
    assert at_mid.departs.time().isoformat() == "01:05:00"
    assert at_mid.arrival_day_offset == 0


def test_direction_matters(network):
    assert "12003" not in numbers(search("ALP", "BET", next_weekday(MONDAY)))
    assert numbers(search("BET", "ALP", next_weekday(MONDAY))) == ["12003"]


def test_city_search_lists_a_train_once_for_its_shortest_ride(network):
    journeys = search("Alpha", "beta", next_weekday(MONDAY))
    assert numbers(journeys) == ["12002", "12001"]  # sorted by departure
    daily = journeys[0]
    assert daily.board.code == "ALP"  # boards at ALP 08:30, not ALQ 08:00: the shorter ride
    assert daily.departs.time().isoformat() == "08:30:00"


def test_filters_and_sorts(network):
    monday = next_weekday(MONDAY)
    assert numbers(search("Alpha", "Beta", monday, travel_class="1A")) == ["12001"]
    assert numbers(search("Alpha", "Beta", monday, travel_class="SL")) == ["12002"]
    assert numbers(search("Alpha", "Beta", monday, band="evening")) == ["12001"]
    assert numbers(search("Alpha", "Beta", monday, band="morning")) == ["12002"]
    assert numbers(search("Alpha", "Beta", monday, train_type="RAJ")) == ["12001"]
    assert numbers(search("Alpha", "Beta", monday, sort="duration")) == ["12001", "12002"]
    assert numbers(search("Alpha", "Beta", monday, sort="arrival")) == ["12002", "12001"]


def test_place_resolution(network):
    assert resolve_place("alp").ids == resolve_place("ALP").ids
    assert resolve_place("Alpha Central (ALP)").stations[0].code == "ALP"
    assert resolve_place("Alpha Terminus").stations[0].code == "ALQ"
    assert {s.code for s in resolve_place("ALPHA").stations} == {"ALP", "ALQ"}
    for bad in ["", "Nowhere", "x" * 61, "<script>", "DROP TABLE; --"]:
        with pytest.raises(PlaceError):
            resolve_place(bad)


def test_timetable_change_invalidates_cached_searches(network, django_capture_on_commit_callbacks):
    monday = next_weekday(MONDAY)
    assert numbers(search("ALP", "BET", monday)) == ["12002", "12001"]
    with django_capture_on_commit_callbacks(execute=True):
        add_late_train()
    assert numbers(search("ALP", "BET", monday)) == ["12002", "12001", "12004"]
