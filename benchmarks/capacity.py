"""The capacity model's inputs (docs/capacity.md), measured in one run on this machine: what one app
instance and one PostgreSQL primary do per second, and the CPU each request costs each of them.

1. Reads (the public pages a replica may serve): the search results page for popular routes of
   `seed_demo`, through gunicorn (gunicorn.conf.py: 2 workers x 4 threads), with warm caches
   (L1 + Redis, production) and with no cache at all (every request reads PostgreSQL: what the
   database pays for a read), against Django's hello-world view under the same gunicorn.
   wrk, `--connections` connections.
2. Bookings: benchmarks/booking_throughput.py's closed loop (60 trains x 30 dates x 4 classes,
   parties of 1 to 4, `--threads` clients) through the same gunicorn on PostgreSQL + Redis.

For each: requests (or bookings) per second, p50/p95, and CPU seconds used by gunicorn (arbiter
and workers), by the PostgreSQL backends serving this run's database (other databases' sessions
on the shared server are not counted; the shared WAL writer and checkpointer are not either), and
by the load generator (wrk, or this process for bookings), per request.

    .venv/bin/python -m benchmarks.capacity [--seconds 20] [--redis-url redis://127.0.0.1:6379/13]
        [--database-prefix bench_capacity]
"""

import argparse
import datetime
import os
import resource
import subprocess
import sys
import time
import urllib.request

from testsupport.databases import POSTGRES_ADMIN_URL, fresh_database, manage
from testsupport.load_harness import (
    Server,
    backend_cpu,
    backend_cpu_since,
    drop_database,
    prepare_database,
    run_closed_loop,
    signed_in_users,
)
from testsupport.results import RESULTS, save

from .bench_cache_layers import run_wrk, search_paths
from .booking_throughput import body_maker, load_trains


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def flush_redis(url):
    subprocess.run(["redis-cli", "-u", url, "FLUSHDB"], check=True, capture_output=True)


def measure_reads(database_url, database, env, paths, args, warm):
    server = Server(database_url, env)
    base = f"http://127.0.0.1:{server.port}"
    try:
        urllib.request.urlopen(base + "/bench/hello", timeout=30).read()  # workers are up
        if warm:
            for path in paths:  # every URL once: the measured run reads warm caches
                urllib.request.urlopen(base + path, timeout=30).read()
        server_cpu, pg_before, wrk_cpu = server.cpu_seconds(), backend_cpu(database), children_cpu()
        row = run_wrk(base, paths, args.seconds, args.connections)
        requests = max(row["requests"], 1)
        row["server_cpu_ms_per_request"] = round(1000 * (server.cpu_seconds() - server_cpu) / requests, 3)
        row["postgres_cpu_ms_per_request"] = round(
            1000 * backend_cpu_since(database, pg_before) / requests, 3
        )
        row["loadgen_cpu_ms_per_request"] = round(1000 * (children_cpu() - wrk_cpu) / requests, 3)
        return row
    finally:
        server.stop()


def reads(args):
    database = f"{args.database_prefix}_reads"
    database_url = fresh_database("postgres", database)
    try:
        manage("seed_demo", database_url=database_url, capture=True)
        paths = search_paths(database_url, args.routes)
        base_env = {"ROOT_URLCONF": "benchmarks.urls", "REDIS_URL": ""}
        modes = {
            "hello world (ceiling)": ({**base_env, "REDIS_URL": args.redis_url}, ["/bench/hello"], False),
            "search, L1 + Redis (warm)": ({**base_env, "REDIS_URL": args.redis_url}, paths, True),
            "search, no cache": (
                {**base_env, "CACHE_BACKEND_DUMMY": "1", "CACHE_L1_MAX_ENTRIES": "0"},
                paths,
                False,
            ),
        }
        results = {}
        for mode, (env, mode_paths, warm) in modes.items():
            flush_redis(args.redis_url)
            results[mode] = measure_reads(database_url, database, env, mode_paths, args, warm)
            print(f"{mode}: {results[mode]}", flush=True)
        return results
    finally:
        import psycopg  # Django is not set up in this process yet: drop it directly

        with psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def bookings(args):
    database = f"{args.database_prefix}_bookings"
    url = prepare_database(database)
    server = None
    try:
        from django.conf import settings

        trains = load_trains()
        per_passenger = min(settings.HOLDS_LIMIT, 6)
        credentials = signed_in_users(-(-args.max_bookings // per_passenger))
        warm_credentials = signed_in_users(400, prefix="warm")
        make_body = body_maker(trains, credentials, args.threads)
        flush_redis(args.redis_url)
        os.environ["BENCH_REDIS_URL"] = args.redis_url
        server = Server(url)
        run_closed_loop(server.port, warm_credentials, make_body, 2.0, args.threads, 400, key_prefix="warm")
        server_cpu, pg_before = server.cpu_seconds(), backend_cpu(database)
        result = run_closed_loop(
            server.port, credentials, make_body, args.seconds, args.threads, args.max_bookings
        )
        summary = result.summary()
        booked = max(summary["created_201"], 1)
        row = {
            key: summary[key]
            for key in ("requests", "created_201", "errors", "throughput_per_s", "p50_ms", "p95_ms", "p99_ms")
        }
        row["passengers_per_booking"] = round(sum(summary["passenger_statuses"].values()) / booked, 2)
        row["server_cpu_ms_per_booking"] = round(1000 * (server.cpu_seconds() - server_cpu) / booked, 2)
        row["postgres_cpu_ms_per_booking"] = round(1000 * backend_cpu_since(database, pg_before) / booked, 2)
        row["loadgen_cpu_ms_per_booking"] = round(1000 * summary["client_cpu_s"] / booked, 2)
        print(f"bookings: {row}", flush=True)
        return row
    finally:
        if server is not None:
            server.stop()
        drop_database(database)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--routes", type=int, default=200)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--max-bookings", type=int, default=30000)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--database-prefix", default="bench_capacity")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    load_before = os.getloadavg()
    started = time.monotonic()
    results = {"reads": reads(args), "bookings": bookings(args)}
    results["load_average_before_after"] = [round(load_before[0], 1), round(os.getloadavg()[0], 1)]
    results["cores"] = os.cpu_count()
    results["minutes"] = round((time.monotonic() - started) / 60, 1)
    save("capacity", {"date": datetime.datetime.now().isoformat(), "args": vars(args), **results})
    print("\n| mode | req/s | % of hello | p50 ms | p95 ms | CPU ms/req: gunicorn | PostgreSQL | wrk |")
    print("|---|---|---|---|---|---|---|---|")
    ceiling = results["reads"]["hello world (ceiling)"]["rps"]
    for mode, row in results["reads"].items():
        print(
            f"| {mode} | {row['rps']} | {100 * row['rps'] / ceiling:.0f}% "
            f"| {row['p50_ms']} | {row['p95_ms']} "
            f"| {row['server_cpu_ms_per_request']} | {row['postgres_cpu_ms_per_request']} "
            f"| {row['loadgen_cpu_ms_per_request']} |"
        )
    print(f"\nbookings: {results['bookings']}")
    print(f"load average before/after: {results['load_average_before_after']}")
    return 0 if results["bookings"]["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
