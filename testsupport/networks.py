"""A tiny hand-made network whose every time and running day is known, for search tests."""

import datetime

from django.utils import timezone

from timetable.loading import load_network
from timetable.records import StationRecord, StopRecord, TrainRecord
from timetable.running_days import DAILY

MON = 1 << 0
DAY = 24 * 60


def stop(code, arrival, departure, km):
    return StopRecord(station_code=code, arrival_minute=arrival, departure_minute=departure, distance_km=km)


def tiny_network():
    """Alpha (two stations) -> Beta, with a night train that crosses midnight."""
    stations = [
        StationRecord("ALP", "Alpha Central", city="Alpha", state="X"),
        StationRecord("ALQ", "Alpha Terminus", city="Alpha", state="X"),
        StationRecord("MID", "Midway Junction", city="Midway", state="X"),
        StationRecord("BET", "Beta Junction", city="Beta", state="Y"),
    ]
    trains = [
        # Leaves ALP Mondays 22:00, at MID 01:00-01:05 on day 2 (Tuesday), BET 06:00 Tuesday.
        TrainRecord("12001", "Alpha Beta Rajdhani", "RAJ", MON, "1A,2A,3A", [
            stop("ALP", None, 22 * 60, 0),
            stop("MID", DAY + 60, DAY + 65, 300),
            stop("BET", DAY + 6 * 60, None, 600),
        ]),
        # Daily from ALQ 08:00, calling at ALP 08:30 too, BET 18:00 the same day.
        TrainRecord("12002", "Alpha Beta Express", "EXP", DAILY, "2A,3A,SL,2S", [
            stop("ALQ", None, 8 * 60, 0),
            stop("ALP", 8 * 60 + 25, 8 * 60 + 30, 10),
            stop("BET", 18 * 60, None, 610),
        ]),
        # The other way: must never appear in Alpha -> Beta.
        TrainRecord("12003", "Beta Alpha Express", "EXP", DAILY, "SL,2S", [
            stop("BET", None, 9 * 60, 0),
            stop("ALP", 20 * 60, None, 600),
        ]),
    ]
    return load_network(stations, trains)


def next_weekday(weekday, after=None):
    """The first date strictly after `after` (default today) falling on `weekday` (Mon = 0)."""
    day = (after or timezone.localdate()) + datetime.timedelta(days=1)
    while day.weekday() != weekday:
        day += datetime.timedelta(days=1)
    return day
