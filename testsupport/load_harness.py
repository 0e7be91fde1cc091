"""What the booking benchmarks share: a fresh PostgreSQL database, signed-in users, gunicorn on a
free port, and an HTTP load generator (standard library http.client, one keep-alive connection
per client thread) that records every request's latency and status.

Only loopback is ever targeted, every run is bounded in requests and time, and everything started
here (gunicorn, the database) is stopped or dropped at the end.
"""

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .databases import POSTGRES_ADMIN_URL, PYTHON, ROOT, fresh_database
from .results import percentile, save


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(name):
    """A migrated, empty PostgreSQL database; Django set up on it in this process."""
    url = fresh_database("postgres", name)
    flush_bench_redis()
    os.environ["DATABASE_URL"] = url
    os.environ["REDIS_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "railconnect.settings")
    import django

    django.setup()
    return url


def flush_bench_redis():
    """Empty the Redis database BENCH_REDIS_URL names, if any: what a run on another database cached
    there (a train's route under the same timetable version) must not answer for this one."""
    url = os.environ.get("BENCH_REDIS_URL")
    if url:
        subprocess.run(["redis-cli", "-u", url, "FLUSHDB"], check=True, capture_output=True)


def drop_database(name):
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def signed_in_users(count, prefix="bench"):
    """`count` users, each with a saved session: [(sessionid, csrf token)], the i-th for user
    f"{prefix}{i}". No password hashing; sessions written in bulk (thousands take a second). Their
    mobile numbers are verified, so they may book Tatkal (booking/tatkal_rules.py)."""
    import datetime

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    User = get_user_model()
    User.objects.bulk_create(
        [
            User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.com", password="!unusable")
            for i in range(count)
        ],
        batch_size=1000,
    )
    users = list(User.objects.filter(username__regex=rf"^{prefix}[0-9]+$").order_by("id"))
    from accounts.models import Account

    Account.objects.bulk_create(
        [
            Account(user=user, mobile=f"+91{7000000000 + index}", mobile_verified_at=timezone.now())
            for index, user in enumerate(users)
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    store = SessionStore()
    expires = timezone.now() + datetime.timedelta(seconds=store.get_session_cookie_age())
    sessions = [
        Session(
            session_key=get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789"),
            expire_date=expires,
            session_data=store.encode(
                {
                    SESSION_KEY: str(user.pk),
                    HASH_SESSION_KEY: user.get_session_auth_hash(),
                    BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                }
            ),
        )
        for user in users
    ]
    Session.objects.bulk_create(sessions, batch_size=1000)
    return [
        (session.session_key, secrets.token_hex(16)) for session in sessions
    ]  # a 32-character CSRF secret


def party(rng, count, name):
    """`count` different passengers for one booking (the same person twice is refused)."""
    first = rng.randint(18, 80 - count)
    return [{"name": name, "age": first + i, "gender": rng.choice("MF")} for i in range(count)]


def stop_process(process, stop_signal, *, timeout):
    """Ask a server to stop, and kill it if it has not within `timeout` seconds."""
    if process.poll() is None:
        process.send_signal(stop_signal)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def child_pids(pid):
    """The processes `pid` has started, at this moment (Linux /proc)."""
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


TICK = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid):
    """CPU (user + system) used so far by `pid` and by its children it has waited for: a worker
    that exited (a recycled gunicorn worker, a finished Locust process) still counts, in its
    parent's cutime/cstime (Linux /proc/<pid>/stat). 0 when the process is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / TICK


def tree_cpu_seconds(root_pid):
    """CPU used so far by `root_pid` and every process under it (live or waited for)."""
    total, pending = 0.0, [root_pid]
    while pending:
        pid = pending.pop()
        total += process_cpu_seconds(pid)
        pending.extend(child_pids(pid))
    return total


def backend_cpu(database, connection=None):
    """CPU seconds so far of each PostgreSQL backend connected to `database` (pid -> seconds).
    The server is on this machine: its backends' /proc entries are readable."""
    import psycopg

    query = "SELECT pid FROM pg_stat_activity WHERE datname = %s"
    if connection is None:
        with psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True) as own:
            pids = [row[0] for row in own.execute(query, [database])]
    else:
        pids = [row[0] for row in connection.execute(query, [database])]
    cpu = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return cpu


def backend_cpu_since(database, before, connection=None):
    """CPU the backends of `database` used since `before` (a backend opened since counts whole;
    one that closed since is not counted: the run's connection pools keep theirs open)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in backend_cpu(database, connection).items())


class Server:
    """gunicorn with the project's gunicorn.conf.py on a free loopback port (also used by the fault
    tests in tests/faults/, which give it their own environment and log file)."""

    def __init__(self, database_url, extra_env=None, log_path=None):
        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", ""),
            "GUNICORN_ACCESS_LOG": "",
            **(extra_env or {}),
        }
        if log_path is None:
            (ROOT / "bench-results").mkdir(exist_ok=True)
            log_path = ROOT / "bench-results" / f"gunicorn-{self.port}.log"
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "railconnect.wsgi",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited: see {self.log.name}") from None
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start in 30 s")

    def worker_pids(self):
        """The arbiter's worker processes at this moment (Linux /proc)."""
        return child_pids(self.process.pid)

    def cpu_seconds(self):
        """CPU used so far by gunicorn's arbiter and workers, recycled ones included (Linux /proc)."""
        return tree_cpu_seconds(self.process.pid)

    def stop(self):
        stop_process(self.process, signal.SIGTERM, timeout=20)
        self.log.close()


class ProductionServer:
    """The production set-up as `make serve` runs it (scripts/serve.py: nginx in front of gunicorn
    on a unix socket) on a free loopback port, with its own run folder.
    stop() sends what Ctrl-C sends and returns scripts/serve.py's exit status."""

    def __init__(self, database_url, extra_env=None, log_path=None):
        import tempfile

        from railconnect.secret_key import local_secret_key

        self.port = free_port()
        # A short path (unix socket paths are limited to 108 bytes), outside private temporary folders.
        self.run_dir = Path(tempfile.mkdtemp(prefix="rc-serve-"))
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DATABASE_URL": database_url,
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", ""),
            # The checkout's key, as `make run` and this process use: sessions made here stay valid.
            "SECRET_KEY": os.environ.get("SECRET_KEY") or local_secret_key(ROOT / "var" / "secret_key"),
            "DEBUG": "0",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "SERVE_RUN_DIR": str(self.run_dir),
            **(extra_env or {}),
        }
        self.static_root = Path(env.get("STATIC_ROOT") or ROOT / "staticfiles")
        if log_path is None:
            (ROOT / "bench-results").mkdir(exist_ok=True)
            log_path = ROOT / "bench-results" / f"serve-{self.port}.log"
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "scripts.serve"], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while "make serve: http://" not in Path(log_path).read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"make serve did not start: see {log_path}")
            time.sleep(0.2)

    def children(self):
        """nginx's master and gunicorn's arbiter (Linux /proc)."""
        return child_pids(self.process.pid)

    def cpu_seconds(self):
        """CPU used so far by nginx (master and workers), gunicorn (arbiter and workers) and
        scripts/serve.py, which only waits (Linux /proc)."""
        return tree_cpu_seconds(self.process.pid)

    def stop(self):
        import shutil

        stop_process(self.process, signal.SIGINT, timeout=60)
        self.log.close()
        shutil.rmtree(self.run_dir, ignore_errors=True)
        return self.process.returncode


@dataclass
class Result:
    latencies: list = field(default_factory=list)
    timeline: list = field(default_factory=list)  # (seconds since start, latency)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    passenger_statuses: Counter = field(default_factory=Counter)
    started: float = 0.0
    finished: float = 0.0
    client_cpu_s: float = 0.0
    first_answers: list = field(default_factory=list)  # seconds to the first answer (a 202 or the outcome)
    queued_202: int = 0
    looks: int = 0  # GETs of queued requests' URLs: each costs the server a request too
    # Open loop: how late each request left against its schedule (a busy client thread, or a
    # generator short of CPU). Latencies count from the schedule, so lateness is never hidden.
    send_lags: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, seconds, status, body=None, error=None, first=None):
        with self.lock:
            self.latencies.append(seconds)
            self.first_answers.append(seconds if first is None else first)
            self.timeline.append((time.perf_counter() - seconds - self.started, seconds))
            self.statuses[status] += 1
            if error:
                self.errors[error] += 1
            if body:
                for passenger in body.get("passengers", []):
                    self.passenger_statuses[passenger["status"].split(" ")[0]] += 1

    def per_second(self):
        """p95 latency (ms) of the requests sent in each second of the run: shows when queues built."""
        buckets = {}
        for sent, seconds in self.timeline:
            buckets.setdefault(int(max(sent, 0)), []).append(seconds * 1000)
        return {second: round(percentile(values, 0.95), 1) for second, values in sorted(buckets.items())}

    def summary(self):
        ms = [value * 1000 for value in self.latencies]
        elapsed = self.finished - self.started
        ok = self.statuses.get(201, 0)
        refused = self.statuses.get(409, 0)  # a rule's outcome (hold limit, REGRET), not an error
        first = [value * 1000 for value in self.first_answers]
        return {
            "requests": len(ms),
            "created_201": ok,
            "refused_409": refused,
            "answered_202_first": self.queued_202,
            "looks": self.looks,
            "errors": len(ms) - ok - refused,
            "first_answer_ms": {
                "p50": round(percentile(first, 0.50), 1) if first else None,
                "p95": round(percentile(first, 0.95), 1) if first else None,
                "p99": round(percentile(first, 0.99), 1) if first else None,
            },
            "statuses": dict(self.statuses),
            "error_kinds": dict(self.errors),
            "elapsed_s": round(elapsed, 3),
            "throughput_per_s": round(ok / elapsed, 1) if elapsed else 0,
            "p50_ms": round(percentile(ms, 0.50), 1) if ms else None,
            "p95_ms": round(percentile(ms, 0.95), 1) if ms else None,
            "p99_ms": round(percentile(ms, 0.99), 1) if ms else None,
            "max_ms": round(max(ms), 1) if ms else None,
            "passenger_statuses": dict(self.passenger_statuses),
            # CPU the load generator itself used: it shares the machine's 2 cores with the server.
            "client_cpu_s": round(self.client_cpu_s, 2),
            "send_lag_ms": {
                "p50": round(percentile(lags, 0.50), 1),
                "p95": round(percentile(lags, 0.95), 1),
                "max": round(max(lags), 1),
            }
            if (lags := [value * 1000 for value in self.send_lags])
            else None,
        }


def next_look_seconds(headers, body):
    """When a client looks at a queued request again: after its estimated wait (the 202's
    "estimated_wait_ms", at least 0.1 s), at most its Retry-After (whole seconds, HTTP's unit)."""
    retry_after = float(headers.get("Retry-After", 1))
    try:
        estimated = json.loads(body)["estimated_wait_ms"] / 1000
    except (ValueError, KeyError, TypeError):
        return retry_after
    return min(retry_after, max(0.1, estimated))


class Client:
    """One keep-alive HTTP connection acting for a signed-in user (credentials None: a visitor)."""

    def __init__(self, port, credentials, timeout=30):
        self.port = port
        self.act_as(credentials)
        self.timeout = timeout
        self.connection = None
        self.reconnects = 0  # requests sent again on a new connection after the old one was closed
        self.looks = 0  # GETs of a queued request's URL (until_decided)

    def act_as(self, credentials):
        """Send the next requests as another signed-in user (on the same connection, as many
        passengers behind one proxy would)."""
        self.sessionid, self.csrf = credentials or (None, None)

    def until_decided(self, answer, poll_seconds=0.05):
        """Given the (status, headers, body) of POST /api/bookings: while it is 202 (queued), GET
        its Location until decided, after `poll_seconds` each time (None: the answer's Retry-After,
        as a passenger's client waits)."""
        status, headers, data = answer
        location = headers.get("Location")
        while status == 202:
            time.sleep(next_look_seconds(headers, data) if poll_seconds is None else poll_seconds)
            status, headers, data = self.request("GET", location)
            self.looks += 1
        return status, headers, data

    def request(self, method, path, body=None, headers=None):
        """(status, headers (an http.client.HTTPMessage: case-insensitive, get_all), body bytes)."""
        all_headers = {"Referer": f"http://127.0.0.1:{self.port}/"}
        if self.sessionid:
            all_headers["Cookie"] = f"sessionid={self.sessionid}; csrftoken={self.csrf}"
            if method not in ("GET", "HEAD"):
                all_headers["X-CSRFToken"] = self.csrf
        all_headers.update(headers or {})
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.connection.request(method, path, body, all_headers)
                response = self.connection.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.connection.close()
                    self.connection = None
                return response.status, response.msg, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: reconnect once (not a failed booking).
                self.connection.close()
                self.connection = None
                if attempt:
                    raise
                self.reconnects += 1
        raise RuntimeError("unreachable")

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def warm_up(port, path, count=40, parallel=16):
    """GET `path` from `parallel` clients at once, `count` times each, so both workers have loaded
    their code and caches and opened their database pool connections before measuring."""

    def fetch():
        for _ in range(count):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                connection.request("GET", path)
                connection.getresponse().read()
            finally:
                connection.close()

    pool = [threading.Thread(target=fetch) for _ in range(parallel)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


def book(client, result, body, key, due=None):
    """POST one booking as a passenger's client does: on 202 (queued) GET the request's URL until
    it is decided. Records the time to the first answer and to the final outcome, from `due` (the
    moment an open loop scheduled it: a passenger pressing the button) or else from now; a rule's
    refusal (409: hold limit, REGRET) is an outcome, not an error."""
    start = time.perf_counter() if due is None else due
    looks_before = client.looks
    try:
        answer = client.request(
            "POST",
            "/api/bookings",
            json.dumps(body),
            {"Content-Type": "application/json", "Idempotency-Key": key},
        )
        first = time.perf_counter() - start
        status, _headers, data = client.until_decided(answer, poll_seconds=None)
    except Exception as error:  # noqa: BLE001 - counted as an error
        result.record(time.perf_counter() - start, "exception", error=type(error).__name__)
        return
    elapsed = time.perf_counter() - start
    try:
        parsed = json.loads(data)
    except ValueError:
        parsed = None
    decided = status in (200, 201)
    message = None if decided else (parsed or {}).get("error", data[:80].decode(errors="replace"))
    result.record(
        elapsed, 201 if status == 200 else status, parsed if decided else None, message, first=first
    )
    if answer[0] == 202:
        with result.lock:
            result.queued_202 += 1
            result.looks += client.looks - looks_before


def run_open_loop(port, credentials, bodies, duration, threads):
    """Send len(bodies) bookings evenly over `duration` seconds, from `threads` client threads, each
    sending its next once its last is decided: with as many threads as bookings the schedule never
    waits for an answer (open loop); with fewer, a slow answer delays a send, which shows in
    send_lag_ms and in every latency (counted from the schedule). Booking i is made by passenger
    credentials[i % len(credentials)]: each passenger holds only as many as the hold limits allow
    when there are enough of them (booking/hold_limits.py)."""

    def attempt(client, result, i, due):
        client.act_as(credentials[i % len(credentials)])
        book(client, result, bodies[i], f"bench-{i}", due)

    return _open_loop(port, len(bodies), duration, threads, attempt)


def run_open_loop_get(port, path, count, duration, threads):
    """The same burst shape as run_open_loop (count requests evenly over `duration` seconds, from
    `threads` client threads) with GET `path` by a visitor: on /bench/hello, the floor a burst's
    first answers cannot beat on this machine, measured in the same run."""

    def attempt(client, result, _i, start):
        try:
            status, _headers, _body = client.request("GET", path)
        except Exception as error:  # noqa: BLE001 - counted as an error
            result.record(time.perf_counter() - start, "exception", error=type(error).__name__)
            return
        result.record(time.perf_counter() - start, status, error=None if status == 200 else str(status))

    return _open_loop(port, count, duration, threads, attempt)


def run_clients(port, threads, loop, *, lead_s=0.0):
    """Runs loop(client, result) in each of `threads` threads, each with its own keep-alive Client,
    and returns their Result: result.started is set before any thread starts (now + lead_s, the
    moment an open loop schedules from), result.finished once the last thread has returned, and
    result.client_cpu_s is this process's CPU over the run (the load generator's own share)."""
    result = Result()
    cpu = time.process_time()
    result.started = time.perf_counter() + lead_s
    pool = [threading.Thread(target=loop, args=(Client(port, None), result)) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    result.finished = time.perf_counter()
    result.client_cpu_s = time.process_time() - cpu
    return result


def _open_loop(port, count, duration, threads, attempt):
    interval = duration / count
    next_index = iter(range(count))
    index_lock = threading.Lock()

    def loop(client, result):
        while True:
            with index_lock:
                i = next(next_index, None)
            if i is None:
                return
            due = result.started + i * interval
            if (delay := due - time.perf_counter()) > 0:
                time.sleep(delay)
            with result.lock:
                result.send_lags.append(time.perf_counter() - due)
            attempt(client, result, i, due)

    return run_clients(port, threads, loop, lead_s=0.5)


def run_closed_loop(port, credentials, make_body, duration, threads, max_requests, key_prefix="tp"):
    """Each of `threads` clients books back to back for `duration` seconds (at most max_requests);
    booking i is made by passenger credentials[i % len(credentials)], as in run_open_loop."""
    counter = iter(range(max_requests))
    lock = threading.Lock()

    def loop(client, result):
        while time.perf_counter() < result.started + duration:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            client.act_as(credentials[i % len(credentials)])
            book(client, result, make_body(i), f"{key_prefix}-{i}")

    return run_clients(port, threads, loop)


def print_summary(title, summary, extra=None):
    print(f"\n== {title}")
    for key in (
        "requests",
        "created_201",
        "errors",
        "elapsed_s",
        "throughput_per_s",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "max_ms",
        "client_cpu_s",
    ):
        print(f"  {key:<18} {summary[key]}")
    print(f"  {'statuses':<18} {summary['statuses']}")
    if summary["error_kinds"]:
        print(f"  {'error kinds':<18} {summary['error_kinds']}")
    print(f"  {'passengers':<18} {summary['passenger_statuses']}")
    for key, value in (extra or {}).items():
        print(f"  {key:<18} {value}")


__all__ = [
    "backend_cpu",
    "backend_cpu_since",
    "tree_cpu_seconds",
    "prepare_database",
    "drop_database",
    "signed_in_users",
    "party",
    "Server",
    "Client",
    "free_port",
    "run_clients",
    "run_open_loop",
    "run_closed_loop",
    "print_summary",
    "save",
    "warm_up",
    "ROOT",
]
