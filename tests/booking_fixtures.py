"""A small network for booking tests, users and API helpers.

Train 12951 (Rajdhani, daily): AAA 16:00 -> BBB 20:00 -> CCC 02:00 (day 2) -> DDD 08:00 (day 2),
1A/2A/3A, 1400 km. Train 12002 (Mail/Express, daily): AAA 09:00 -> DDD 21:00, SL/2S, 700 km.
Train 22001 (Superfast, Mondays only): AAA 10:00 -> DDD 18:00, 3A.
"""

import datetime
import itertools
import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from booking.models import CoachComposition
from timetable.loading import load_network
from timetable.models import Train
from timetable.records import StationRecord, StopRecord, TrainRecord
from timetable.running_days import DAILY

DAY = 24 * 60
MON = 1


def stop(code, arrival, departure, km):
    return StopRecord(station_code=code, arrival_minute=arrival, departure_minute=departure, distance_km=km)


def booking_network():
    stations = [
        StationRecord("AAA", "Alpha", city="Alpha"),
        StationRecord("BBB", "Bravo", city="Bravo"),
        StationRecord("CCC", "Charlie", city="Charlie"),
        StationRecord("DDD", "Delta", city="Delta"),
    ]
    trains = [
        TrainRecord("12951", "Alpha Delta Rajdhani", "RAJ", DAILY, "1A,2A,3A", [
            stop("AAA", None, 16 * 60, 0),
            stop("BBB", 20 * 60 - 5, 20 * 60, 400),
            stop("CCC", DAY + 2 * 60 - 5, DAY + 2 * 60, 900),
            stop("DDD", DAY + 8 * 60, None, 1400),
        ]),
        TrainRecord("12002", "Alpha Delta Express", "EXP", DAILY, "SL,2S", [
            stop("AAA", None, 9 * 60, 0),
            stop("DDD", 21 * 60, None, 700),
        ]),
        TrainRecord("22001", "Alpha Delta Superfast", "SF", MON, "3A", [
            stop("AAA", None, 10 * 60, 0),
            stop("DDD", 18 * 60, None, 500),
        ]),
    ]
    return load_network(stations, trains)


def travel_date(days=10):
    return timezone.localdate() + datetime.timedelta(days=days)


def set_coaches(number, travel_class, coaches):
    CoachComposition.objects.update_or_create(
        train=Train.objects.get(number=number), travel_class=travel_class, defaults={"coaches": coaches}
    )


def make_user(username="asha", password="a-long-test-password"):
    return get_user_model().objects.create_user(username, f"{username}@example.com", password)


_passengers = itertools.count(1)


def new_passenger():
    """Another signed-up passenger. One passenger may hold only a few unpaid bookings
    (booking/hold_limits.py): tests that hold many model many passengers."""
    return make_user(f"traveller{next(_passengers)}")


def party(count, name="Party Member", gender="M", first_age=30):
    """`count` different passengers of one booking (the same person twice is refused)."""
    return [{"name": name, "age": first_age + i, "gender": gender} for i in range(count)]


def logged_in_client(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


def payload(**overrides):
    data = {
        "train": "12951",
        "date": travel_date().isoformat(),
        "from": "AAA",
        "to": "DDD",
        "class": "3A",
        "passengers": [{"name": "Asha Rao", "age": 34, "gender": "F"}],
    }
    data.update(overrides)
    return data


def post_booking(client, data=None, **headers):
    return client.post("/api/bookings", json.dumps(data if data is not None else payload()),
                       content_type="application/json", headers=headers)


@pytest.fixture
def network(db):
    booking_network()


@pytest.fixture
def user(db):
    return make_user()


@pytest.fixture
def client_for(user):
    return logged_in_client(user)
