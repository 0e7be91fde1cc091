"""What the fault tests share: gunicorn processes on the test database, an HTTP load loop that
records every answer, a log-in through the real form, and checks of a train's seat map read from
rows alone. The processes and the HTTP client are the benchmarks' (testsupport/load_harness.py).
"""

import http.client
import http.cookies
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from testsupport.load_harness import Client

# Connection refused or reset, RemoteDisconnected, socket timeouts, a body cut short.
RETRYABLE = (OSError, http.client.HTTPException)


def database_url(settings_dict):
    """A DATABASE_URL for the database Django is connected to (pytest-django's test database)."""
    user = quote(settings_dict.get("USER") or "postgres")
    password = settings_dict.get("PASSWORD")
    credentials = f"{user}:{quote(password)}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings_dict['NAME']}"


def wait_until_ready(server, path="/pnr", seconds=30):
    """Until gunicorn's workers answer `path` with 200."""
    client = Client(server.port, None, timeout=10)
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            last = client.request("GET", path)[0]
            if last == 200:
                return
        except RETRYABLE as error:
            last = repr(error)
            client.close()
        time.sleep(0.2)
    raise AssertionError(
        f"gunicorn on port {server.port} not ready after {seconds} s (last: {last}); see {server.log.name}"
    )


def cookies_of(headers):
    jar = http.cookies.SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def log_in(port, username, password):
    """Log in through the real form (GET for the CSRF token, POST the password): (sessionid, csrftoken)."""
    client = Client(port, None, timeout=30)
    status, headers, body = client.request("GET", "/accounts/login/")
    assert status == 200, body[:300]
    csrf_cookie = cookies_of(headers)["csrftoken"]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    status, headers, body = client.request(
        "POST",
        "/accounts/login/",
        form,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_cookie}"},
    )
    assert status == 302, f"log-in answered {status}: {body[:300]!r}"
    cookies = cookies_of(headers)
    return cookies["sessionid"], cookies.get("csrftoken", csrf_cookie)


@dataclass
class Answer:
    kind: str
    started: float  # time.monotonic()
    finished: float
    status: object  # an int, or the exception's name
    headers: object = None
    body: bytes = b""

    @property
    def seconds(self):
        return self.finished - self.started


@dataclass
class Recorder:
    """Every answer of a load run, from any number of threads."""

    answers: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, client, kind, method, path, body=None, headers=None):
        started = time.monotonic()
        try:
            status, response_headers, data = client.request(method, path, body, headers)
        except RETRYABLE as error:
            client.close()
            answer = Answer(kind, started, time.monotonic(), type(error).__name__)
        else:
            answer = Answer(kind, started, time.monotonic(), status, response_headers, data)
        with self.lock:
            self.answers.append(answer)
        return answer

    def between(self, start, end):
        """Answers to requests sent at or after `start` that finished by `end`."""
        with self.lock:
            return [a for a in self.answers if a.started >= start and a.finished <= end]

    def after(self, start):
        with self.lock:
            return [a for a in self.answers if a.started >= start]


class LoadThreads:
    """`count` threads each calling `step(number, iteration)` until stopped."""

    def __init__(self, count, step):
        self.stop_event = threading.Event()
        self.errors = []
        self.threads = [threading.Thread(target=self._run, args=(n, step), daemon=True) for n in range(count)]

    def _run(self, number, step):
        iteration = 0
        try:
            while not self.stop_event.is_set():
                step(number, iteration)
                iteration += 1
        except Exception as error:  # noqa: BLE001 - reported by stop()
            self.errors.append(f"thread {number}: {error!r}")

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def stop(self):
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in self.threads), "a load thread hung"
        assert not self.errors, self.errors

    def __exit__(self, *exc):
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=60)


def assert_seat_map_consistent(inventory):
    """From rows alone: no unit (berth or RAC slot) sold twice on any leg, the inventory's leg masks
    are exactly the union of its active passengers', and RAC and waitlist numbers run 1..n."""
    from booking.allocation import leg_mask
    from booking.models import BookingPassenger

    inventory.refresh_from_db()
    rows = list(
        BookingPassenger.objects.filter(inventory=inventory)
        .exclude(status="CAN")
        .values("booking__pnr", "status", "quota", "number", "unit", "board_sequence", "alight_sequence")
    )
    used = defaultdict(int)
    for row in rows:
        if row["status"] not in ("CNF", "RAC"):
            continue
        mask = leg_mask(row["board_sequence"], row["alight_sequence"])
        assert not used[row["unit"]] & mask, (
            f"unit {row['unit']} sold twice on a leg (PNR {row['booking__pnr']})"
        )
        used[row["unit"]] |= mask
    expected = [used.get(unit, 0) for unit in range(len(inventory.occupancy))]
    assert inventory.occupancy == expected, "the inventory's seat map differs from its passengers' rows"
    rac = sorted(row["number"] for row in rows if row["status"] == "RAC")
    assert rac == list(range(1, len(rac) + 1)) and inventory.rac_count == len(rac)
    for quota, count in (("GN", inventory.gnwl_count), ("TQ", inventory.tqwl_count)):
        waitlist = sorted(row["number"] for row in rows if row["status"] == "WL" and row["quota"] == quota)
        assert waitlist == list(range(1, len(waitlist) + 1)), f"{quota} waitlist numbers {waitlist}"
        assert count == len(waitlist)
    return rows
