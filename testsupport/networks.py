"""Small hand-made networks whose every time and running day is known.

tiny_network: the search tests' network (Alpha -> Beta, with a night train crossing midnight).
booking_network: the booking tests' network (stations AAA BBB CCC DDD, trains 12951 12002 22001).
"""

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
        TrainRecord(
            "12001",
            "Alpha Beta Rajdhani",
            "RAJ",
            MON,
            "1A,2A,3A",
            [
                stop("ALP", None, 22 * 60, 0),
                stop("MID", DAY + 60, DAY + 65, 300),
                stop("BET", DAY + 6 * 60, None, 600),
            ],
        ),
        # Daily from ALQ 08:00, calling at ALP 08:30 too, BET 18:00 the same day.
        TrainRecord(
            "12002",
            "Alpha Beta Express",
            "EXP",
            DAILY,
            "2A,3A,SL,2S",
            [
                stop("ALQ", None, 8 * 60, 0),
                stop("ALP", 8 * 60 + 25, 8 * 60 + 30, 10),
                stop("BET", 18 * 60, None, 610),
            ],
        ),
        # The other way: must never appear in Alpha -> Beta.
        TrainRecord(
            "12003",
            "Beta Alpha Express",
            "EXP",
            DAILY,
            "SL,2S",
            [
                stop("BET", None, 9 * 60, 0),
                stop("ALP", 20 * 60, None, 600),
            ],
        ),
    ]
    return load_network(stations, trains)


def add_late_train():
    """Loads 12004 "Late Addition" (ALP 23:00 to BET 02:00 next day, daily) into the
    tiny network, the way an importer run would: for tests that a timetable change reaches caches."""
    load_network(
        trains=[
            TrainRecord(
                "12004",
                "Late Addition",
                "EXP",
                DAILY,
                "SL",
                [stop("ALP", None, 23 * 60, 0), stop("BET", 26 * 60, None, 600)],
            )
        ]
    )


def booking_network():
    """Train 12951 (Rajdhani, daily): AAA 16:00 -> BBB 20:00 -> CCC 02:00 (day 2) -> DDD 08:00
    (day 2), 1A/2A/3A, 1400 km. Train 12002 (Mail/Express, daily): AAA 09:00 -> DDD 21:00, SL/2S,
    700 km. Train 22001 (Superfast, Mondays only): AAA 10:00 -> DDD 18:00, 3A."""
    stations = [
        StationRecord("AAA", "Alpha", city="Alpha"),
        StationRecord("BBB", "Bravo", city="Bravo"),
        StationRecord("CCC", "Charlie", city="Charlie"),
        StationRecord("DDD", "Delta", city="Delta"),
    ]
    trains = [
        TrainRecord(
            "12951",
            "Alpha Delta Rajdhani",
            "RAJ",
            DAILY,
            "1A,2A,3A",
            [
                stop("AAA", None, 16 * 60, 0),
                stop("BBB", 20 * 60 - 5, 20 * 60, 400),
                stop("CCC", DAY + 2 * 60 - 5, DAY + 2 * 60, 900),
                stop("DDD", DAY + 8 * 60, None, 1400),
            ],
        ),
        TrainRecord(
            "12002",
            "Alpha Delta Express",
            "EXP",
            DAILY,
            "SL,2S",
            [
                stop("AAA", None, 9 * 60, 0),
                stop("DDD", 21 * 60, None, 700),
            ],
        ),
        TrainRecord(
            "22001",
            "Alpha Delta Superfast",
            "SF",
            MON,
            "3A",
            [
                stop("AAA", None, 10 * 60, 0),
                stop("DDD", 18 * 60, None, 500),
            ],
        ),
    ]
    return load_network(stations, trains)


def next_weekday(weekday, after=None):
    """The first date strictly after `after` (default today) falling on `weekday` (Mon = 0)."""
    day = (after or timezone.localdate()) + datetime.timedelta(days=1)
    while day.weekday() != weekday:
        day += datetime.timedelta(days=1)
    return day
