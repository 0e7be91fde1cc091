"""Inventory partitioned by train (booking/partitions.py): booking throughput with one PostgreSQL
primary against two, in one run, on this machine.

Each configuration runs the same closed loop as benchmarks/booking_throughput.py (60 daily trains
x 30 dates x 4 classes, parties of 1 to 4, `--threads` clients booking back to back for
`--seconds`) through one gunicorn (gunicorn.conf.py) with ROOT_URLCONF=benchmarks.urls, after a
hello-world baseline under that same gunicorn and the same load generator:

- "one primary": every train on "default" (no DATABASE_PARTITION_URLS);
- "two primaries": DATABASE_PARTITION_URLS="p2=...", trains alternately on "default" and "p2"
  (TrainPartition rows written before the load), so half the bookings commit on each.

For each: bookings answered 201 per second, latency percentiles, hello-world requests per second,
and the CPU seconds used by gunicorn, by the PostgreSQL backends of each database of the run, and
by the load generator (this process's child). Reported: the ratio two/one.

    .venv/bin/python -m benchmarks.partition_throughput [--seconds 20] [--threads 32]

The default primaries are two databases on the PostgreSQL at 127.0.0.1:5432 (BENCH_POSTGRES_URL),
made and dropped here. `compare()` takes the two servers (`make bench-cluster` passes its scratch
clusters' primaries through benchmarks/bench_partitions.py: separate servers, separate logs);
`measure()` runs one configuration against databases given by URL (they must exist and be empty;
it migrates them).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from testsupport.databases import POSTGRES_ADMIN_URL, PYTHON, ROOT, manage
from testsupport.results import save

HELLO_SECONDS = 5.0
POOL_MAX = "6"  # per alias and gunicorn worker: 2 workers x 2 aliases x 6 stay well under 100


def measure(
    *, database_url: str, partition_urls: dict[str, str], seconds: float = 20.0, threads: int = 32
) -> dict:
    """One configuration in a child process (Django's settings are fixed per process): the primary
    `database_url` ("default") and the partitions `partition_urls` ({alias: url}, may be empty),
    migrated here, trains spread over them in turn. Returns the child's summary."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATABASE_PARTITION_URLS": ",".join(f"{alias}={url}" for alias, url in partition_urls.items()),
        "REDIS_URL": "",
        "DATABASE_POOL_MAX": POOL_MAX,
        "DJANGO_SETTINGS_MODULE": "railconnect.settings",
    }
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        subprocess.run(
            [
                PYTHON,
                "-m",
                "benchmarks.partition_throughput",
                "--child",
                out.name,
                "--seconds",
                str(seconds),
                "--threads",
                str(threads),
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        return json.loads(Path(out.name).read_text())


def _child(out: str, seconds: float, threads: int) -> None:
    """Runs inside measure()'s subprocess, with DATABASE_URL and DATABASE_PARTITION_URLS set."""
    import django

    database_url = os.environ["DATABASE_URL"]
    partition_urls = dict(
        entry.split("=", 1) for entry in os.environ.get("DATABASE_PARTITION_URLS", "").split(",") if entry
    )
    for alias in ["default", *partition_urls]:
        manage("migrate", "--noinput", "--verbosity", "0", "--database", alias, database_url=database_url)
    django.setup()
    from django.conf import settings

    from booking.models import Booking, TrainPartition
    from timetable.models import Train

    from testsupport.load_harness import (
        Server,
        backend_cpu,
        backend_cpu_since,
        run_clients,
        run_closed_loop,
        signed_in_users,
    )

    from .booking_throughput import body_maker, load_trains

    aliases = settings.DATABASE_PARTITIONS
    trains = load_trains()
    ids = dict(Train.objects.values_list("number", "pk"))
    if len(aliases) > 1:  # in turn: train i on partition i mod n
        TrainPartition.objects.bulk_create(
            [
                TrainPartition(train_id=ids[t.number], database=aliases[i % len(aliases)])
                for i, t in enumerate(trains)
            ]
        )
    per_passenger = min(settings.HOLDS_LIMIT, 6)
    max_bookings = 30000
    credentials = signed_in_users(-(-max_bookings // per_passenger))
    warm_credentials = signed_in_users(400, prefix="warm")
    make_body = body_maker(trains, credentials, threads)
    databases = [settings.DATABASES[alias]["NAME"] for alias in aliases]
    server = Server(database_url, {"ROOT_URLCONF": "benchmarks.urls", "DATABASE_POOL_MAX": POOL_MAX})
    try:
        hello = _hello(server.port, threads, HELLO_SECONDS, run_clients)
        run_closed_loop(server.port, warm_credentials, make_body, 2.0, threads, 400, key_prefix="warm")
        server_cpu = server.cpu_seconds()
        postgres_before = {name: backend_cpu(name) for name in databases}
        result = run_closed_loop(server.port, credentials, make_body, seconds, threads, max_bookings)
        summary = result.summary()
        summary["server_cpu_s"] = round(server.cpu_seconds() - server_cpu, 2)
        summary["postgres_cpu_s"] = {
            alias: round(backend_cpu_since(name, postgres_before[name]), 2)
            for alias, name in zip(aliases, databases, strict=True)
        }
    finally:
        server.stop()
    summary["bookings_per_partition"] = {alias: Booking.objects.using(alias).count() for alias in aliases}
    summary["hello_world"] = hello
    summary["partitions"] = list(aliases)
    Path(out).write_text(json.dumps(summary))


def _hello(port, threads, seconds, run_clients):
    """Closed-loop GET /bench/hello by `threads` clients for `seconds`: the ceiling of a Django page
    under this gunicorn with this load generator."""

    def loop(client, result):
        while time.perf_counter() < result.started + seconds:
            start = time.perf_counter()
            try:
                status, _headers, _body = client.request("GET", "/bench/hello")
            except Exception as error:  # noqa: BLE001 - counted
                result.record(time.perf_counter() - start, "exception", error=type(error).__name__)
                continue
            result.record(time.perf_counter() - start, 201 if status == 200 else status)

    result = run_clients(port, threads, loop)
    summary = result.summary()
    return {
        key: summary[key] for key in ("requests", "errors", "p50_ms", "p95_ms", "p99_ms", "client_cpu_s")
    } | {"requests_per_s": summary["throughput_per_s"]}


def fresh(name: str, server: str = POSTGRES_ADMIN_URL) -> str:
    """An empty database `name` on the PostgreSQL at `server` (postgres://user@host:port): its URL."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def drop(*names: str, server: str = POSTGRES_ADMIN_URL) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def compare(*, first_server: str, second_server: str, seconds: float, threads: int) -> dict:
    """One primary (on `first_server`) against two (`first_server` and `second_server`, which may be
    the same server: two databases), one after the other: both summaries and the ratio two/one."""
    names = ("bench_partition_one", "bench_partition_main", "bench_partition_p2")
    try:
        one = measure(
            database_url=fresh(names[0], first_server), partition_urls={}, seconds=seconds, threads=threads
        )
        two = measure(
            database_url=fresh(names[1], first_server),
            partition_urls={"p2": fresh(names[2], second_server)},
            seconds=seconds,
            threads=threads,
        )
    finally:
        drop(names[0], names[1], server=first_server)
        drop(names[2], server=second_server)
    ratio = round(two["throughput_per_s"] / one["throughput_per_s"], 2) if one["throughput_per_s"] else None
    return {"one": one, "two": two, "ratio": ratio}


def _line(label: str, summary: dict) -> str:
    hello = summary["hello_world"]
    return (
        f"| {label} | {summary['throughput_per_s']} | {summary['p50_ms']} | {summary['p95_ms']} | "
        f"{summary['p99_ms']} | {summary['errors']} | {hello['requests_per_s']} | "
        f"{summary['server_cpu_s']} | {summary['postgres_cpu_s']} | {summary['client_cpu_s']} | "
        f"{summary['bookings_per_partition']} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.seconds, args.threads)
        return 0
    result = compare(
        first_server=POSTGRES_ADMIN_URL,
        second_server=POSTGRES_ADMIN_URL,
        seconds=args.seconds,
        threads=args.threads,
    )
    one, two, ratio = result["one"], result["two"], result["ratio"]
    print(
        "\n| primaries | bookings/s | p50 ms | p95 ms | p99 ms | errors | hello world req/s | gunicorn CPU s "
        "| PostgreSQL CPU s | load generator CPU s | bookings per partition |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(_line("one", one))
    print(_line("two", two))
    print(f"\nratio two/one: {ratio} (cores: {os.cpu_count()})")
    save("partition_throughput", {"args": vars(args), "one": one, "two": two, "ratio": ratio})
    return 0 if one["errors"] == 0 and two["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
