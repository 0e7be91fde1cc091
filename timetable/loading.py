"""Writes stations and trains to the database in bulk: one writer for every importer.

Idempotent: stations are matched by code and trains by number, so loading the same data again
updates rows instead of duplicating them. A train's stops are replaced as a whole, which is
simpler and no slower than diffing them.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from .models import Station, Stop, Train
from .records import StationRecord, TrainRecord
from .station_cities import city_for, known_station
from .version import bump_timetable_version

BATCH_SIZE = 2000
STATION_FIELDS = ["name", "city", "state", "zone", "latitude", "longitude"]
TRAIN_FIELDS = ["name", "train_type", "running_days", "classes", "origin", "destination"]


@dataclass
class LoadSummary:
    stations_written: int = 0
    stations_created_from_timetable: int = 0
    trains_written: int = 0
    stops_written: int = 0


def _batches[T](items: list[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def upsert_stations(records: Iterable[StationRecord]) -> int:
    """Create or update stations from full records (name, city, coordinates...)."""
    stations = [Station(**record.__dict__) for record in records]
    for batch in _batches(stations):
        Station.objects.bulk_create(
            batch, update_conflicts=True, unique_fields=["code"], update_fields=STATION_FIELDS
        )
    return len(stations)


def _station_ids_for(trains: Iterable[TrainRecord], summary: LoadSummary) -> dict[str, int]:
    """Map every station code the trains use to an id, creating unknown stations by name."""
    names: dict[str, str] = {}
    for train in trains:
        for stop in train.stops:
            names.setdefault(stop.station_code, stop.station_name or stop.station_code)
    # One pass over the station table beats a huge IN list; it is small (thousands of rows).
    ids = dict(Station.objects.values_list("code", "id"))
    missing = [_new_station(code, names[code]) for code in names if code not in ids]
    for batch in _batches(missing):
        Station.objects.bulk_create(batch, ignore_conflicts=True)
    if missing:
        summary.stations_created_from_timetable += len(missing)
        ids.update(Station.objects.filter(code__in=[s.code for s in missing]).values_list("code", "id"))
    return ids


def _new_station(code: str, timetable_name: str) -> Station:
    """A station the station file lacks: from the project's own records if it is a major one."""
    known = known_station(code)
    if known:
        return Station(**known.__dict__)
    name = timetable_name.title() if timetable_name.isupper() else timetable_name
    return Station(code=code, name=name, city=city_for(code, name))


def refresh_train_counts() -> None:
    """Store how many trains call at each station (ranks autocomplete suggestions)."""
    per_station = (
        Stop.objects.filter(station=OuterRef("pk"))
        .order_by()
        .values("station")
        .annotate(n=Count("train", distinct=True))
        .values("n")
    )
    Station.objects.update(train_count=Coalesce(Subquery(per_station), Value(0)))


def analyze_timetable_tables() -> None:
    """Fresh planner statistics after a bulk load: without them PostgreSQL estimates the stops
    table from its old size and may hash-join whole tables instead of walking the indexes."""
    with connection.cursor() as cursor:
        for model in (Station, Train, Stop):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def load_network(
    stations: Iterable[StationRecord] = (),
    trains: Iterable[TrainRecord] = (),
    progress: Callable[[int], object] | None = None,
) -> LoadSummary:
    """Write stations, then trains with their stops, in one transaction.

    `progress`, if given, is called with the number of trains written after each batch.
    """
    summary = LoadSummary()
    train_list = list(trains)
    with transaction.atomic():
        summary.stations_written = upsert_stations(list(stations))
        station_ids = _station_ids_for(train_list, summary)
        for batch in _batches(train_list, 500):
            _write_trains(batch, station_ids, summary)
            if progress:
                progress(len(batch))
        refresh_train_counts()
        analyze_timetable_tables()
        transaction.on_commit(bump_timetable_version)
    return summary


def _write_trains(batch: list[TrainRecord], station_ids: dict[str, int], summary: LoadSummary) -> None:
    rows = [
        Train(
            number=record.number,
            name=record.name,
            train_type=record.train_type,
            running_days=record.running_days,
            classes=record.classes,
            origin_id=station_ids[record.stops[0].station_code],
            destination_id=station_ids[record.stops[-1].station_code],
        )
        for record in batch
    ]
    Train.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["number"], update_fields=TRAIN_FIELDS
    )
    train_ids = dict(Train.objects.filter(number__in=[r.number for r in batch]).values_list("number", "id"))
    Stop.objects.filter(train_id__in=train_ids.values()).delete()
    stops = [
        Stop(
            train_id=train_ids[record.number],
            station_id=station_ids[stop.station_code],
            sequence=sequence,
            arrival_minute=stop.arrival_minute,
            departure_minute=stop.departure_minute,
            distance_km=stop.distance_km,
        )
        for record in batch
        for sequence, stop in enumerate(record.stops, start=1)
    ]
    Stop.objects.bulk_create(stops, batch_size=BATCH_SIZE)
    summary.trains_written += len(rows)
    summary.stops_written += len(stops)
