"""Plain records that importers and generators produce and `loading.load_network` writes."""

from dataclasses import dataclass, field


@dataclass
class StationRecord:
    code: str
    name: str
    city: str = ""
    state: str = ""
    zone: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class StopRecord:
    station_code: str
    # Minutes after midnight of the day the train leaves its first station (None at the ends).
    arrival_minute: int | None
    departure_minute: int | None
    distance_km: int
    # Used only when the station is unknown and has to be created from the timetable.
    station_name: str = ""


@dataclass
class TrainRecord:
    number: str
    name: str
    train_type: str
    running_days: int
    classes: str
    stops: list[StopRecord] = field(default_factory=list)
