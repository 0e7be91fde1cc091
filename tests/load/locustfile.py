"""Load tests (Locust). Run them with `make loadtest` (tests/load/run.py), which starts the site in
production mode (gunicorn, PostgreSQL, Redis), prepares users and a route catalogue, and passes
their file in RC_LOAD_CATALOGUE.

User classes:
- PassengerMix: what passengers do: home, autocomplete, search, schedule, book, view the
  e-ticket, dashboard, PNR status, cancel (already signed in: most passengers are).
- Login: a few passengers signing in with their password, continuously.
- SearchApi / BookingApi: the reference design's two API scenarios.
Thresholds (checked when Locust quits; it then exits non-zero): see THRESHOLDS.

Every user is a FastHttpUser (geventhttpclient): the generator shares the machine's cores with the
server, and this client costs a fraction of the CPU per request of the requests-based HttpUser
(docs/load-tests.md has the measurements).
"""

import itertools
import json
import os
import random
from http.cookiejar import Cookie
from urllib.parse import urlsplit

import gevent
from geventhttpclient.client import HTTPClientPool
from geventhttpclient.connectionpool import ConnectionPool
from locust import FastHttpUser, between, events, task
from locust.runners import WorkerRunner

CATALOGUE = (
    json.loads(open(os.environ["RC_LOAD_CATALOGUE"]).read()) if os.environ.get("RC_LOAD_CATALOGUE") else None
)

# Request names -> the p95 limit (ms) of their kind. Everything else is a read.
READ_P95_MS = float(os.environ.get("RC_READ_P95_MS", 100))
BOOKING_P95_MS = float(os.environ.get("RC_BOOKING_P95_MS", 300))
# Password checks are slow by design (PBKDF2, 1.5 million iterations in Django 6.1).
LOGIN_P95_MS = float(os.environ.get("RC_LOGIN_P95_MS", 2000))
BOOKING_REQUESTS = {
    "POST /api/bookings",
    "GET /api/bookings/requests/<id>",  # a queued booking's outcome (after a 202)
    "POST /api/bookings/<pnr>/pay",
    "POST /api/bookings/<pnr>/cancel",
}
# A booking refused by a rule (409: REGRET, a hold limit) is the booking's outcome, not an error:
# recorded apart as "OUTCOME <status>" rows (count only), never as a failure.
OUTCOME = "OUTCOME"
# Each simulated user books for several passengers' accounts in turn, so that every account stays
# within the booking rate limit (BOOKING_RATE_LIMIT per minute) and the hold limits, as real
# passengers do: run.py makes ACCOUNTS_PER_USER x --users signed-in accounts.
ACCOUNTS_PER_USER = int(os.environ.get("RC_ACCOUNTS_PER_USER", 4))
LOGIN_REQUESTS = {"POST /accounts/login/"}
MAX_ERROR_RATIO = float(os.environ.get("RC_MAX_ERROR_RATIO", 0))

_sessions = itertools.count()
_addresses = itertools.count()


def own_address():
    """A loopback source address of this simulated person's own (127.0.0.2, 127.0.0.3, ...): the
    site's per-address limits (login; nginx's, through `make serve`) see one person per address, as
    they see real passengers, instead of everyone behind 127.0.0.1 (Linux routes all of 127/8 to
    the loopback interface, so a connection from 127.0.x.y to 127.0.0.1 needs no set-up)."""
    n = next(_addresses) % (250 * 250)
    return f"127.0.{n // 250}.{n % 250 + 2}"


class SourceBoundConnectionPool(ConnectionPool):
    """geventhttpclient's connection pool, its sockets bound to `source_address` before they
    connect. geventhttpclient has no source-address option (a pull request adding one,
    geventhttpclient#178, was closed unmerged): this overrides the TCP socket factory its
    ConnectionPool provides for subclasses (_create_tcp_socket)."""

    source_address = "127.0.0.1"

    def _create_tcp_socket(self, family, socktype, protocol):
        sock = super()._create_tcp_socket(family, socktype, protocol)
        sock.bind((self.source_address, 0))
        return sock


class SourceBoundClientPool(HTTPClientPool):
    """A user's own HTTP client pool (FastHttpUser.client_pool) whose connections leave from
    `source_address`. HTTPClient builds its plain-HTTP ConnectionPool itself, with no way to name
    another class, so the pool it built (every setting kept) is given the bound subclass."""

    def __init__(self, source_address, **kwargs):
        super().__init__(**kwargs)
        self.source_address = source_address

    def get_client(self, url):
        client = super().get_client(url)
        pool = client._connection_pool
        if type(pool) is ConnectionPool:  # plain HTTP on loopback: the only kind these tests open
            pool.__class__ = SourceBoundConnectionPool
            pool.source_address = self.source_address
        elif not isinstance(pool, SourceBoundConnectionPool):
            raise RuntimeError(f"cannot bind a source address for {url}: only plain HTTP is supported")
        return client


class Passenger(FastHttpUser):
    """A FastHttpUser whose connections leave from its own loopback address (own_address)."""

    abstract = True

    def __init__(self, *args, **kwargs):
        self.address = own_address()
        # A pool of its own, with the settings FastHttpUser would give the pool it makes itself.
        self.client_pool = SourceBoundClientPool(
            self.address,
            network_timeout=self.network_timeout,
            connection_timeout=self.connection_timeout,
            concurrency=self.concurrency,
            insecure=self.insecure,
        )
        super().__init__(*args, **kwargs)
        self.site_host = urlsplit(self.host).hostname

    def clear_cookies(self):
        self.client.cookiejar.clear()

    def set_cookie(self, name, value):
        """A host-only cookie for the site, as its server would have set it."""
        self.client.cookiejar.set_cookie(
            Cookie(
                version=0,
                name=name,
                value=value,
                port=None,
                port_specified=False,
                domain=self.site_host,
                domain_specified=False,
                domain_initial_dot=False,
                path="/",
                path_specified=True,
                secure=False,
                expires=None,
                discard=True,
                comment=None,
                comment_url=None,
                rest={},
            )
        )

    def cookie(self, name, default=""):
        return next((cookie.value for cookie in self.client.cookiejar if cookie.name == name), default)


def p95_limit(name):
    if name in BOOKING_REQUESTS:
        return BOOKING_P95_MS
    if name.startswith(f"{OUTCOME} "):
        return None
    if name in LOGIN_REQUESTS:
        return LOGIN_P95_MS
    return READ_P95_MS


@events.quitting.add_listener
def enforce_thresholds(environment, **kwargs):
    failures = []
    for (name, method), entry in environment.stats.entries.items():  # Locust keys entries (name, method)
        if not entry.num_requests:
            continue
        label = name if name.startswith(f"{method} ") else f"{method} {name}"
        p95 = entry.get_response_time_percentile(0.95)
        limit = p95_limit(label)
        if limit is not None and p95 > limit:
            failures.append(f"{label}: p95 {p95:.0f} ms > {limit:.0f} ms")
    total = environment.stats.total
    if total.num_requests and total.fail_ratio > MAX_ERROR_RATIO:
        failures.append(f"error ratio {total.fail_ratio:.2%} > {MAX_ERROR_RATIO:.2%}")
    for failure in failures:
        print(f"THRESHOLD MISSED: {failure}")
    if failures:
        environment.process_exit_code = 1
    elif total.num_requests:
        print("All thresholds met.")


def mark_window(environment, mark):
    """Append `mark` to the file RC_LOAD_WINDOW names: run.py measures the CPU of the server, the
    database and this generator between "start" and "stop" (once, from the master or the only
    process, not from each worker)."""
    path = os.environ.get("RC_LOAD_WINDOW")
    if path and not isinstance(environment.runner, WorkerRunner):
        with open(path, "a") as marks:
            marks.write(f"{mark}\n")


@events.test_start.add_listener
def window_opens(environment, **kwargs):
    mark_window(environment, "start")


@events.test_stop.add_listener
def window_closes(environment, **kwargs):
    mark_window(environment, "stop")


class SignedInUser(Passenger):
    abstract = True

    def on_start(self):
        sessions = CATALOGUE["sessions"]
        first = next(_sessions) * ACCOUNTS_PER_USER
        self.accounts = [sessions[(first + i) % len(sessions)] for i in range(ACCOUNTS_PER_USER)]
        self.turn = 0
        self.act_as(self.accounts[0])
        self.my_pnrs = []

    def act_as(self, account):
        """Become another passenger: their own browser's cookies only. (A cookie the server set for
        the previous one, e.g. csrftoken for 127.0.0.1, would otherwise be sent beside these.)"""
        session_key, csrf = account
        self.clear_cookies()
        self.set_cookie("sessionid", session_key)
        self.set_cookie("csrftoken", csrf)
        self.csrf = csrf

    def next_account(self):
        """The next of this user's accounts (their PNRs are theirs: the list starts again)."""
        self.turn += 1
        self.act_as(self.accounts[self.turn % len(self.accounts)])
        self.my_pnrs = []

    def post_booking(self, body, key=None):
        """POST /api/bookings and, while the answer is 202 (queued), GET its Location after its
        Retry-After, as a passenger's client does. A rule's refusal (409 with an outcome, or a hold
        limit) is counted as an OUTCOME row, not a failure. Returns the final response."""
        headers = {"Idempotency-Key": key} if key else {}
        with self.post_json(
            "/api/bookings", body, name="POST /api/bookings", catch=True, **headers
        ) as response:
            self.count_refusal(response)
        while response.status_code == 202:
            # After the estimated wait (at least 0.1 s), at most the Retry-After (whole seconds).
            retry_after = float(response.headers.get("Retry-After", 1))
            try:
                estimated = response.json()["estimated_wait_ms"] / 1000
            except (ValueError, KeyError, TypeError):
                estimated = retry_after
            gevent.sleep(min(retry_after, max(0.1, estimated)))
            with self.client.get(
                response.headers["Location"], name="GET /api/bookings/requests/<id>", catch_response=True
            ) as response:
                self.count_refusal(response)
        return response

    def count_refusal(self, response):
        if response.status_code != 409:
            return
        response.success()
        try:
            outcome = response.json().get("status") or "HOLD_LIMIT"
        except ValueError:
            outcome = "409"
        self.environment.events.request.fire(
            request_type=OUTCOME,
            name=outcome,
            response_time=0,
            response_length=0,
            exception=None,
            context={},
        )

    def post_json(self, path, body=None, name=None, catch=False, **headers):
        return self.client.post(
            path,
            data=json.dumps(body or {}),
            name=name or path,
            catch_response=catch,
            headers={
                "Content-Type": "application/json",
                "X-CSRFToken": self.csrf,
                "Referer": self.host + "/",
                **headers,
            },
        )

    def book(self):
        offer = random.choice(CATALOGUE["offers"])
        # Different people (the same person twice is refused); paid at once below, so a passenger
        # never has more than one unpaid hold (booking/hold_limits.py).
        body = {
            **offer,
            "passengers": [
                {"name": name, "age": random.randint(18, 70), "gender": random.choice("MF")}
                for name in random.sample(
                    ["Asha Rao", "Vikram Singh", "Meera Iyer", "Ravi Kumar"], random.randint(1, 3)
                )
            ],
        }
        self.next_account()
        response = self.post_booking(body)
        if response.status_code not in (200, 201):
            return None
        pnr = response.json()["pnr"]
        self.post_json(f"/api/bookings/{pnr}/pay", name="POST /api/bookings/<pnr>/pay")
        self.my_pnrs.append(pnr)
        return pnr


class PassengerMix(SignedInUser):
    weight = 20
    wait_time = between(1, 3)

    @task(10)
    def home(self):
        self.client.get("/", name="GET /")

    @task(8)
    def autocomplete(self):
        self.client.get(
            "/api/stations", params={"q": random.choice(CATALOGUE["prefixes"])}, name="GET /api/stations"
        )

    @task(12)
    def search(self):
        route = random.choice(CATALOGUE["routes"])
        self.client.get("/search", params=route, name="GET /search")

    @task(4)
    def schedule(self):
        self.client.get(f"/trains/{random.choice(CATALOGUE['trains'])}", name="GET /trains/<number>")

    @task(3)
    def book_and_view_ticket(self):
        pnr = self.book()
        if pnr:
            self.client.get(f"/bookings/{pnr}", name="GET /bookings/<pnr>")

    @task(3)
    def dashboard(self):
        self.client.get(CATALOGUE["dashboard_path"], name=f"GET {CATALOGUE['dashboard_path']}")

    @task(3)
    def pnr_status(self):
        if self.my_pnrs:
            self.client.get(f"/pnr/{random.choice(self.my_pnrs)}", name="GET /pnr/<pnr>")

    @task(1)
    def cancel(self):
        if self.my_pnrs:
            pnr = self.my_pnrs.pop(random.randrange(len(self.my_pnrs)))
            self.post_json(f"/api/bookings/{pnr}/cancel", name="POST /api/bookings/<pnr>/cancel")


class Login(Passenger):
    """Passengers signing in: the login form, then the password check."""

    weight = 1
    wait_time = between(5, 10)

    @task
    def log_in(self):
        self.clear_cookies()
        self.client.get("/accounts/login/", name="GET /accounts/login/")
        csrf = self.cookie("csrftoken")
        username, password = random.choice(CATALOGUE["logins"])
        self.client.post(
            "/accounts/login/",
            name="POST /accounts/login/",
            allow_redirects=False,
            data={"username": username, "password": password, "csrfmiddlewaretoken": csrf},
            headers={"Referer": self.host + "/accounts/login/"},
        )


class SearchApi(Passenger):
    """The reference design's search API scenario."""

    weight = 6
    wait_time = between(0.5, 1.5)

    @task
    def search_api(self):
        self.client.get(
            "/api/trains/search", params=random.choice(CATALOGUE["routes"]), name="GET /api/trains/search"
        )


class TatkalRush(SignedInUser):
    """Everyone books the same train, date and class at the same second (run.py --tatkal).

    Each user waits for the next whole RUSH_ALIGN_SECONDS boundary, then books once: a rush of
    hundreds of requests at one inventory row in the same second, as at 10:00 on Tatkal day.
    """

    # Not part of the default mix: run.py names the classes it runs.
    wait_time = between(3600, 3600)

    @task
    def rush(self):
        import time

        align = float(os.environ.get("RUSH_ALIGN_SECONDS", 10))
        gevent.sleep(align - time.time() % align)
        offer = CATALOGUE["rush_offer"]
        passengers = [
            {"name": "Rush Passenger", "age": 30 + i, "gender": "F"} for i in range(random.randint(1, 4))
        ]
        self.post_booking({**offer, "passengers": passengers}, key=f"rush-{id(self)}")


class BookingApi(SignedInUser):
    """The reference design's booking API scenario: hold, pay, read back."""

    weight = 4
    wait_time = between(1, 2)

    @task
    def booking_api(self):
        pnr = self.book()
        if pnr:
            self.client.get(f"/api/bookings/{pnr}", name="GET /api/bookings/<pnr>")
