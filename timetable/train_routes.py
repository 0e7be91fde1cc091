"""A train's route (the train and its stops in order), cached once for the schedule page and for
booking, and the journey between two of its stops on a date.

The route is kept in the two-level cache ("route" family, caching/policy.py) under the timetable
version, so an import or admin edit is seen at once. It holds plain values, not model instances.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from caching.tiered import tiered_cache

from .journeys import RuleError, moment_of_run, run_start
from .models import MINUTES_PER_DAY, Train
from .running_days import format_running_days
from .version import timetable_version


def _clock(minute: int | None) -> datetime.time | None:
    if minute is None:
        return None
    return datetime.time((minute // 60) % 24, minute % 60)


@dataclass(frozen=True)
class RouteStop:
    sequence: int
    station_id: int
    code: str
    name: str
    arrival_minute: int | None  # minutes after midnight of the day the train left its first station
    departure_minute: int | None
    distance_km: int

    @property
    def day_number(self) -> int:
        """1 on the day the train leaves its first station, 2 the day after, and so on."""
        minute = self.arrival_minute if self.arrival_minute is not None else self.departure_minute
        assert minute is not None, "a stop has an arrival, a departure or both"
        return minute // MINUTES_PER_DAY + 1

    @property
    def arrival_time(self) -> datetime.time | None:
        return _clock(self.arrival_minute)

    @property
    def departure_time(self) -> datetime.time | None:
        return _clock(self.departure_minute)


@dataclass(frozen=True)
class Terminus:
    code: str
    name: str


@dataclass(frozen=True)
class TrainRoute:
    train_id: int
    number: str
    name: str
    train_type: str
    classes: tuple[str, ...]
    running_days: int
    origin: Terminus
    destination: Terminus
    stops: tuple[RouteStop, ...]

    @property
    def legs(self) -> int:
        return len(self.stops) - 1

    @property
    def is_superfast(self) -> bool:
        return Train(train_type=self.train_type).is_superfast

    @property
    def train_type_label(self) -> str:
        return str(Train.Type(self.train_type).label)  # in the active language

    @property
    def running_days_display(self) -> str:
        return format_running_days(self.running_days)

    def departure_from_origin(self, journey_date: datetime.date) -> datetime.datetime:
        return timezone.make_aware(moment_of_run(journey_date, self.stops[0].departure_minute or 0))


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
    def distance_km(self) -> int:
        return self.alight.distance_km - self.board.distance_km

    @property
    def boarding_date(self) -> datetime.date:
        return timezone.localtime(self.departs).date()


def _load(number: str) -> TrainRoute | None:
    train = Train.objects.select_related("origin", "destination").filter(number=number).first()
    if train is None:
        return None
    stops = tuple(
        RouteStop(*row)
        for row in train.stops.order_by("sequence").values_list(
            "sequence",
            "station_id",
            "station__code",
            "station__name",
            "arrival_minute",
            "departure_minute",
            "distance_km",
        )
    )
    return TrainRoute(
        train.id,
        train.number,
        train.name,
        train.train_type,
        tuple(train.class_list),
        train.running_days,
        Terminus(train.origin.code, train.origin.name),
        Terminus(train.destination.code, train.destination.name),
        stops,
    )


def route_for(number: str | None) -> TrainRoute | None:
    """The TrainRoute of train `number`, or None."""
    number = str(number or "").strip()[:10]
    if not number:
        return None
    return tiered_cache.get_or_set("route", (timetable_version(), number), lambda: _load(number))


def journey_for(
    route: TrainRoute, board_code: str | None, alight_code: str | None, boarding_date: datetime.date
) -> RouteJourney:
    """The RouteJourney from `board_code` to `alight_code` leaving on `boarding_date`, or RuleError."""
    board_code, alight_code = str(board_code or "").upper(), str(alight_code or "").upper()
    board = next((s for s in route.stops if s.code == board_code and s.departure_minute is not None), None)
    if board is None:
        raise RuleError(
            "from",
            _("Train %(number)s does not call at %(station)s to pick up.")
            % {"number": route.number, "station": board_code or "(none)"},
        )
    alight = next(
        (
            s
            for s in route.stops
            if s.sequence > board.sequence and s.code == alight_code and s.arrival_minute is not None
        ),
        None,
    )
    if alight is None:
        raise RuleError(
            "to",
            _("Train %(number)s does not go from %(board)s to %(alight)s.")
            % {"number": route.number, "board": board_code, "alight": alight_code or "(none)"},
        )
    # Chosen above for having them; the assertions tell the type checker so.
    assert board.departure_minute is not None and alight.arrival_minute is not None
    journey_date = run_start(route.running_days, board.departure_minute, boarding_date)
    if journey_date is None:
        raise RuleError(
            "date",
            _("Train %(number)s does not leave %(station)s on %(date)s.")
            % {"number": route.number, "station": board_code, "date": date_format(boarding_date, "D d M Y")},
        )
    return RouteJourney(
        route,
        board,
        alight,
        journey_date,
        timezone.make_aware(moment_of_run(journey_date, board.departure_minute)),
        timezone.make_aware(moment_of_run(journey_date, alight.arrival_minute)),
    )
