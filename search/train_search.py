"""Which trains run between two places on a date: the rules of search, free of HTTP.

A train qualifies when it stops at the origin and later at the destination and actually leaves
the origin on the requested date (the running-day rule is the timetable's: `timetable.journeys.run_start`).

The trains serving a pair of places do not depend on the date, so they are cached per pair
(under the timetable version) and the date is applied in Python on each request.
"""

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext_lazy as _

from caching.tiered import tiered_cache
from timetable.journeys import moment_of_run, run_start
from timetable.models import Stop, Train
from timetable.version import timetable_version

from .places import Place, PlaceStation

# Departure time bands a passenger can filter by: (label, first hour, hour after last).
DEPARTURE_BANDS = {
    "night": ("00:00 - 06:00", 0, 6),
    "morning": ("06:00 - 12:00", 6, 12),
    "afternoon": ("12:00 - 18:00", 12, 18),
    "evening": ("18:00 - 24:00", 18, 24),
}
SORT_ORDERS = {
    "departure": _("Departure"),
    "arrival": _("Arrival"),
    "duration": _("Duration"),
}

_PAIRS_SQL = """
    SELECT t.id, t.number, t.name, t.train_type, t.classes, t.running_days,
           a.station_id, a.departure_minute, b.station_id, b.arrival_minute
    FROM {stop} a
    JOIN {stop} b ON b.train_id = a.train_id AND b.sequence > a.sequence
    JOIN {train} t ON t.id = a.train_id
    WHERE a.station_id IN ({origins}) AND b.station_id IN ({destinations})
      AND a.departure_minute IS NOT NULL
"""


@dataclass(frozen=True)
class Service:
    """A train between two stations, before a date is chosen."""

    train_id: int
    number: str
    name: str
    train_type: str
    classes: tuple[str, ...]
    running_days: int
    board_station_id: int
    departure_minute: int
    alight_station_id: int
    arrival_minute: int

    @property
    def duration_minutes(self) -> int:
        return self.arrival_minute - self.departure_minute


@dataclass(frozen=True)
class Journey:
    service: Service
    board: PlaceStation
    alight: PlaceStation
    departs: datetime.datetime
    arrives: datetime.datetime

    @property
    def duration_minutes(self) -> int:
        return self.service.duration_minutes

    @property
    def arrival_day_offset(self) -> int:
        return (self.arrives.date() - self.departs.date()).days

    @property
    def train_type_label(self) -> str:
        return str(Train.Type(self.service.train_type).label)  # in the active language


def search_sql(origin_count: int, destination_count: int) -> str:
    return _PAIRS_SQL.format(
        stop=Stop._meta.db_table,
        train=Train._meta.db_table,
        origins=", ".join(["%s"] * origin_count),
        destinations=", ".join(["%s"] * destination_count),
    )


def _query_services(origin_ids: Sequence[int], destination_ids: Sequence[int]) -> list[Service]:
    with connection.cursor() as cursor:
        cursor.execute(search_sql(len(origin_ids), len(destination_ids)), [*origin_ids, *destination_ids])
        rows = cursor.fetchall()
    best: dict[int, Service] = {}
    for row in rows:
        train_id, number, name, train_type, classes, running_days, board_id, departs, alight_id, arrives = row
        service = Service(
            train_id,
            number,
            name,
            train_type,
            tuple(classes.split(",")) if classes else (),
            running_days,
            board_id,
            departs,
            alight_id,
            arrives,
        )
        current = best.get(service.train_id)
        # A train calling at two stations of one city is listed once, for its shortest ride.
        if current is None or (service.duration_minutes, service.departure_minute) < (
            current.duration_minutes,
            current.departure_minute,
        ):
            best[service.train_id] = service
    return list(best.values())


def services_between(origin_ids: Iterable[int], destination_ids: Iterable[int]) -> list[Service]:
    origins, destinations = sorted(origin_ids), sorted(destination_ids)
    parts = (timetable_version(), origins, destinations)
    return tiered_cache.get_or_set("services", parts, lambda: _query_services(origins, destinations))


def journey_on(service: Service, date: datetime.date, stations: Mapping[int, PlaceStation]) -> Journey | None:
    """The Journey of `service` leaving its boarding station on `date`, or None if it does not run."""
    first_day = run_start(service.running_days, service.departure_minute, date)
    if first_day is None:
        return None
    return Journey(
        service=service,
        board=stations[service.board_station_id],
        alight=stations[service.alight_station_id],
        departs=moment_of_run(first_day, service.departure_minute),
        arrives=moment_of_run(first_day, service.arrival_minute),
    )


@dataclass(frozen=True)
class ResultOptions:
    travel_class: str = ""
    band: str = ""
    train_type: str = ""
    sort: str = "departure"


def _matches(journey: Journey, options: ResultOptions) -> bool:
    if options.travel_class and options.travel_class not in journey.service.classes:
        return False
    if options.train_type and journey.service.train_type != options.train_type:
        return False
    if options.band:
        _, first_hour, end_hour = DEPARTURE_BANDS[options.band]
        if not first_hour <= journey.departs.hour < end_hour:
            return False
    return True


_SORT_KEYS: dict[str, Callable[[Journey], tuple[datetime.datetime | int, ...]]] = {
    "departure": lambda journey: (journey.departs, journey.duration_minutes),
    "arrival": lambda journey: (journey.arrives, journey.departs),
    "duration": lambda journey: (journey.duration_minutes, journey.departs),
}


def find_journeys(
    origin: Place, destination: Place, date: datetime.date, options: ResultOptions = ResultOptions()
) -> list[Journey]:
    """Journeys from Place `origin` to Place `destination` leaving on `date`, filtered and sorted."""
    stations = {station.id: station for station in (*origin.stations, *destination.stations)}
    journeys: list[Journey] = []
    for service in services_between(origin.ids, destination.ids):
        journey = journey_on(service, date, stations)
        if journey is not None and _matches(journey, options):
            journeys.append(journey)
    journeys.sort(key=_SORT_KEYS[options.sort])
    return journeys
