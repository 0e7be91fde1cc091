"""Sustained booking: passengers hold a booking and pay for it, across 50 trains and several
dates, for 60 s, through gunicorn (the project's gunicorn.conf.py) on PostgreSQL (+ Redis when
BENCH_REDIS_URL is set); in the same run and on the same server, Django's hello-world view.

Load generator: wrk with a Lua script (benchmarks/booking_sustained.lua), one connection per wrk
thread, closed loop: hold (POST /api/bookings; a 202 is looked at again after its estimated
wait), then pay (POST /api/bookings/<pnr>/pay), then the next booking for the next passenger.
Every protection stays on: booking i is made by passenger i mod --passengers, enough of them
that each stays within the booking rate limit (BOOKING_RATE_LIMIT a minute) at the rate reached,
and paying at once keeps each within the hold limits. Rule refusals (409: REGRET, a hold limit)
are outcomes, reported apart from errors (429, 5xx, socket errors).

Reported: bookings (held then paid) per second, wrk's per-request p50/p95/p99 (holds, looks and
payments together), errors, refusals, the hello-world requests per second and the ratio, and the
CPU seconds of the server and of wrk (the load generator) during each run.

    .venv/bin/python -m benchmarks.booking_throughput [--seconds 60] [--connections 32]
"""

import argparse
import datetime
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

from testsupport.load_harness import Server, drop_database, party, prepare_database, signed_in_users
from testsupport.results import RESULTS, save

DB_NAME = "bench_booking_throughput" + os.environ.get("BENCH_DB_SUFFIX", "")
# benchmarks/capacity.py's workload (load_trains(), body_maker): 60 trains x 30 dates x 4 classes.
TRAINS = 60
STOPS = 12
CLASSES = ("1A", "2A", "3A", "SL")
# This benchmark's: 50 trains x 7 dates x 3 classes.
SUSTAINED_TRAINS = 50
DATES = 7
SUSTAINED_CLASSES = ("2A", "3A", "SL")
LUA = Path(__file__).with_name("booking_sustained.lua")


def load_trains(count=TRAINS, classes=CLASSES):
    from timetable.loading import load_network
    from timetable.records import StationRecord, StopRecord, TrainRecord
    from timetable.running_days import DAILY

    stations = [
        StationRecord(f"TP{i:02d}", f"Throughput {i}", city=f"Throughput {i}") for i in range(STOPS * 2)
    ]
    trains = []
    for t in range(count):
        codes = [stations[(t + i) % len(stations)].code for i in range(STOPS)]
        start = (t * 37) % (20 * 60)
        stops = []
        for i, code in enumerate(codes):
            minute = start + i * 75
            stops.append(
                StopRecord(code, None if i == 0 else minute - 5, None if i == STOPS - 1 else minute, i * 90)
            )
        trains.append(
            TrainRecord(f"{12100 + t}", f"Throughput Mail {t}", "SF", DAILY, ",".join(classes), stops)
        )
    load_network(stations, trains)
    return trains


def bodies(trains, count, seed):
    """`count` booking bodies: a random train, date (the next DATES days from the day after
    tomorrow), segment, class and party of 1 to 4."""
    rng = random.Random(seed)
    today = datetime.date.today()
    lines = []
    for _ in range(count):
        train = rng.choice(trains)
        board = rng.randrange(0, STOPS - 1)
        alight = rng.randrange(board + 1, STOPS)
        date = today + datetime.timedelta(
            days=2 + rng.randrange(DATES) + train.stops[board].departure_minute // 1440
        )
        body = {
            "train": train.number,
            "date": date.isoformat(),
            "from": train.stops[board].station_code,
            "to": train.stops[alight].station_code,
            "class": rng.choice(SUSTAINED_CLASSES),
            "passengers": party(rng, rng.randint(1, 4), "Steady Traveller"),
        }
        lines.append(json.dumps(body))
    return lines


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


def wrk(url, script, seconds, connections, env):
    """Run wrk; (its output, its own CPU seconds: user + system of the finished child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run(
        [
            "wrk",
            f"-t{connections}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            script,
            url,
        ],
        check=True,
        text=True,
        capture_output=True,
        env={**os.environ, **env},
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return output, round(cpu, 2)


HELLO_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("HELLO %d %d %.3f %.1f %.1f\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


def hello_world(server, seconds, connections, folder):
    script = folder / "hello.lua"
    script.write_text(HELLO_LUA)
    cpu = server.cpu_seconds()
    output, wrk_cpu = wrk(
        f"http://127.0.0.1:{server.port}/bench/hello", str(script), seconds, connections, {}
    )
    requests, errors, duration, p50, p95 = re.search(r"HELLO (.*)", output).group(1).split()
    return {
        "requests": int(requests),
        "errors": int(errors),
        "rps": round(int(requests) / float(duration), 1),
        "p50_ms": float(p50),
        "p95_ms": float(p95),
        "server_cpu_s": round(server.cpu_seconds() - cpu, 2),
        "wrk_cpu_s": wrk_cpu,
        "seconds": float(duration),
    }


def bookings(server, seconds, connections, sessions, lines, folder, name):
    (folder / f"{name}-sessions.txt").write_text("".join(f"{sid} {csrf}\n" for sid, csrf in sessions))
    (folder / f"{name}-bodies.txt").write_text("\n".join(lines) + "\n")
    env = {
        "RC_SESSIONS": str(folder / f"{name}-sessions.txt"),
        "RC_BODIES": str(folder / f"{name}-bodies.txt"),
        "RC_THREADS": str(connections),
    }
    cpu = server.cpu_seconds()
    output, wrk_cpu = wrk(f"http://127.0.0.1:{server.port}", str(LUA), seconds, connections, env)
    outcome = json.loads(re.search(r"OUTCOMES (.*)", output).group(1))
    outcome["error_samples"] = sorted(set(re.findall(r"ERROR SAMPLE (.*)", output)))[:10]
    outcome["server_cpu_s"] = round(server.cpu_seconds() - cpu, 2)
    outcome["wrk_cpu_s"] = wrk_cpu
    outcome["bookings_per_s"] = round(outcome["paid"] / outcome["duration_s"], 1)
    return outcome


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--hello-seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--passengers",
        type=int,
        default=6000,
        help="signed-in accounts booking in turn (enough for BOOKING_RATE_LIMIT a minute each)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("booking_throughput needs wrk: apt-get install wrk")

    url = prepare_database(DB_NAME)
    server = None
    folder = RESULTS / "booking-throughput"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        from django.conf import settings

        trains = load_trains(SUSTAINED_TRAINS, SUSTAINED_CLASSES)
        sessions = signed_in_users(args.passengers)
        warm_sessions = signed_in_users(1000, prefix="warm")
        limit, window = settings.RATE_LIMITS["booking"]
        # The rate at which each passenger would reach the booking limit: beyond it, the run would
        # measure the limiter (429s, counted as errors), not bookings.
        ceiling = args.passengers * limit / window
        server = Server(url, {"ROOT_URLCONF": "benchmarks.urls", "GUNICORN_ACCESS_LOG": ""})
        urllib.request.urlopen(f"http://127.0.0.1:{server.port}/bench/hello", timeout=30).read()
        # Warm-up: each worker's code, routes and connections, and the inventories' first rows.
        warm = bookings(server, 10, args.connections, warm_sessions, bodies(trains, 20000, 1), folder, "warm")
        hello = hello_world(server, args.hello_seconds, args.connections, folder)
        run = bookings(
            server, args.seconds, args.connections, sessions, bodies(trains, 100000, 440), folder, "run"
        )
        hello_after = hello_world(server, args.hello_seconds, args.connections, folder)
        hello_rps = round((hello["rps"] + hello_after["rps"]) / 2, 1)
        ratio = run["bookings_per_s"] / hello_rps if hello_rps else 0
        load = os.getloadavg()
        report = {
            "args": vars(args),
            "load_average": [round(x, 2) for x in load],
            "warm_up": warm,
            "hello_before": hello,
            "hello_after": hello_after,
            "hello_rps": hello_rps,
            "run": run,
            "ratio": round(ratio, 3),
            "rate_limit_ceiling_per_s": round(ceiling, 1),
            "gunicorn": {
                "workers": os.environ.get("GUNICORN_WORKERS", "cpu count"),
                "threads": os.environ.get("GUNICORN_THREADS", "4"),
            },
        }
        save("booking_throughput", report)
        print(json.dumps(report, indent=2))
        server_share = run["server_cpu_s"] / run["duration_s"]
        wrk_share = run["wrk_cpu_s"] / run["duration_s"]
        print(
            f"SUMMARY booking_throughput: {run['bookings_per_s']} bookings/s held then paid "
            f"({run['paid']} in {run['duration_s']:.0f} s, {SUSTAINED_TRAINS} trains x {DATES} dates x "
            f"{len(SUSTAINED_CLASSES)} "
            f"classes, {args.connections} connections, {args.passengers} passengers), per-request "
            f"p50/p95/p99 {run['p50_ms']}/{run['p95_ms']}/{run['p99_ms']} ms, errors {run['errors']} "
            f"(+{run['socket_errors']} socket, {run['pay_failed']} payments refused), refusals "
            f"{run['refused']} {run['refusals']}; hello world {hello_rps} req/s -> ratio {ratio:.1%} "
            f"(target 25%); CPU: server {server_share:.2f} cores, wrk {wrk_share:.2f} cores; "
            f"load average {load[0]:.1f}"
        )
        return 0 if run["errors"] == 0 and run["socket_errors"] == 0 else 1
    finally:
        if server is not None:
            server.stop()
        drop_database(DB_NAME)


if __name__ == "__main__":
    sys.exit(main())
