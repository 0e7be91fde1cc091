"""railconnect/replicas.py in-process: which reads may go to the replica, the lag estimate, the
fallbacks and their reasons, the read-your-writes cookie. The real streaming replica (paused,
stopped) is drilled in tests/faults/test_cluster.py."""

import math

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError, connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve

from railconnect import replicas
from railconnect.replicas import (
    REPLICA_FALLBACKS,
    ReplicaHealth,
    ReplicaMonitor,
    ReplicaReadsMiddleware,
    ReplicaRouter,
    RequestReads,
    format_lsn,
    parse_cookie_lsn,
    parse_lsn,
    read_alias,
)
from timetable.models import Station


def fallbacks(reason):
    return REPLICA_FALLBACKS.labels(reason)._value.get()


def test_wal_positions_parse_and_format():
    assert parse_lsn("0/3000148") == 0x3000148
    assert parse_lsn("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert format_lsn(parse_lsn("16/B374D848")) == "16/B374D848"
    for bad in (None, "", "16", "x/1", "1/2/3", "123456789/1", "0/3000148; other=1"):
        assert parse_lsn(bad) is None
    assert (
        parse_cookie_lsn("1F4") == 500
        and parse_cookie_lsn(f"{parse_lsn('16/B374D848'):X}") == (0x16 << 32) | 0xB374D848
    )
    for bad in (None, "", "0/3000148", "-1", "x", "1" * 17):
        assert parse_cookie_lsn(bad) is None


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_lag_is_zero_when_caught_up_and_grows_while_replay_is_paused(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(replicas.time, "monotonic", clock)
    monitor = ReplicaMonitor()

    def lag(primary, replay, replay_age=None):
        return monitor._lag(
            sampled_at=clock.now,
            primary_lsn=primary,
            replay_lsn=replay,
            receive_lsn=None,
            replay_age=replay_age,
        )

    # Caught up: 0, however old the last replayed transaction (an idle primary).
    assert lag(100, 100, replay_age=3600) == 0
    # Replay paused at 100 while the primary moves on: the time since the primary was at 100.
    clock.now += 1
    assert lag(150, 100) == pytest.approx(1)
    clock.now += 2
    assert lag(200, 100) == pytest.approx(3)
    # Replay moves to 150 (the primary's position 2 s ago): 2 s behind.
    assert lag(250, 150) == pytest.approx(2)
    # The replica's own bound is smaller (a transaction replayed 0.5 s ago): that one.
    assert lag(260, 150, replay_age=0.5) == pytest.approx(0.5)


def test_lag_of_a_process_that_has_not_checked_for_a_while_uses_the_replicas_own_age(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(replicas.time, "monotonic", clock)
    monitor = ReplicaMonitor()
    monitor._lag(sampled_at=clock.now, primary_lsn=100, replay_lsn=100, receive_lsn=None, replay_age=None)
    clock.now += 60  # nobody asked this process for a minute; meanwhile the replica replayed up to 500
    assert monitor._lag(
        sampled_at=clock.now, primary_lsn=600, replay_lsn=500, receive_lsn=None, replay_age=0.2
    ) == pytest.approx(0.2)
    # Nothing known but the samples: the conservative bound.
    assert monitor._lag(
        sampled_at=clock.now, primary_lsn=700, replay_lsn=500, receive_lsn=None, replay_age=None
    ) == pytest.approx(60)
    # The primary cannot be asked: caught up with what it received means 0.
    assert (
        monitor._lag(sampled_at=clock.now, primary_lsn=None, replay_lsn=500, receive_lsn=500, replay_age=9)
        == 0
    )
    assert (
        monitor._lag(
            sampled_at=clock.now, primary_lsn=None, replay_lsn=500, receive_lsn=None, replay_age=None
        )
        == math.inf
    )


@pytest.fixture
def reads():
    """This thread's request marked as a read-only public page the replica may answer."""
    state = RequestReads(eligible=True)
    token = replicas._request_reads.set(state)
    yield state
    replicas._request_reads.reset(token)


def test_read_alias_outside_an_eligible_request_is_the_primary():
    assert read_alias("default") == "default"
    assert read_alias("p2") == "p2"


def test_read_alias_in_an_eligible_request(reads, transactional_db):
    assert read_alias("p2") == "p2"  # a partition's reads stay on its own primary
    assert not reads.used
    assert read_alias("default") == "replica"
    assert reads.used
    with transaction.atomic():
        assert read_alias("default") == "default"  # inside a transaction: its own writes and locks
    reads.primary_only = True
    assert read_alias("default") == "default"


def test_router_sends_only_the_public_apps_reads_and_migrates_nothing_on_the_replica(reads, transactional_db):
    router = ReplicaRouter()
    assert router.db_for_read(Station) == "replica"
    assert router.db_for_read(User) is None  # accounts, sessions: always the primary
    station = Station(code="ZZZ", name="Zed")
    station._state.db = "default"
    assert router.db_for_read(Station, instance=station) is None  # related rows from where it came
    assert router.db_for_write(Station) is None
    assert router.allow_migrate("replica", "timetable") is False
    assert router.allow_migrate("default", "timetable") is None
    reads.eligible = False
    assert router.db_for_read(Station) is None


def public_request(path="/pnr/1234567890", method="get", cookies=None):
    request = getattr(RequestFactory(), method)(path)
    request.resolver_match = resolve(path)
    request.COOKIES.update(cookies or {})
    return request


@pytest.mark.parametrize(
    ("health", "cookie", "reason"),
    [
        (ReplicaHealth(up=False), None, "down"),
        (ReplicaHealth(up=True, replay_lsn=500, lag_seconds=9, reason="lag"), None, "lag"),
        (
            ReplicaHealth(up=True, replay_lsn=500, lag_seconds=0, reason=""),
            "1F5",
            "read_your_writes",
        ),
        (ReplicaHealth(up=True, replay_lsn=500, lag_seconds=0, reason=""), "1F4", None),
        (ReplicaHealth(up=True, replay_lsn=500, lag_seconds=0, reason=""), "garbage", None),
    ],
)
def test_which_requests_may_read_the_replica(monkeypatch, health, cookie, reason):
    monkeypatch.setattr(replicas.monitor, "health", lambda: health)
    middleware = ReplicaReadsMiddleware(lambda request: HttpResponse())
    before = fallbacks(reason) if reason else None
    state = RequestReads()
    token = replicas._request_reads.set(state)
    try:
        middleware.process_view(
            public_request(cookies={"rc_written": cookie} if cookie else None), None, (), {}
        )
    finally:
        replicas._request_reads.reset(token)
    assert state.eligible is (reason is None)
    if reason:
        assert fallbacks(reason) == before + 1


def test_writes_and_private_pages_never_read_the_replica(monkeypatch):
    monkeypatch.setattr(replicas.monitor, "health", lambda: ReplicaHealth(up=True, replay_lsn=1, reason=""))
    middleware = ReplicaReadsMiddleware(lambda request: HttpResponse())
    for request in (
        public_request(method="post"),
        public_request("/bookings/"),
        public_request("/dashboard"),
    ):
        state = RequestReads()
        token = replicas._request_reads.set(state)
        try:
            middleware.process_view(request, None, (), {})
        finally:
            replicas._request_reads.reset(token)
        assert not state.eligible, request.path


@pytest.fixture
def with_replica(monkeypatch):
    monkeypatch.setattr(replicas, "replica_configured", lambda: True)
    monkeypatch.setattr(
        replicas.monitor, "health", lambda: ReplicaHealth(up=True, replay_lsn=10**12, reason="")
    )


def test_a_404_from_the_replica_is_asked_of_the_primary(with_replica, transactional_db):
    answers = []

    def view(request):
        # What the view's queries would do: read through the router.
        alias = read_alias("default")
        answers.append(alias)
        return HttpResponse(status=404 if alias == "replica" else 200)

    middleware = ReplicaReadsMiddleware(view)
    before = fallbacks("not_found")

    def get_response(request):
        middleware.process_view(request, view, (), {})
        return view(request)

    middleware.get_response = get_response
    response = middleware(public_request())
    assert answers == ["replica", "default"] and response.status_code == 200
    assert fallbacks("not_found") == before + 1


def test_a_replica_error_is_answered_from_the_primary_and_marks_it_down(
    with_replica, transactional_db, monkeypatch
):
    marked = []
    monkeypatch.setattr(replicas.monitor, "mark_down", lambda: marked.append(True))
    answers = []
    middleware = ReplicaReadsMiddleware(lambda request: HttpResponse())

    def get_response(request):
        middleware.process_view(request, None, (), {})
        alias = read_alias("default")
        answers.append(alias)
        if alias == "replica":
            response = middleware.process_exception(request, OperationalError("server closed the connection"))
            assert response is not None
            return response
        return HttpResponse("from the primary")

    middleware.get_response = get_response
    before = fallbacks("error")
    response = middleware(public_request())
    assert answers == ["replica", "default"] and response.content == b"from the primary"
    assert marked and fallbacks("error") == before + 1


def test_a_request_that_wrote_remembers_the_primary_position(with_replica, transactional_db):
    def view(request):
        Station.objects.create(code="WRT", name="Written")
        return HttpResponse()

    response = ReplicaReadsMiddleware(view)(public_request(method="post"))
    if connection.vendor == "postgresql":
        cookie = response.cookies["rc_written"]
        assert parse_cookie_lsn(cookie.value) is not None and cookie["httponly"]
        assert '"' not in cookie.OutputString()  # a plain value, not a quoted one
    else:  # no WAL position to remember (SQLite has no replica either)
        assert "rc_written" not in response.cookies
    # A request that only read sets nothing.
    response = ReplicaReadsMiddleware(lambda request: HttpResponse(Station.objects.count()))(public_request())
    assert "rc_written" not in response.cookies


def test_a_cookie_shorter_than_the_tolerated_lag_is_refused_at_start(settings):
    from django.core.checks import run_checks

    assert not [e for e in run_checks() if e.id == "railconnect.E002"]
    settings.REPLICA_MAX_LAG_SECONDS = 120
    assert [e.id for e in run_checks() if e.id == "railconnect.E002"] == ["railconnect.E002"]
