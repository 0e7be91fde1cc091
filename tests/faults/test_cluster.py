"""Drills on the scale-out topology (`make run-cluster`, scripts/cluster.py), one cluster for the
module: nginx over two gunicorn instances, a private PostgreSQL primary with a streaming replica
(pg_basebackup) and a second primary, a private Redis, one task worker and one scheduler.

- One app instance is killed (SIGKILL, arbiter and workers at once) in the middle of the load:
  no public GET fails (nginx sends it to the other instance), and every booking POST sent with an
  Idempotency-Key is decided, at once or by sending it again with the same key, to one PNR.
- Replica: a passenger who just booked or cancelled sees it at once (read-your-writes) while the
  replica's replay is paused, when another visitor still reads the replica's older copy (which
  shows the reads do go to the replica); once the lag passes REPLICA_MAX_LAG_SECONDS everybody
  reads the primary; stopping the replica under load costs no request (no 5xx), and reads go back
  to it when it is back.
- Redis restarted under load: no 5xx, and a passenger logged in through the real form before the
  restart is still logged in after it (sessions are rows in PostgreSQL).

PostgreSQL pass only; skipped with the reason when PostgreSQL's server programs, nginx or
redis-server are missing (never under REQUIRE_SERVICES=1).
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from testsupport.bookings import travel_date
from testsupport.load_harness import Client, free_port
from testsupport.private_services import PrivateRedis

from .helpers import RETRYABLE, LoadThreads, Recorder, log_in

ROOT = Path(__file__).resolve().parent.parent.parent
METRICS_TOKEN = secrets.token_hex(16)
MAX_LAG = 4.0


def _skip_or_fail(reason):
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def cluster(request, tmp_path_factory):
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("needs PostgreSQL: runs in the second pass of `make test` (DATABASE_URL=postgres://...)")
    from scripts.cluster import Cluster, missing_programs

    problems = missing_programs(need_redis=True)
    if problems:
        _skip_or_fail("; ".join(problems))
    built_static = os.environ.get("FAULTS_STATIC_ROOT") or request.getfixturevalue("built_static")
    # Not under pytest's private temporary folder: the postgres user must reach its data directories.
    base = Path(tempfile.mkdtemp(prefix="railconnect-cluster-"))
    os.chmod(base, 0o755)
    if os.geteuid() == 0:
        # nginx's workers would drop to www-data, who cannot read pytest's private static build.
        saved_nginx_user = os.environ.get("SERVE_NGINX_USER")
        os.environ["SERVE_NGINX_USER"] = "root"
    redis = PrivateRedis()
    redis.start()
    cluster = Cluster(
        base=base,
        port=free_port(),
        instances=2,
        primary_port=free_port(),
        replica_port=free_port(),
        partition_port=free_port(),
        redis_url=redis.url,
        fsync=False,
        seed=False,
        quiet=True,
        env={
            "DEBUG": "0",
            "STATIC_ROOT": str(built_static),
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
            "REPLICA_MAX_LAG_SECONDS": str(MAX_LAG),
            "REPLICA_HEALTH_SECONDS": "0.25",
            # The scheduler's jobs write to the primary every few seconds: WAL to replay.
            "SCHEDULER_TICK_SECONDS": "1",
        },
    )
    cluster.redis_process = redis
    logs = base / "logs"
    logs.mkdir()
    try:
        cluster.start(logs=logs)
        data = subprocess.run(
            [sys.executable, "-m", "testsupport.cluster_data", "drill", "300"],
            cwd=ROOT,
            env=cluster.app_env(),
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        cluster.data = json.loads(data.strip().splitlines()[-1])
        cluster.logs = logs
        wait_for_site(cluster.port)
        yield cluster
    finally:
        cluster.stop()
        redis.stop_if_running()
        if request.session.testsfailed:
            for log in sorted(logs.glob("*.log")):
                lines = log.read_text(errors="replace").splitlines()
                print(f"\n--- last lines of {log} ---\n" + "\n".join(lines[-40:]))
        shutil.rmtree(base, ignore_errors=True)
        if os.geteuid() == 0:
            if saved_nginx_user is None:
                os.environ.pop("SERVE_NGINX_USER", None)
            else:
                os.environ["SERVE_NGINX_USER"] = saved_nginx_user


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
    """A passenger name part from a number (names are letters only): 0 -> "Aa", 27 -> "Bb"."""
    return "".join(chr(ord("A") + int(d)) for d in str(number)).capitalize()


def booking_body(name, age=30):
    return {
        "train": "12002",
        "date": travel_date().isoformat(),
        "from": "AAA",
        "to": "DDD",
        "class": "SL",
        "passengers": [{"name": name, "age": age, "gender": "F"}],
    }


def book_with_retries(client, body, key, attempts=10):
    """POST a booking; on a lost answer (502 from nginx, a reset) send it again with the same key.
    Returns (final status, PNR or None, number of sends)."""
    for attempt in range(1, attempts + 1):
        try:
            status, headers, data = client.until_decided(
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


def metrics(port, socket_path):
    """The replica metrics of one instance (its /metrics, straight from its socket)."""
    result = subprocess.run(
        [
            "curl",
            "-s",
            "--unix-socket",
            str(socket_path),
            "-H",
            f"Authorization: Bearer {METRICS_TOKEN}",
            "http://localhost/metrics",
        ],
        capture_output=True,
        text=True,
        timeout=20,
    ).stdout
    values = {}
    for line in result.splitlines():
        if line.startswith("railconnect_db_replica"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def fallbacks(cluster, reason):
    return sum(
        metrics(cluster.port, cluster.socket_path(n)).get(
            f'railconnect_db_replica_fallbacks_total{{reason="{reason}"}}', 0.0
        )
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
        except Exception:  # noqa: BLE001  the table is not on this primary (no partitions yet)
            continue
        total += int(rows[0][0])
    return total


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
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        status, response_headers, data = super().request(method, path, body, all_headers)
        for value in response_headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.jar[name.strip()] = rest.split(";", 1)[0]
        return status, response_headers, data


def pnr_status(client, pnr):
    status, _headers, body = client.request("GET", f"/pnr/{pnr}")
    assert status == 200, (status, body[:300])
    return re.search(rb"<dt>Booking</dt><dd>([^<]*)</dd>", body).group(1).decode()


def public_get_load(cluster, recorder, threads=3):
    paths = [
        "/api/stations?q=alp",
        "/pnr",
        "/api/trains/search?from=AAA&to=DDD&date=" + travel_date().isoformat(),
    ]

    def step(number, iteration):
        if not hasattr(local, "client"):
            local.client = Client(cluster.port, None, timeout=30)
        recorder.call(local.client, "get", "GET", paths[(number + iteration) % len(paths)])
        time.sleep(0.02)

    local = threading.local()
    return LoadThreads(threads, step)


def test_killing_an_app_instance_mid_load_loses_no_request(cluster):
    credentials = cluster.data["credentials"]
    recorder = Recorder()
    outcomes = {}
    lock = threading.Lock()
    counter = iter(range(200))

    def booker(number, iteration):
        index = next(counter, None)
        if index is None:
            time.sleep(0.05)
            return
        client = Client(cluster.port, tuple(credentials[index]), timeout=30)
        key = f"kill-{index}"
        outcome = book_with_retries(client, booking_body(f"Kill Drill {letters(index)}"), key)
        client.close()
        with lock:
            outcomes[key] = outcome

    getters = public_get_load(cluster, recorder)
    bookers = LoadThreads(3, booker)
    with getters, bookers:
        time.sleep(3)
        cluster.kill_app(1)
        killed_at = time.monotonic()
        time.sleep(4)
        getters.stop()
        bookers.stop()
    # Back to two instances for the next drills.
    cluster.apps[0] = cluster.start_app(1, cluster.logs / "app-1.log")

    gets = Counter(answer.status for answer in recorder.answers)
    assert gets and set(gets) == {200}, gets
    after_kill = [a for a in recorder.answers if a.started >= killed_at]
    assert len(after_kill) > 20, "the load went on after the kill"
    assert outcomes, "bookings were made"
    statuses = Counter(status for status, _pnr, _sends in outcomes.values())
    # Decided at once (201) or after a 202 on the request's URL (200): the same document.
    assert set(statuses) <= {200, 201}, (statuses, list(outcomes.values())[:3])
    for key, (_status, pnr, _sends) in outcomes.items():
        assert pnr and bookings_with_key(cluster, key) == 1, key
    resent = sum(1 for _s, _p, sends in outcomes.values() if sends > 1)
    print(
        f"\n{len(recorder.answers)} GETs all 200 ({len(after_kill)} after the kill); "
        f"{len(outcomes)} bookings, {resent} resent with their key, each one PNR"
    )


def test_replica_paused_or_stopped_never_shows_a_passenger_stale_status(cluster):
    credentials = [tuple(c) for c in cluster.data["credentials"]]
    passenger = Browser(cluster.port, credentials[250])
    visitor = Browser(cluster.port, None)
    status, pnr, _sends = book_with_retries(passenger, booking_body("Replica Drill"), "replica-1")
    assert status == 201
    # Read-your-writes right after the booking, and the visitor finds it too (replica, or its 404
    # asked again of the primary).
    assert pnr_status(passenger, pnr) == "Awaiting payment"
    assert pnr_status(visitor, pnr) == "Awaiting payment"
    assert "rc_written" in passenger.jar

    cluster.replica.execute("SELECT pg_wal_replay_pause()")
    try:
        status, _headers, body = passenger.request(
            "POST", f"/api/bookings/{pnr}/cancel", "{}", {"Content-Type": "application/json"}
        )
        assert status == 200, body[:300]
        cancelled_at = time.monotonic()
        # The passenger: the primary (the replica has not replayed the cancellation).
        assert pnr_status(passenger, pnr) == "Cancelled"
        # A visitor within the lag threshold: the replica's copy, from before the cancellation.
        seen = pnr_status(visitor, pnr)
        assert time.monotonic() - cancelled_at < MAX_LAG - 1, "too slow to check within the threshold"
        assert seen == "Awaiting payment", seen
        before = fallbacks(cluster, "lag")
        time.sleep(MAX_LAG + 1.5)
        # Past the threshold: everybody reads the primary.
        assert pnr_status(visitor, pnr) == "Cancelled"
        assert pnr_status(passenger, pnr) == "Cancelled"
        assert fallbacks(cluster, "lag") > before
        lag = max(
            metrics(cluster.port, cluster.socket_path(n)).get("railconnect_db_replica_lag_seconds", 0)
            for n in (1, 2)
        )
        assert lag > MAX_LAG, lag
    finally:
        cluster.replica.execute("SELECT pg_wal_replay_resume()")
    time.sleep(1)
    assert pnr_status(visitor, pnr) == "Cancelled"  # replayed

    # The replica stops under load: nobody gets an error; the passenger's pages stay fresh.
    recorder = Recorder()
    with public_get_load(cluster, recorder) as load:
        time.sleep(1)
        cluster.replica.stop("fast")
        stopped_at = time.monotonic()
        status, pnr2, _sends = book_with_retries(passenger, booking_body("Replica Down", 31), "replica-2")
        assert status == 201
        assert pnr_status(passenger, pnr2) == "Awaiting payment"
        assert pnr_status(visitor, pnr2) == "Awaiting payment"
        time.sleep(2)
        load.stop()
    statuses = Counter(answer.status for answer in recorder.answers)
    assert set(statuses) == {200}, statuses
    slowest = max(a.seconds for a in recorder.answers if a.started >= stopped_at)
    assert slowest < 1.5, f"a request took {slowest:.2f} s while the replica was down"
    assert fallbacks(cluster, "down") > 0

    # Back: reads go to the replica again (its own statistics count the rows it returns).
    cluster.replica.start()
    time.sleep(1.5)

    def returned():
        return int(
            cluster.replica.execute(
                "SELECT tup_returned FROM pg_stat_database WHERE datname = 'railconnect'"
            )[0][0]
        )

    before = returned()
    for _ in range(20):
        pnr_status(visitor, pnr2)
    deadline = time.monotonic() + 5
    while returned() <= before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert returned() > before, "the replica serves reads again"


def test_redis_restarted_mid_load_keeps_sessions_and_answers(cluster):
    session = log_in(cluster.port, cluster.data["username"], cluster.data["password"])
    signed_in = Client(cluster.port, session)
    assert signed_in.request("GET", "/dashboard")[0] == 200
    recorder = Recorder()

    def step(number, iteration):
        client = clients[number]
        path = ["/dashboard", "/bookings/", "/api/stations?q=del", "/pnr"][(number + iteration) % 4]
        recorder.call(client, "get", "GET", path)
        time.sleep(0.02)

    clients = [Client(cluster.port, session) for _ in range(3)]
    with LoadThreads(3, step) as load:
        time.sleep(1)
        cluster.redis_process.stop()
        time.sleep(2)
        cluster.redis_process.start()
        time.sleep(2)
        load.stop()
    statuses = Counter(answer.status for answer in recorder.answers)
    assert set(statuses) == {200}, statuses  # no 5xx, and never sent to the log-in page (302)
    status, headers, _body = signed_in.request("GET", "/dashboard")
    assert status == 200, headers.get("Location")
