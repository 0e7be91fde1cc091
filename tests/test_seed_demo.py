"""The demo network generator (`demo.network`) and `manage.py seed_demo`."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from demo.network import build_demo_network
from timetable.major_stations import MAJOR_STATIONS
from timetable.models import CLASS_CODES, MINUTES_PER_DAY, Station, Stop, Train
from timetable.running_days import DAILY
from timetable.train_types import default_classes, infer_train_type

T = Train.Type
PREMIUM = {T.RAJDHANI, T.SHATABDI, T.VANDE_BHARAT, T.DURONTO}


@pytest.fixture(scope="module")
def network():
    return build_demo_network()


@pytest.fixture(scope="module")
def trains(network):
    return network[1]


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, verbosity=0)
    return out.getvalue()


def counts():
    return Station.objects.count(), Train.objects.count(), Stop.objects.count()


# The command


@pytest.mark.django_db
def test_seed_demo_loads_the_network():
    output = seed()
    stations, trains, stops = counts()
    assert stations >= 150
    assert trains >= 500
    assert stops > trains * 3
    assert f"{trains:,} trains" in output and f"{stops:,} stops" in output
    # Every station calls trains: autocomplete ranks by it.
    assert not Station.objects.filter(train_count=0).exists()


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing():
    seed()
    first = counts()
    names = dict(Train.objects.values_list("number", "name"))
    seed()
    assert counts() == first
    assert dict(Train.objects.values_list("number", "name")) == names


@pytest.mark.django_db
def test_if_empty_leaves_an_existing_network_alone():
    station = Station.objects.create(code="XYZ", name="Existing")
    Train.objects.create(
        number="99999",
        name="Existing Express",
        running_days=DAILY,
        classes="SL",
        origin=station,
        destination=station,
    )
    output = seed("--if-empty")
    assert "already has trains" in output
    assert counts() == (1, 1, 0)


@pytest.mark.django_db
def test_if_empty_seeds_an_empty_database():
    seed("--if-empty")
    assert Train.objects.count() >= 500


def test_scale_must_be_positive():
    with pytest.raises(CommandError):
        seed("--scale", "0")


# The generated data


def test_build_is_deterministic(network):
    assert build_demo_network() == network


def test_station_codes_are_unique_and_located_in_india():
    codes = [station.code for station in MAJOR_STATIONS]
    assert len(codes) == len(set(codes)) >= 150
    for station in MAJOR_STATIONS:
        assert 6 < station.latitude < 36 and 68 < station.longitude < 98, station
        assert station.name and station.city and station.state and station.zone, station


def test_cities_a_passenger_types_have_all_their_terminals():
    cities = {}
    for station in MAJOR_STATIONS:
        cities.setdefault(station.city, set()).add(station.code)
    assert {"CSMT", "MMCT", "BDTS", "LTT", "DR"} <= cities["Mumbai"]
    assert {"NDLS", "DLI", "NZM", "ANVT", "DEE"} <= cities["Delhi"]
    assert {"HWH", "SDAH", "KOAA"} <= cities["Kolkata"]
    assert {"MAS", "MS"} <= cities["Chennai"]
    assert {"SBC", "YPR", "SMVB"} <= cities["Bengaluru"]
    assert {"SC", "HYB", "KCG"} <= cities["Hyderabad"]
    assert "PUNE" in cities["Pune"]


def test_every_station_is_served(network):
    stations, trains = network
    served = {stop.station_code for train in trains for stop in train.stops}
    assert served == {station.code for station in stations}


def test_train_numbers_are_unique_up_down_pairs(trains):
    numbers = [train.number for train in trains]
    assert len(numbers) == len(set(numbers))
    for up, down in zip(trains[::2], trains[1::2], strict=False):
        assert int(up.number) % 2 == 1 and int(down.number) == int(up.number) + 1
        assert (up.stops[0].station_code, up.stops[-1].station_code) == (
            down.stops[-1].station_code,
            down.stops[0].station_code,
        )


def test_numbers_names_and_types_agree_as_on_indian_railways(trains):
    for train in trains:
        assert len(train.number) == 5, train.number
        if train.train_type == T.PASSENGER:
            assert train.number[0] in "56", train.number
        elif train.train_type == T.MAIL_EXPRESS:
            assert train.number[0] == "1" and train.number[:2] not in ("12", "22"), train.number
        else:
            assert train.number[:2] in ("12", "22"), train.number
        # The importer infers the type from number and name the same way.
        assert infer_train_type(train.number, train.name) == train.train_type, (train.number, train.name)


def test_classes_are_the_defaults_for_the_type(trains):
    for train in trains:
        assert train.classes == default_classes(train.train_type)
        assert set(train.classes.split(",")) <= set(CLASS_CODES)


def test_running_days_are_valid(trains):
    assert all(0 < train.running_days <= DAILY for train in trains)
    assert any(train.running_days == DAILY for train in trains)
    assert any(bin(train.running_days).count("1") == 1 for train in trains)  # weeklies


def test_stop_times_strictly_increase(trains):
    for train in trains:
        first, last = train.stops[0], train.stops[-1]
        assert first.arrival_minute is None and last.departure_minute is None
        assert first.distance_km == 0
        times = [first.departure_minute]
        for stop in train.stops[1:-1]:
            assert stop.arrival_minute < stop.departure_minute
            times += [stop.arrival_minute, stop.departure_minute]
        times.append(last.arrival_minute)
        assert all(isinstance(minute, int) and minute >= 0 for minute in times)
        assert times == sorted(set(times)), train.number
        distances = [stop.distance_km for stop in train.stops]
        assert distances == sorted(set(distances)), train.number


def test_trains_run_overnight_and_for_days(trains):
    arrival_days = {train.stops[-1].arrival_minute // MINUTES_PER_DAY for train in trains}
    assert {0, 1, 2} <= arrival_days


def test_speeds_suit_the_type(trains):
    def average_kmh(train):
        minutes = train.stops[-1].arrival_minute - train.stops[0].departure_minute
        return train.stops[-1].distance_km / minutes * 60

    for train in trains:
        low, high = (55, 95) if train.train_type in PREMIUM else (10, 70)
        assert low <= average_kmh(train) <= high, (train.number, train.name, average_kmh(train))


def test_scaled_network_contains_the_base_network_unchanged(network):
    stations, trains = network
    big_stations, big_trains = build_demo_network(scale=2)
    assert big_stations[: len(stations)] == stations
    assert big_trains[: len(trains)] == trains
    assert 1.9 * len(trains) <= len(big_trains) <= 2.1 * len(trains)
    stops = sum(len(train.stops) for train in trains)
    assert sum(len(train.stops) for train in big_trains) >= 2 * stops

    synthetic_codes = [station.code for station in big_stations[len(stations) :]]
    assert len(set(station.code for station in big_stations)) == len(big_stations)
    assert all(len(code) <= 10 for code in synthetic_codes)
    numbers = [train.number for train in big_trains]
    assert len(set(numbers)) == len(numbers)
    assert all(len(train.number) > 5 for train in big_trains[len(trains) :])


def test_scale_must_be_at_least_one():
    with pytest.raises(ValueError):
        build_demo_network(scale=0)
