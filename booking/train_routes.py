"""A train's route as booking needs it (stops, sequences, distances), cached under the timetable
version, and the journey between two of its stations on a date.

The journey date rules are search's: `search.train_search.journey_on` decides whether the train
leaves the boarding station on that date (running days belong to the first station).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from railconnect.cache_keys import cache_key
from search.places import PlaceStation
from search.train_search import Service, journey_on
from timetable.models import MINUTES_PER_DAY, Stop, Train
from timetable.version import timetable_version

from .booking_rules import RuleError


@dataclass(frozen=True)
class RouteStop:
    sequence: int
    station_id: int
    code: str
    name: str
    arrival_minute: int | None
    departure_minute: int | None
    distance_km: int


@dataclass(frozen=True)
class TrainRoute:
    train_id: int
    number: str
    name: str
    train_type: str
    classes: tuple[str, ...]
    running_days: int
    stops: tuple[RouteStop, ...]

    @property
    def legs(self):
        return len(self.stops) - 1

    @property
    def is_superfast(self):
        return Train(train_type=self.train_type).is_superfast

    def departure_from_origin(self, journey_date):
        start = datetime.datetime.combine(journey_date, datetime.time())
        return timezone.make_aware(start + datetime.timedelta(minutes=self.stops[0].departure_minute or 0))


@dataclass(frozen=True)
class RouteJourney:
    """A train from one of its stops to a later one, on a date."""

    route: TrainRoute
    board: RouteStop
    alight: RouteStop
    journey_date: datetime.date  # the date the train leaves its first station
    departs: datetime.datetime  # aware, at the boarding station
    arrives: datetime.datetime

    @property
    def distance_km(self):
        return self.alight.distance_km - self.board.distance_km

    @property
    def boarding_date(self):
        return timezone.localtime(self.departs).date()


def _load(number):
    train = Train.objects.filter(number=number).first()
    if train is None:
        return False
    stops = tuple(
        RouteStop(*row)
        for row in Stop.objects.filter(train=train)
        .order_by("sequence")
        .values_list("sequence", "station_id", "station__code", "station__name", "arrival_minute",
                     "departure_minute", "distance_km")
    )
    return TrainRoute(train.id, train.number, train.name, train.train_type, tuple(train.class_list),
                      train.running_days, stops)


def route_for(number):
    """The TrainRoute of train `number`, or None."""
    number = str(number or "").strip()[:10]
    if not number:
        return None
    key = cache_key("route", timetable_version(), number)
    route = cache.get(key)
    if route is None:
        route = _load(number)
        cache.set(key, route, settings.TIMETABLE_CACHE_TTL)
    return route or None


def journey_for(route, board_code, alight_code, boarding_date):
    """The RouteJourney from `board_code` to `alight_code` leaving on `boarding_date`, or RuleError."""
    board_code, alight_code = str(board_code or "").upper(), str(alight_code or "").upper()
    board = next((s for s in route.stops if s.code == board_code and s.departure_minute is not None), None)
    if board is None:
        raise RuleError("from", f"Train {route.number} does not call at {board_code or '(none)'} to pick up.")
    alight = next((s for s in route.stops if s.sequence > board.sequence and s.code == alight_code
                   and s.arrival_minute is not None), None)
    if alight is None:
        raise RuleError("to", f"Train {route.number} does not go from {board_code} to {alight_code or '(none)'}.")
    service = Service(route.train_id, route.number, route.name, route.train_type, route.classes,
                      route.running_days, board.station_id, board.departure_minute, alight.station_id,
                      alight.arrival_minute)
    stations = {s.station_id: PlaceStation(s.station_id, s.code, s.name) for s in (board, alight)}
    journey = journey_on(service, boarding_date, stations)
    if journey is None:
        raise RuleError("date", f"Train {route.number} does not leave {board_code} on {boarding_date:%a %d %b %Y}.")
    journey_date = boarding_date - datetime.timedelta(days=board.departure_minute // MINUTES_PER_DAY)
    return RouteJourney(route, board, alight, journey_date, timezone.make_aware(journey.departs),
                        timezone.make_aware(journey.arrives))
