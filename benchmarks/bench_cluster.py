"""`make bench-cluster`: the scale-out topology (scripts/cluster.py) under load, with its drills
timed: a private cluster on free loopback ports (nginx over 2 gunicorn instances of 2 workers x 4
threads, a PostgreSQL primary with a streaming replica and a second primary, a private Redis, one
task worker, one scheduler), fsync on, in a temporary folder removed at the end.

Stages, all in one run on this machine (so the figures compare with each other):
1. hello world through nginx (the ceiling of any page here);
2. public reads (stations API, train search API, PNR form) with the replica fit, then with its
   replay paused past REPLICA_MAX_LAG_SECONDS (every read on the primary);
3. replication delay: after each of 30 bookings, the time until the replica has replayed the
   position in the passenger's read-your-writes cookie (how long a passenger reads the primary);
4. an app instance SIGKILLed mid-load (GETs and bookings with Idempotency-Key);
5. the replica stopped mid-load;
6. Redis stopped and started mid-load (signed-in pages);
7. the hook for the partition throughput drill (one primary against two: i16b's
   benchmarks/bench_partitions.py, run here on the same cluster when it exists).

Each stage reports answers per second, median/p95/p99/max latency of the 200s, the status counts,
and the load generator's CPU (it shares the 2 cores with everything else). Results are printed and
saved to bench-results/cluster.json.

    .venv/bin/python -m benchmarks.bench_cluster [--seconds 8] [--threads 8]
"""

import argparse
import importlib.util
import json
import os
import statistics
import sys
import time
from pathlib import Path

from testsupport.cluster_drills import (
    Bookers,
    Browser,
    Load,
    book_with_retries,
    booking_body,
    bookings_with_key,
    fallbacks,
    letters,
    public_paths,
    rows_returned,
    start_cluster,
    stop_cluster,
)
from testsupport.load_harness import Client
from testsupport.results import percentile, save

MAX_LAG = 3.0


def run_load(cluster, paths, *, seconds, threads, credentials=None, during=None):
    """A timed GET load; `during(load, started)` runs meanwhile (a fault). The load's summary."""
    with Load(cluster.port, paths, threads=threads, credentials=credentials) as load:
        started = time.monotonic()
        marks = during(load, started) if during else {}
        remaining = seconds - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)
        load.stop()
    summary = load.summary()
    summary["client_cpu_share_of_one_core"] = round(load.cpu / load.wall, 2)
    for name, (since, until) in (marks or {}).items():
        summary[name] = load.summary(since=since, until=until)
    return summary


def replication_delays(cluster, count=30):
    """Seconds from a booking's answer until the replica has replayed the passenger's cookie position."""
    import psycopg

    from railconnect.replicas import parse_cookie_lsn, parse_lsn

    passenger = Browser(cluster.port, tuple(cluster.data["credentials"][-1]))
    delays = []
    with psycopg.connect(cluster.replica.url(), autocommit=True) as replica:
        for i in range(count):
            status, _pnr, _sends = book_with_retries(
                passenger, booking_body(f"Delay {letters(i)}", 20 + i % 50), f"delay-{i}"
            )
            answered = time.perf_counter()
            assert status in (200, 201), status
            written = parse_cookie_lsn(passenger.jar.get("rc_written"))
            assert written is not None, "the booking's answer carries the read-your-writes cookie"
            while True:
                replayed = parse_lsn(replica.execute("SELECT pg_last_wal_replay_lsn()::text").fetchone()[0])
                if replayed is not None and replayed >= written:
                    break
                time.sleep(0.0005)
            delays.append(time.perf_counter() - answered)
            # The next booking is another passenger's unpaid hold: keep within the hold limits.
            passenger.act_as(tuple(cluster.data["credentials"][-2 - i]))
    ms = [d * 1000 for d in delays]
    return {
        "bookings": count,
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(percentile(ms, 0.95), 2),
        "max_ms": round(max(ms), 2),
    }


def kill_drill(cluster, *, seconds, threads):
    bookers = Bookers(cluster, passengers=150, threads=2, key_prefix="bench-kill", name_prefix="Bench Kill")
    outcomes = bookers.outcomes

    def during(load, started):
        bookers.start()
        time.sleep(seconds / 2)
        killed = time.monotonic()
        cluster.kill_app(1)
        return {"before_kill": (started, killed), "after_kill": (killed, killed + 60)}

    summary = run_load(cluster, public_paths(), seconds=seconds, threads=threads, during=during)
    bookers.stop()
    cluster.apps[0] = cluster.start_app(1, cluster.logs / "app-1.log")
    one_pnr = all(pnr and bookings_with_key(cluster, key) == 1 for key, (_s, pnr, _n) in outcomes.items())
    summary["bookings"] = {
        "decided": sum(1 for status, _p, _n in outcomes.values() if status in (200, 201)),
        "sent": len(outcomes),
        "resent_with_same_key": sum(1 for _s, _p, sends in outcomes.values() if sends > 1),
        "each_key_one_booking": one_pnr,
    }
    return summary


def replica_stop_drill(cluster, *, seconds, threads):
    def during(load, started):
        time.sleep(seconds / 3)
        stopped = time.monotonic()
        cluster.replica.stop("fast")
        return {"before_stop": (started, stopped), "after_stop": (stopped, stopped + 60)}

    down_before = fallbacks(cluster, "down") + fallbacks(cluster, "error")
    summary = run_load(cluster, public_paths(), seconds=seconds, threads=threads, during=during)
    summary["fallbacks_down_or_error"] = (
        fallbacks(cluster, "down") + fallbacks(cluster, "error") - down_before
    )
    cluster.replica.start()
    return summary


def redis_restart_drill(cluster, *, seconds, threads):
    from tests.faults.helpers import log_in

    session = log_in(cluster.port, cluster.data["username"], cluster.data["password"])

    def during(load, started):
        time.sleep(seconds / 4)
        stopped = time.monotonic()
        cluster.redis_process.stop()
        time.sleep(seconds / 4)
        cluster.redis_process.start()
        back = time.monotonic()
        return {"before": (started, stopped), "redis_down": (stopped, back), "after": (back, back + 60)}

    summary = run_load(
        cluster,
        ["/dashboard", "/bookings/", "/api/stations?q=del", "/pnr"],
        seconds=seconds,
        threads=threads,
        credentials=session,
        during=during,
    )
    status = Client(cluster.port, session).request("GET", "/dashboard")[0]
    summary["session_survived"] = status == 200
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "railconnect.settings")
    import django

    django.setup()
    from django.conf import settings

    from scripts.cluster import missing_programs

    problems = missing_programs(need_redis=True)
    if problems:
        print(
            "make bench-cluster: cannot start the cluster:\n  - " + "\n  - ".join(problems), file=sys.stderr
        )
        return 1
    static_root = Path(settings.STATIC_ROOT)
    if not (static_root / "staticfiles.json").is_file():
        print(f"make bench-cluster: no static build in {static_root}: run `make static`", file=sys.stderr)
        return 1

    print("starting the cluster (initdb, pg_basebackup, migrate: about a minute)...", flush=True)
    cluster = start_cluster(static_root, fsync=True, passengers=400, REPLICA_MAX_LAG_SECONDS=MAX_LAG)
    results = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpus": os.cpu_count()}
    try:
        seconds, threads = args.seconds, args.threads
        print("1. hello world", flush=True)
        results["hello_world"] = run_load(cluster, ["/bench/hello"], seconds=seconds, threads=threads)

        print("2. public reads, replica fit / replay paused past the lag threshold", flush=True)
        replica_rows, primary_rows = rows_returned(cluster.replica), rows_returned(cluster.primary)
        results["public_reads_replica"] = run_load(cluster, public_paths(), seconds=seconds, threads=threads)
        results["public_reads_replica"]["rows_returned"] = {
            "replica": rows_returned(cluster.replica) - replica_rows,
            "primary": rows_returned(cluster.primary) - primary_rows,
        }
        cluster.replica.execute("SELECT pg_wal_replay_pause()")
        try:
            time.sleep(MAX_LAG + 1.5)
            lag_before = fallbacks(cluster, "lag")
            results["public_reads_primary_fallback"] = run_load(
                cluster, public_paths(), seconds=seconds, threads=threads
            )
            results["public_reads_primary_fallback"]["fallbacks_lag"] = fallbacks(cluster, "lag") - lag_before
        finally:
            cluster.replica.execute("SELECT pg_wal_replay_resume()")

        print("3. replication delay after a booking", flush=True)
        results["replication_delay"] = replication_delays(cluster)

        print("4. an app instance killed mid-load", flush=True)
        results["kill_app_instance"] = kill_drill(cluster, seconds=seconds * 1.5, threads=threads // 2)

        print("5. the replica stopped mid-load", flush=True)
        results["replica_stopped"] = replica_stop_drill(cluster, seconds=seconds, threads=threads)

        print("6. Redis restarted mid-load", flush=True)
        results["redis_restarted"] = redis_restart_drill(cluster, seconds=seconds, threads=threads // 2)

        # 7. The partition throughput drill (one primary against two) is issue 16's other half:
        # benchmarks/bench_partitions.py with run(cluster) -> dict, run here on this cluster.
        if importlib.util.find_spec("benchmarks.bench_partitions") is not None:
            from benchmarks import bench_partitions

            print("7. bookings over one primary against two", flush=True)
            results["partitions"] = bench_partitions.run(cluster)
        else:
            results["partitions"] = "benchmarks/bench_partitions.py not present"
    finally:
        stop_cluster(cluster)
    print(json.dumps(results, indent=2))
    save("cluster", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
