"""Reads the Indian Railways open-data timetable CSV (one row per stop) into TrainRecords.

Clock times carry no day number, so a stop's day offset is inferred: whenever a time is earlier
than the one before it, the train has passed midnight. A row that cannot be read is reported with
its line number and its whole train is skipped; the rest of the file still loads.
"""

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .models import Station, Train, text_limit
from .records import StopRecord, TrainRecord
from .running_days import RunningDaysError, parse_running_days
from .train_types import default_classes, infer_train_type

MINUTES_PER_DAY = 24 * 60
REQUIRED_COLUMNS = (
    "Train No",
    "Train Name",
    "SEQ",
    "Station Code",
    "Station Name",
    "Arrival time",
    "Departure Time",
    "Distance",
    "Runs On",
)
NO_TIME = "00:00:00"
CODE_MAX = text_limit(Station, "code")
NUMBER_MAX = text_limit(Train, "number")
NAME_MAX = text_limit(Train, "name")
# A CSV row, column -> text (read_timetable drops rows short of columns before building trains).
Row = Mapping[str, str]


class BadRow(ValueError):
    pass


@dataclass
class RowError:
    line: int
    train_number: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: train {self.train_number or '?'}: {self.reason}"


@dataclass
class ParsedTimetable:
    trains: list[TrainRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped_trains: set[str] = field(default_factory=set)


def parse_clock(text: str, column: str) -> int:
    parts = text.strip().split(":")
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        hours, minutes = int(parts[0]), int(parts[1])
        seconds = int(parts[2]) if len(parts) == 3 else 0
    except ValueError:
        raise BadRow(f"{column} {text!r} is not a HH:MM:SS time") from None
    if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 60):
        raise BadRow(f"{column} {text!r} is out of range")
    return hours * 60 + minutes


class DayOffsetClock:
    """Turns successive clock times of one train into minutes from its first day's midnight."""

    def __init__(self) -> None:
        self.last = 0

    def place(self, clock_minute: int) -> int:
        minute = (self.last // MINUTES_PER_DAY) * MINUTES_PER_DAY + clock_minute
        if minute < self.last:
            minute += MINUTES_PER_DAY
        self.last = minute
        return minute


def _text(row: Row, column: str, max_length: int) -> str:
    value = (row.get(column) or "").strip()
    if not value:
        raise BadRow(f"{column} is empty")
    if len(value) > max_length:
        raise BadRow(f"{column} {value[:20]!r}... is longer than {max_length} characters")
    return value


class _TrainBuilder:
    def __init__(self, row: Row) -> None:
        self.number = _text(row, "Train No", NUMBER_MAX)
        self.name = _text(row, "Train Name", NAME_MAX)
        try:
            self.running_days = parse_running_days(row.get("Runs On") or "")
        except RunningDaysError as error:
            raise BadRow(str(error)) from None
        self.rows: list[tuple[int, Row]] = []

    def add(self, row: tuple[int, Row]) -> None:
        self.rows.append(row)

    def build(self) -> TrainRecord:
        """Returns the TrainRecord, or raises BadRow with the line of the offending row."""
        ordered: list[tuple[int, int, Row]] = []
        for line, row in self.rows:
            try:
                sequence = int(row["SEQ"])
            except (TypeError, ValueError):
                raise BadRow(f"SEQ {row['SEQ']!r} is not a number", line) from None
            ordered.append((sequence, line, row))
        ordered.sort()
        if len(ordered) < 2:
            raise BadRow("a train needs at least two stops", ordered[0][1])
        clock = DayOffsetClock()
        stops: list[StopRecord] = []
        seen_codes: set[str] = set()
        last_distance = -1
        for index, (sequence, line, row) in enumerate(ordered):
            try:
                stop = self._stop(row, clock, first=index == 0, last=index == len(ordered) - 1)
                if index and sequence == ordered[index - 1][0]:
                    raise BadRow(f"SEQ {sequence} appears twice")
                if stop.distance_km < last_distance:
                    raise BadRow(f"Distance {stop.distance_km} is less than the previous stop's")
                if stop.station_code in seen_codes:
                    raise BadRow(f"station {stop.station_code} appears twice in the route")
            except BadRow as error:
                raise BadRow(error.args[0], line) from None
            seen_codes.add(stop.station_code)
            last_distance = stop.distance_km
            stops.append(stop)
        train_type = infer_train_type(self.number, self.name)
        return TrainRecord(
            number=self.number,
            name=self.name.title(),
            train_type=train_type,
            running_days=self.running_days,
            classes=default_classes(train_type),
            stops=stops,
        )

    @staticmethod
    def _stop(row: Row, clock: DayOffsetClock, first: bool, last: bool) -> StopRecord:
        code = _text(row, "Station Code", CODE_MAX).upper()
        arrival_text = (row.get("Arrival time") or "").strip()
        departure_text = (row.get("Departure Time") or "").strip()
        arrival = None if first else parse_clock(arrival_text, "Arrival time")
        departure = None if last else parse_clock(departure_text, "Departure Time")
        try:
            distance = int(float((row.get("Distance") or "").strip()))
        except ValueError:
            raise BadRow(f"Distance {row.get('Distance')!r} is not a number") from None
        if distance < 0:
            raise BadRow(f"Distance {distance} is negative")
        return StopRecord(
            station_code=code,
            station_name=(row.get("Station Name") or code).strip()[:100],
            arrival_minute=None if arrival is None else clock.place(arrival),
            departure_minute=None if departure is None else clock.place(departure),
            distance_km=distance,
        )


def read_timetable(lines: Iterable[str]) -> ParsedTimetable:
    """Parse an open-data timetable from an iterable of text lines."""
    reader = csv.DictReader(lines)
    missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or ())]
    if missing:
        raise ValueError(f"the timetable has no column(s): {', '.join(missing)}")
    result = ParsedTimetable()
    builders: dict[str, _TrainBuilder] = {}
    broken: dict[str, RowError] = {}
    for row in reader:
        line = reader.line_num
        number = (row.get("Train No") or "").strip()
        if number in broken:
            continue
        if None in row or any(value is None for value in row.values()):
            broken[number] = RowError(line, number, "wrong number of columns")
            continue
        builder = builders.get(number)
        try:
            if builder is None:
                builder = builders[number] = _TrainBuilder(row)
            builder.add((line, row))
        except BadRow as error:
            broken[number] = RowError(line, number, error.args[0])
    for number, builder in builders.items():
        if number in broken:
            continue
        try:
            result.trains.append(builder.build())
        except BadRow as error:
            broken[number] = RowError(error.args[1], number, error.args[0])
    result.errors = sorted(broken.values(), key=lambda error: error.line)
    result.skipped_trains = set(broken)
    return result
