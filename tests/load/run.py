"""`make loadtest`: the Locust scenarios against the production-mode site, with thresholds.

Starts everything it needs and removes it afterwards: a fresh PostgreSQL database with the demo
network, signed-in passengers and a few with passwords, Redis (database 13, flushed), gunicorn
with the project's gunicorn.conf.py; then runs Locust headless, ramping to --users, prints
p50/p95/p99 and the error rate per request type, writes CSV files to bench-results/loadtest-*,
and exits non-zero when a threshold is missed.

    python -m tests.load.run                       # the full mix, ramp to 200 users, 60 s
    python -m tests.load.run --classes SearchApi   # one scenario
    python -m tests.load.run --soak 600            # 10-minute soak with worker memory samples
    python -m tests.load.run --tatkal --users 300  # everyone books one train at the same second
    python -m tests.load.run --serve               # through the production set-up (`make serve`: nginx)
"""

import argparse
import csv
import datetime
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks import booking_rush
from testsupport.databases import POSTGRES_ADMIN_URL, PYTHON, ROOT
from testsupport.load_harness import (
    ProductionServer,
    Server,
    backend_cpu,
    backend_cpu_since,
    drop_database,
    prepare_database,
    signed_in_users,
    tree_cpu_seconds,
)
from testsupport.results import RESULTS, save

REDIS_URL = os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/13")
DATABASE = os.environ.get(
    "LOADTEST_DATABASE", "railconnect_loadtest"
)  # other runs on this PostgreSQL: another name
LOGIN_PASSWORD = "load-test-passw0rd"
MIX = ["PassengerMix", "Login", "SearchApi", "BookingApi"]


def add_rush_train():
    """The rush train of benchmarks/booking_rush.py (one 2S coach, 100 General seats)."""
    from django.utils import timezone

    booking_rush.load_rush_train()
    return timezone.localdate() + datetime.timedelta(days=3)


def build_catalogue(sessions, logins):
    """Routes to search, bookable offers, trains, prefixes and users, from the loaded network."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from search.places import resolve_place
    from search.train_search import ResultOptions, find_journeys
    from search.warming import popular_routes, suggestion_prefixes

    rng = random.Random(7)
    today = timezone.localdate()
    routes, offers = [], []
    for origin, destination in popular_routes(120):
        date = today + datetime.timedelta(days=rng.randint(2, 45))
        routes.append({"from": origin, "to": destination, "date": date.isoformat()})
        for journey in find_journeys(
            resolve_place(origin), resolve_place(destination), date, ResultOptions()
        ):
            offers.append(
                {
                    "train": journey.service.number,
                    "date": journey.departs.date().isoformat(),
                    "from": journey.board.code,
                    "to": journey.alight.code,
                    "class": rng.choice(journey.service.classes),
                }
            )
    User = get_user_model()
    password_hash = make_password(LOGIN_PASSWORD)  # one slow hash, shared by the login users
    User.objects.bulk_create([User(username=f"login{i}", password=password_hash) for i in range(logins)])
    try:
        dashboard_path = reverse("dashboard")
    except NoReverseMatch:
        dashboard_path = reverse("booking:list")
    return {
        "routes": routes,
        "offers": offers,
        "trains": sorted({offer["train"] for offer in offers}),
        "prefixes": suggestion_prefixes(60),
        "sessions": signed_in_users(sessions, prefix="load"),
        "logins": [[f"login{i}", LOGIN_PASSWORD] for i in range(logins)],
        "dashboard_path": dashboard_path,
    }


class MemorySampler(threading.Thread):
    """Every `interval` seconds, the resident memory of each gunicorn worker (by pid)."""

    def __init__(self, arbiter_pid, interval):
        super().__init__(daemon=True)
        self.arbiter_pid, self.interval = arbiter_pid, interval
        self.samples = []  # (seconds since start, pid, rss MiB)
        self.stopped = threading.Event()

    def run(self):
        import psutil

        started = time.monotonic()
        arbiter = psutil.Process(self.arbiter_pid)
        while not self.stopped.wait(self.interval):
            for worker in arbiter.children():
                try:
                    self.samples.append(
                        (round(time.monotonic() - started, 1), worker.pid, worker.memory_info().rss / 2**20)
                    )
                except psutil.NoSuchProcess:
                    pass

    def verdict(self, max_growth_mib):
        """Per worker: memory in the last third of the run against the middle third (after warm-up)."""
        growth = {}
        for pid in sorted({pid for _, pid, _ in self.samples}):
            series = [rss for _, p, rss in self.samples if p == pid]
            third = len(series) // 3
            if third < 3:
                continue
            middle, last = series[third : 2 * third], series[2 * third :]
            growth[pid] = round(sorted(last)[len(last) // 2] - sorted(middle)[len(middle) // 2], 1)
        return growth, [pid for pid, mib in growth.items() if mib > max_growth_mib]

    def write_csv(self, path):
        with open(path, "w", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(["seconds", "pid", "rss_mib"])
            writer.writerows(self.samples)


def load_average():
    """The 1-, 5- and 15-minute load averages (the machine is shared: every figure carries them)."""
    return [float(value) for value in Path("/proc/loadavg").read_text().split()[:3]]


def machine_busy_seconds():
    """CPU seconds every core of the machine has been busy since boot (/proc/stat: all but idle and
    iowait): what the run's own processes did not use of it, other work on the host did."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = ticks
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class CpuWindow(threading.Thread):
    """CPU seconds over Locust's measured window (its test_start to its test_stop, which the
    locustfile appends to the file RC_LOAD_WINDOW names) of the server, of the PostgreSQL backends
    serving the run's database, and of the load generator (the Locust process and any it forks):
    the generator shares the machine's cores with the server, so its share is reported beside."""

    def __init__(self, marks, server, generator_pid, database):
        super().__init__(daemon=True)
        self.marks, self.server, self.generator_pid, self.database = marks, server, generator_pid, database
        self.start_sample = self.end_sample = None
        self.finished = threading.Event()  # Locust has exited: stop waiting for a mark

    def wait_for(self, mark):
        while not self.finished.is_set():
            if self.marks.exists() and mark in self.marks.read_text().split():
                return True
            time.sleep(0.05)
        return False

    def sample(self, connection, before=None):
        return {
            "at": time.monotonic(),
            "server": self.server.cpu_seconds(),
            "generator": tree_cpu_seconds(self.generator_pid),
            # At the start, each backend's CPU so far; at the end, the backends' CPU since then.
            "postgres": backend_cpu(self.database, connection)
            if before is None
            else backend_cpu_since(self.database, before["postgres"], connection),
            "load_average": load_average(),
            "machine": machine_busy_seconds(),
        }

    def run(self):
        import psycopg

        # One connection for both samples, to the maintenance database (not counted).
        with psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True) as connection:
            if self.wait_for("start"):
                self.start_sample = self.sample(connection)
                if self.wait_for("stop"):
                    self.end_sample = self.sample(connection, self.start_sample)

    def summary(self, server_label, generator_label, requests):
        start, end = self.start_sample, self.end_sample
        if start is None or end is None:
            return None
        wall = end["at"] - start["at"]
        cpu = {
            "server": end["server"] - start["server"],
            "postgres_backends": end["postgres"],
            "load_generator": end["generator"] - start["generator"],
        }
        machine = end["machine"] - start["machine"]
        # Everything else on the host (other sessions' runs, warm-up tasks): the machine is shared.
        cpu["other_processes"] = max(0.0, machine - sum(cpu.values()))
        return {
            "window_s": round(wall, 2),
            "server": server_label,
            "load_generator": generator_label,
            "cpu_s": {name: round(seconds, 2) for name, seconds in cpu.items()},
            "cores": {name: round(seconds / wall, 2) for name, seconds in cpu.items()},
            "generator_to_server": round(cpu["load_generator"] / cpu["server"], 2) if cpu["server"] else None,
            # HTTP requests sent in the run (Locust's table without its OUTCOME rows).
            "requests": requests,
            "cpu_ms_per_request": {
                name: round(1000 * seconds / requests, 2) if requests else None
                for name, seconds in cpu.items()
                if name != "other_processes"
            },
            "load_average_start": start["load_average"],
            "load_average_end": end["load_average"],
            "cpus": os.cpu_count(),
        }


def print_cpu(cpu):
    if cpu is None:
        print("CPU: Locust's measured window was not seen (no test_start/test_stop marks)")
        return
    cores = cpu["cores"]
    print(
        f"CPU over the measured window ({cpu['window_s']} s), in cores of {cpu['cpus']}: "
        f"server ({cpu['server']}) {cores['server']}, PostgreSQL backends of the run's database "
        f"{cores['postgres_backends']}, load generator ({cpu['load_generator']}) "
        f"{cores['load_generator']} ({cpu['generator_to_server']:.0%} of the server's), every other "
        f"process on the host {cores['other_processes']}; "
        f"load average {' '.join(map(str, cpu['load_average_start']))} at the start, "
        f"{' '.join(map(str, cpu['load_average_end']))} at the end"
    )
    per_request = cpu["cpu_ms_per_request"]
    print(
        f"CPU per request ({cpu['requests']} requests), ms: server {per_request['server']}, PostgreSQL "
        f"{per_request['postgres_backends']}, load generator {per_request['load_generator']}"
    )


def print_table(stats_csv):
    """Locust's table in Markdown; returns the number of HTTP requests (OUTCOME rows are not)."""
    rows = list(csv.DictReader(open(stats_csv)))
    print("\n| request | count | failures | error % | p50 ms | p95 ms | p99 ms | req/s |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        count, failures = int(row["Request Count"]), int(row["Failure Count"])
        name = row["Name"] if row["Name"] != "Aggregated" else "**all**"
        print(
            f"| {name} | {count} | {failures} | {100 * failures / count if count else 0:.2f} | "
            f"{row['50%']} | {row['95%']} | {row['99%']} | {float(row['Requests/s']):.1f} |"
        )
    return sum(
        int(row["Request Count"]) for row in rows if row["Name"] != "Aggregated" and row["Type"] != "OUTCOME"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--duration", default="60s")
    parser.add_argument(
        "--classes", nargs="*", default=MIX, help=f"Locust user classes (default: {' '.join(MIX)})"
    )
    parser.add_argument(
        "--soak", type=int, default=0, help="soak seconds: sample worker memory, fail on growth"
    )
    parser.add_argument("--max-growth-mib", type=float, default=20.0)
    parser.add_argument(
        "--tatkal",
        action="store_true",
        help="Tatkal rush: --users passengers book one train, date and class in the same second",
    )
    parser.add_argument(
        "--serve",
        action="store_true",
        help="through the production set-up (scripts/serve.py: nginx in front of gunicorn)",
    )
    args = parser.parse_args()
    if args.serve and args.soak:
        parser.error("--soak samples gunicorn's workers directly: run it without --serve")
    RESULTS.mkdir(exist_ok=True)

    database_url = prepare_database(DATABASE)
    subprocess.run(["redis-cli", "-u", REDIS_URL, "FLUSHDB"], check=True, capture_output=True)
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    # Several accounts per simulated user (locustfile.ACCOUNTS_PER_USER): each stays within the
    # booking rate limit and the hold limits, which stay on (nothing here lifts a limit).
    accounts_per_user = int(os.environ.get("RC_ACCOUNTS_PER_USER", 4))
    catalogue = build_catalogue(sessions=args.users * accounts_per_user, logins=20)
    if args.tatkal:
        rush_date = add_rush_train()
        catalogue["rush_offer"] = {
            "train": "12051",
            "date": rush_date.isoformat(),
            "from": "RSHA",
            "to": "RSHB",
            "class": "2S",
        }
        args.classes, args.duration = ["TatkalRush"], "25s"
        args.spawn_rate = args.users  # everyone is waiting before the rush second
        # All of them book one inventory in the same second: the answers come from its one writer
        # (202 and the request's URL when the queue ahead is long). The p95 of every booking
        # request (the POST's first answer and each look at a queued request) must be under 1 s.
        os.environ.setdefault("RC_BOOKING_P95_MS", "1000")
        print(
            f"Rush: {args.users} passengers book train 12051 on {rush_date}, RSHA-RSHB, class 2S, "
            "General quota (100 seats), in the same second: the Tatkal opening's rush at one train, "
            "date and class, without Tatkal's clock (the General quota opens all day).",
            flush=True,
        )
    catalogue_path = RESULTS / "loadtest-catalogue.json"
    catalogue_path.write_text(json.dumps(catalogue))
    print(
        f"catalogue: {len(catalogue['routes'])} routes, {len(catalogue['offers'])} offers, "
        f"{len(catalogue['trains'])} trains",
        flush=True,
    )

    os.environ["BENCH_REDIS_URL"] = REDIS_URL
    # During a soak, workers are not recycled, so a leak cannot hide behind restarts.
    extra = {"GUNICORN_MAX_REQUESTS": "0"} if args.soak else {}
    # Every limit stays as configured: each simulated person connects from a loopback address of
    # their own (locustfile.own_address: the per-address limits, nginx's included, see one person)
    # and books for accounts of their own in turn (the per-account booking and hold limits).
    if args.serve:
        server = ProductionServer(database_url, extra)
    else:
        server = Server(database_url, extra)
    sampler = None
    try:
        subprocess.run(
            [PYTHON, str(ROOT / "manage.py"), "warm_cache"],
            check=True,
            capture_output=True,
            env={**os.environ, "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL},
        )
        if args.soak:
            sampler = MemorySampler(server.process.pid, interval=5)
            sampler.start()
        duration = f"{args.soak}s" if args.soak else args.duration
        prefix = RESULTS / (
            "loadtest-soak" if args.soak else "loadtest-tatkal" if args.tatkal else "loadtest"
        )
        Path(f"{prefix}_stats.csv").unlink(missing_ok=True)
        marks = Path(f"{prefix}_window.txt")
        marks.unlink(missing_ok=True)
        command = [
            str(Path(PYTHON).parent / "locust"),
            "-f",
            str(Path(__file__).with_name("locustfile.py")),
            "--headless",
            "-u",
            str(args.users),
            "-r",
            str(args.spawn_rate),
            "-t",
            duration,
            "-H",
            f"http://127.0.0.1:{server.port}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--stop-timeout",
            "10",
            *args.classes,
        ]
        print(f"load average before Locust starts: {' '.join(map(str, load_average()))}", flush=True)
        locust = subprocess.Popen(
            command,
            env={**os.environ, "RC_LOAD_CATALOGUE": str(catalogue_path), "RC_LOAD_WINDOW": str(marks)},
        )
        window = CpuWindow(marks, server, locust.pid, DATABASE)
        window.start()
        status = locust.wait()
        window.finished.set()
        window.join()
        requests = print_table(f"{prefix}_stats.csv")
        cpu = window.summary(
            "nginx + gunicorn" if args.serve else "gunicorn",
            "Locust, one process",
            requests,
        )
        print_cpu(cpu)
        save(f"{prefix.name}_cpu", {"args": vars(args), "cpu": cpu})
        if args.tatkal:
            outcome = booking_rush.verify(rush_date)
            print(f"Tatkal rush outcome: {outcome}")
            if (
                outcome["seat_sold_twice"]
                or not outcome["waitlist_contiguous"]
                or (outcome["waitlisted"] and outcome["confirmed"] != outcome["capacity_general"])
            ):
                print("RUSH INVARIANT BROKEN")
                status = status or 1
        if sampler:
            sampler.stopped.set()
            sampler.join()
            sampler.write_csv(RESULTS / "loadtest-soak-memory.csv")
            growth, growing = sampler.verdict(args.max_growth_mib)
            print(f"worker memory growth, last third vs middle third (MiB): {growth}")
            if growing:
                print(f"MEMORY KEEPS GROWING in workers {growing}")
                status = status or 1
        return status
    finally:
        server.stop()
        drop_database(DATABASE)


if __name__ == "__main__":
    sys.exit(main())
