"""What the cluster drills (tests/faults/test_cluster.py) and `make bench-cluster`
(benchmarks/bench_cluster.py) share: a private cluster (scripts/cluster.py) on free loopback
ports in a temporary folder, its data, a cookie-keeping client, bookings resent with their
Idempotency-Key, the replica metrics of each instance, and a timed GET load that records
every answer.
"""

import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .load_harness import Client, free_port
from .private_services import PrivateRedis
from .results import percentile

ROOT = Path(__file__).resolve().parent.parent
METRICS_TOKEN = secrets.token_hex(16)
# Connection refused or reset, RemoteDisconnected, socket timeouts, a body cut short.
RETRYABLE = (OSError, http.client.HTTPException)


def start_cluster(static_root, *, fsync=False, passengers=300, **env):
    """A running Cluster (2 instances) on free ports in a new temporary folder, with a private Redis
    (cluster.redis_process, to stop and start), its data (cluster.data: credentials, a passenger
    with a password), and its logs in cluster.logs. Stop it with stop_cluster()."""
    from scripts.cluster import Cluster

    # Not under pytest's private folders: the postgres user must reach its data directories.
    base = Path(tempfile.mkdtemp(prefix="railconnect-cluster-"))
    os.chmod(base, 0o755)
    saved_nginx_user = os.environ.get("SERVE_NGINX_USER")
    if os.geteuid() == 0:
        # nginx's workers would drop to www-data, who may not read a private static build.
        os.environ["SERVE_NGINX_USER"] = "root"
    redis = PrivateRedis()
    redis.start()
    settings = {
        "DEBUG": "0",
        "STATIC_ROOT": str(static_root),
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "4",
        "DATABASE_POOL_MAX": "4",
        "LOG_LEVEL": "WARNING",
        "BOOKING_RATE_LIMIT": "1000000",
        "PNR_RATE_LIMIT": "1000000",
        "SERVE_RATE_LIMIT": "0",
        "SERVE_CONNECTIONS_PER_CLIENT": "0",
        "METRICS_TOKEN": METRICS_TOKEN,
        "CACHE_KEY_PREFIX": f"cluster-{secrets.token_hex(4)}",
        "REPLICA_HEALTH_SECONDS": "0.25",
        # The scheduler's jobs write to the primary every second or so: WAL to replay.
        "SCHEDULER_TICK_SECONDS": "1",
        # The hello-world baseline (benchmarks/urls.py) beside the site.
        "ROOT_URLCONF": "benchmarks.urls",
    }
    settings.update({name: str(value) for name, value in env.items()})
    cluster = Cluster(
        base=base,
        port=free_port(),
        instances=2,
        primary_port=free_port(),
        replica_port=free_port(),
        partition_port=free_port(),
        redis_url=redis.url,
        fsync=fsync,
        seed=False,
        quiet=True,
        env=settings,
    )
    cluster.redis_process = redis
    cluster.saved_nginx_user = saved_nginx_user
    cluster.logs = base / "logs"
    cluster.logs.mkdir()
    try:
        cluster.start(logs=cluster.logs)
        output = subprocess.run(
            [sys.executable, "-m", "testsupport.cluster_data", "drill", str(passengers)],
            cwd=ROOT,
            env=cluster.app_env(),
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        cluster.data = json.loads(output.strip().splitlines()[-1])
        wait_for_site(cluster.port)
    except BaseException:
        stop_cluster(cluster, show_logs=True)
        raise
    return cluster


def stop_cluster(cluster, *, show_logs=False):
    try:
        cluster.stop()
    finally:
        cluster.redis_process.stop_if_running()
        if show_logs:
            for log in sorted(cluster.logs.glob("*.log")):
                lines = log.read_text(errors="replace").splitlines()
                print(f"\n--- last lines of {log} ---\n" + "\n".join(lines[-40:]))
        shutil.rmtree(cluster.base, ignore_errors=True)
        if cluster.saved_nginx_user is None:
            os.environ.pop("SERVE_NGINX_USER", None)
        else:
            os.environ["SERVE_NGINX_USER"] = cluster.saved_nginx_user


def wait_for_site(port, seconds=60):
    deadline = time.monotonic() + seconds
    client = Client(port, None, timeout=10)
    last = None
    while time.monotonic() < deadline:
        try:
            last = client.request("GET", "/pnr")[0]
            if last == 200:
                return
        except RETRYABLE as error:
            last = repr(error)
            client.close()
        time.sleep(0.2)
    raise AssertionError(f"the cluster on port {port} did not answer in {seconds} s (last: {last})")


def letters(number):
    """A name part from a number (passenger names are letters only): 0 -> "A", 27 -> "Ch"."""
    return "".join(chr(ord("A") + int(digit)) for digit in str(number)).capitalize()


def booking_body(name, age=30):
    from .bookings import travel_date

    return {
        "train": "12002",
        "date": travel_date().isoformat(),
        "from": "AAA",
        "to": "DDD",
        "class": "SL",
        "passengers": [{"name": name, "age": age, "gender": "F"}],
    }


def book_with_retries(client, body, key, attempts=10):
    """POST a booking; on a lost answer (a 502 from nginx, a reset) send it again with the same key.
    (final status, PNR or the start of the refusal, number of sends)."""
    for attempt in range(1, attempts + 1):
        try:
            status, _headers, data = client.until_decided(
                client.request(
                    "POST",
                    "/api/bookings",
                    json.dumps(body),
                    {"Content-Type": "application/json", "Idempotency-Key": key},
                )
            )
        except RETRYABLE:
            client.close()
            time.sleep(0.2)
            continue
        if status in (502, 503, 504):
            time.sleep(0.2)
            continue
        if status not in (200, 201):
            return status, data[:200], attempt
        return status, json.loads(data)["pnr"], attempt
    return "gave up", None, attempts


class Bookers:
    """Passengers booking through the cluster while a drill breaks something: each of `threads`
    threads takes the next of `passengers` accounts, books once with its own Idempotency-Key
    (resent on a lost answer, book_with_retries) and records (status, PNR, sends) by key."""

    def __init__(self, cluster, *, passengers, threads, key_prefix, name_prefix):
        self.cluster = cluster
        self.key_prefix, self.name_prefix = key_prefix, name_prefix
        self.outcomes = {}
        self._lock = threading.Lock()
        self._next = iter(range(passengers))
        self._stop = threading.Event()
        self.threads = [threading.Thread(target=self._book, daemon=True) for _ in range(threads)]

    def _book(self):
        credentials = self.cluster.data["credentials"]
        while not self._stop.is_set():
            index = next(self._next, None)
            if index is None:
                return
            client = Client(self.cluster.port, tuple(credentials[index]), timeout=30)
            key = f"{self.key_prefix}-{index}"
            outcome = book_with_retries(client, booking_body(f"{self.name_prefix} {letters(index)}"), key)
            client.close()
            with self._lock:
                self.outcomes[key] = outcome

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self._stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


class Browser(Client):
    """A Client that keeps the cookies the site sets (the read-your-writes cookie among them)."""

    def __init__(self, port, credentials):
        super().__init__(port, credentials)
        self.jar = {}

    def request(self, method, path, body=None, headers=None):
        all_headers = dict(headers or {})
        cookies = dict(self.jar)
        if self.sessionid:
            cookies.update({"sessionid": self.sessionid, "csrftoken": self.csrf})
        if cookies:
            all_headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        status, response_headers, data = super().request(method, path, body, all_headers)
        for value in response_headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.jar[name.strip()] = rest.split(";", 1)[0]
        return status, response_headers, data


def pnr_status(client, pnr):
    """The booking's status on the public PNR page."""
    status, _headers, body = client.request("GET", f"/pnr/{pnr}")
    assert status == 200, (status, body[:300])
    return re.search(rb"<dt>Booking</dt><dd>([^<]*)</dd>", body).group(1).decode()


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP to one app instance's unix socket (behind nginx, /metrics wants its token)."""

    def __init__(self, path):
        super().__init__("localhost", timeout=20)
        self.socket_path = str(path)

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(20)
        self.sock.connect(self.socket_path)


def replica_metrics(socket_path):
    """The railconnect_db_replica_* series of one app instance (its /metrics, from its socket)."""
    connection = UnixHTTPConnection(socket_path)
    try:
        connection.request("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        output = connection.getresponse().read().decode()
    finally:
        connection.close()
    values = {}
    for line in output.splitlines():
        if line.startswith("railconnect_db_replica"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def fallbacks(cluster, reason):
    """railconnect_db_replica_fallbacks_total{reason} summed over the instances."""
    name = f'railconnect_db_replica_fallbacks_total{{reason="{reason}"}}'
    return sum(
        replica_metrics(cluster.socket_path(n)).get(name, 0.0) for n in range(1, cluster.instances + 1)
    )


def replica_lag(cluster):
    return max(
        replica_metrics(cluster.socket_path(n)).get("railconnect_db_replica_lag_seconds", 0.0)
        for n in range(1, cluster.instances + 1)
    )


def bookings_with_key(cluster, key):
    """Bookings made with `key`, on every primary (a train's bookings live on its partition)."""
    total = 0
    for node in (cluster.primary, cluster.partition):
        try:
            rows = node.execute(
                f"SELECT count(*) FROM booking_booking WHERE idempotency_key = '{key}'", "railconnect"
            )
        except Exception:  # noqa: BLE001  no booking table on this primary (no partitions yet)
            continue
        total += int(rows[0][0])
    return total


def rows_returned(node):
    """Rows the server has returned to queries in the railconnect database (pg_stat_database)."""
    return int(node.execute("SELECT tup_returned FROM pg_stat_database WHERE datname = 'railconnect'")[0][0])


def public_paths():
    from .bookings import travel_date

    date = travel_date().isoformat()
    return ["/api/stations?q=alp", "/pnr", f"/api/trains/search?from=AAA&to=DDD&date={date}"]


@dataclass
class Answer:
    started: float
    seconds: float
    status: object


@dataclass
class Load:
    """`threads` clients GET `paths` in turn (each its own keep-alive connection) until stopped;
    every answer is kept with its start time. Also the load generator's own CPU time."""

    port: int
    paths: list
    threads: int = 3
    credentials: object = None
    pause: float = 0.0
    answers: list = field(default_factory=list)

    def __post_init__(self):
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.pool = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(self.threads)]

    def _run(self, number):
        client = Client(self.port, self.credentials, timeout=30)
        iteration = 0
        while not self.stop_event.is_set():
            path = self.paths[(number + iteration) % len(self.paths)]
            iteration += 1
            started = time.monotonic()
            try:
                status = client.request("GET", path)[0]
            except RETRYABLE as error:
                client.close()
                status = type(error).__name__
            with self.lock:
                self.answers.append(Answer(started, time.monotonic() - started, status))
            if self.pause:
                time.sleep(self.pause)
        client.close()

    def __enter__(self):
        self.cpu = time.process_time()
        self.wall = time.monotonic()
        for thread in self.pool:
            thread.start()
        return self

    def stop(self):
        self.stop_event.set()
        for thread in self.pool:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in self.pool), "a load thread hung"
        self.cpu = time.process_time() - self.cpu
        self.ended = time.monotonic()
        self.wall = self.ended - self.wall

    def __exit__(self, *exc):
        if not self.stop_event.is_set():
            self.stop()

    def statuses(self, since=None):
        return Counter(a.status for a in self.answers if since is None or a.started >= since)

    def summary(self, since=None, until=None):
        chosen = [
            a
            for a in self.answers
            if (since is None or a.started >= since) and (until is None or a.started < until)
        ]
        ms = [a.seconds * 1000 for a in chosen if a.status == 200]
        end = min(until, self.ended) if until is not None else self.ended
        span = end - (since if since is not None else self.ended - self.wall)
        return {
            "requests": len(chosen),
            "ok_per_s": round(len(ms) / span, 1) if span > 0 else None,
            "statuses": {str(k): v for k, v in Counter(a.status for a in chosen).items()},
            "p50_ms": round(percentile(ms, 0.50), 1) if ms else None,
            "p95_ms": round(percentile(ms, 0.95), 1) if ms else None,
            "p99_ms": round(percentile(ms, 0.99), 1) if ms else None,
            "max_ms": round(max(ms), 1) if ms else None,
        }
