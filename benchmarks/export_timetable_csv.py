"""Writes a network in the Indian Railways open-data CSV layout, to benchmark the importer at
full size (about 2,900 trains and 62,000 stops, like the complete open-data file)."""

import csv

from timetable.running_days import DAILY, DAY_NAMES

COLUMNS = [
    "Train No",
    "Train Name",
    "SEQ",
    "Station Code",
    "Station Name",
    "Arrival time",
    "Departure Time",
    "Distance",
    "Source Station",
    "Source Station Name",
    "Destination Station",
    "Destination Station Name",
    "Runs On",
]


def clock(minute):
    if minute is None:
        return "00:00:00"
    minute %= 24 * 60
    return f"{minute // 60:02d}:{minute % 60:02d}:00"


def runs_on(mask):
    return "Daily" if mask == DAILY else " ".join(d for i, d in enumerate(DAY_NAMES) if mask & (1 << i))


def write_open_data_csv(path, stations, trains):
    names = {station.code: station.name for station in stations}
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(COLUMNS)
        for train in trains:
            first, last = train.stops[0].station_code, train.stops[-1].station_code
            for sequence, stop in enumerate(train.stops, start=1):
                writer.writerow(
                    [
                        train.number,
                        train.name.upper(),
                        sequence,
                        stop.station_code,
                        names[stop.station_code].upper(),
                        clock(stop.arrival_minute),
                        clock(stop.departure_minute),
                        stop.distance_km,
                        first,
                        names[first].upper(),
                        last,
                        names[last].upper(),
                        runs_on(train.running_days),
                    ]
                )
    return sum(len(train.stops) for train in trains)
