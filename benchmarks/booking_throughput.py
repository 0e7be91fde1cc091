"""Sustained booking throughput across many trains and dates, through gunicorn on PostgreSQL.

60 daily trains of 12 stops each; every request books 1 to 4 passengers (seeded) on a random
train, date (the next 30 days), segment and class, so inventory rows are many and contention low.
Each booking is made by one of enough passengers that none exceeds the hold limits
(booking/hold_limits.py: HOLDS_LIMIT unpaid in all; their k-th booking goes to the k-th of six
5-day spans, so never two on one train and date).
Closed loop: `--threads` clients book back to back for `--seconds`; the figure is bookings
answered 201 per second (target 440/s with zero errors on this 2-core machine, load generator
included).

    .venv/bin/python -m benchmarks.booking_throughput [--seconds 20] [--threads 32]
"""

import argparse
import datetime
import random
import sys

from testsupport.load_harness import (
    Server,
    drop_database,
    party,
    prepare_database,
    print_summary,
    run_closed_loop,
    signed_in_users,
)
from testsupport.results import save

DB_NAME = "bench_booking_throughput"
TRAINS = 60
STOPS = 12
CLASSES = ("1A", "2A", "3A", "SL")


def load_trains():
    from timetable.loading import load_network
    from timetable.records import StationRecord, StopRecord, TrainRecord
    from timetable.running_days import DAILY

    stations = [
        StationRecord(f"TP{i:02d}", f"Throughput {i}", city=f"Throughput {i}") for i in range(STOPS * 2)
    ]
    trains = []
    for t in range(TRAINS):
        codes = [stations[(t + i) % len(stations)].code for i in range(STOPS)]
        start = (t * 37) % (20 * 60)
        stops = []
        for i, code in enumerate(codes):
            minute = start + i * 75
            stops.append(
                StopRecord(code, None if i == 0 else minute - 5, None if i == STOPS - 1 else minute, i * 90)
            )
        trains.append(
            TrainRecord(f"{12100 + t}", f"Throughput Mail {t}", "SF", DAILY, ",".join(CLASSES), stops)
        )
    load_network(stations, trains)
    return trains


def body_maker(trains, credentials, threads):
    """make_body(i): booking i's request (one random generator per client thread: no lock)."""
    today = datetime.date.today()
    lock_free_rng = [random.Random(seed) for seed in range(threads)]
    spans = 6  # 30 dates in 5-day spans

    def make_body(i):
        r = lock_free_rng[i % len(lock_free_rng)]
        train = r.choice(trains)
        board = r.randrange(0, STOPS - 1)
        alight = r.randrange(board + 1, STOPS)
        departs_minute = train.stops[board].departure_minute
        span = (i // len(credentials)) % spans  # this passenger's k-th booking: the k-th span
        date = today + datetime.timedelta(days=2 + 5 * span + r.randint(0, 4) + departs_minute // 1440)
        return {
            "train": train.number,
            "date": date.isoformat(),
            "from": train.stops[board].station_code,
            "to": train.stops[alight].station_code,
            "class": r.choice(CLASSES),
            "passengers": party(r, r.randint(1, 4), "Steady Traveller"),
        }

    return make_body


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--max-requests", type=int, default=30000)
    args = parser.parse_args()

    url = prepare_database(DB_NAME)
    server = None
    try:
        from django.conf import settings

        trains = load_trains()
        spans = 6  # 30 dates in 5-day spans
        per_passenger = min(settings.HOLDS_LIMIT, spans)
        credentials = signed_in_users(-(-args.max_requests // per_passenger))
        warm_credentials = signed_in_users(400, prefix="warm")
        make_body = body_maker(trains, credentials, args.threads)
        server = Server(url)
        # Warm-up: the first requests load each worker's code, routes and connections.
        run_closed_loop(server.port, warm_credentials, make_body, 2.0, args.threads, 400, key_prefix="warm")
        server_cpu = server.cpu_seconds()
        result = run_closed_loop(
            server.port, credentials, make_body, args.seconds, args.threads, args.max_requests
        )
        summary = result.summary()
        summary["server_cpu_s"] = round(server.cpu_seconds() - server_cpu, 2)
        from booking.models import Inventory

        extra = {
            "inventories": Inventory.objects.count(),
            "threads": args.threads,
            "server_cpu_s": summary["server_cpu_s"],
        }
        print_summary(
            f"Booking throughput: {args.threads} clients for {args.seconds:g} s across {TRAINS} trains x 30 "
            f"dates x {len(CLASSES)} classes",
            summary,
            extra,
        )
        print(
            f"  {'verdict':<18} {summary['throughput_per_s']} bookings/s (target 440), "
            f"errors {summary['errors']} "
            f"(target 0)"
        )
        save("booking_throughput", {"args": vars(args), **summary, **extra})
        return 0 if summary["errors"] == 0 else 1
    finally:
        if server is not None:
            server.stop()
        drop_database(DB_NAME)


if __name__ == "__main__":
    sys.exit(main())
