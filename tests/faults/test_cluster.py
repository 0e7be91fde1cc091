"""Drills on the scale-out topology (`make run-cluster`, scripts/cluster.py), one cluster for the
module (testsupport/cluster_drills.py): nginx over two gunicorn instances, a private PostgreSQL
primary with a streaming replica (pg_basebackup) and a second primary, a private Redis, one task
worker and one scheduler.

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

import math
import os
import time
from collections import Counter

import pytest

from testsupport.cluster_drills import (
    Bookers,
    Browser,
    Load,
    book_with_retries,
    booking_body,
    bookings_with_key,
    fallbacks,
    pnr_status,
    public_paths,
    replica_lag,
    rows_returned,
    start_cluster,
    stop_cluster,
)
from testsupport.load_harness import Client

from .helpers import log_in

MAX_LAG = 4.0


@pytest.fixture(scope="module")
def cluster(request):
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("needs PostgreSQL: runs in the second pass of `make test` (DATABASE_URL=postgres://...)")
    from scripts.cluster import missing_programs

    problems = missing_programs(need_redis=True)
    if problems:
        reason = "; ".join(problems)
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    built_static = os.environ.get("FAULTS_STATIC_ROOT") or request.getfixturevalue("built_static")
    cluster = start_cluster(built_static, REPLICA_MAX_LAG_SECONDS=MAX_LAG)
    failed = request.session.testsfailed
    yield cluster
    stop_cluster(cluster, show_logs=request.session.testsfailed > failed)


def test_killing_an_app_instance_mid_load_loses_no_request(cluster):
    bookers = Bookers(cluster, passengers=200, threads=3, key_prefix="kill", name_prefix="Kill Drill")
    outcomes = bookers.outcomes
    with Load(cluster.port, public_paths(), threads=3, pause=0.02) as load:
        bookers.start()
        time.sleep(3)
        cluster.kill_app(1)
        killed_at = time.monotonic()
        time.sleep(4)
        bookers.stop()
        load.stop()
    # Back to two instances for the next drills.
    cluster.apps[0] = cluster.start_app(1, cluster.logs / "app-1.log")

    statuses = load.statuses()
    assert statuses and set(statuses) == {200}, statuses
    after_kill = load.statuses(since=killed_at).total()
    assert after_kill > 20, "the load went on after the kill"
    assert outcomes, "bookings were made"
    decided = Counter(status for status, _pnr, _sends in outcomes.values())
    # Decided at once (201) or after a 202 on the request's URL (200): the same document.
    assert set(decided) <= {200, 201}, (decided, list(outcomes.values())[:3])
    for key, (_status, pnr, _sends) in outcomes.items():
        assert pnr and bookings_with_key(cluster, key) == 1, key
    resent = sum(1 for _s, _p, sends in outcomes.values() if sends > 1)
    print(
        f"\n{statuses.total()} GETs all 200 ({after_kill} after the kill); "
        f"{len(outcomes)} bookings, {resent} resent with their key, each one PNR"
    )


def test_replica_paused_or_stopped_never_shows_a_passenger_stale_status(cluster):
    credentials = [tuple(c) for c in cluster.data["credentials"]]
    passenger = Browser(cluster.port, credentials[250])
    visitor = Browser(cluster.port, None)
    status, pnr, _sends = book_with_retries(passenger, booking_body("Replica Drill"), "replica-1")
    assert status == 201
    # Read-your-writes right after the booking, and the visitor finds it too (from the replica, or
    # its 404 asked again of the primary).
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
        assert replica_lag(cluster) > MAX_LAG
    finally:
        cluster.replica.execute("SELECT pg_wal_replay_resume()")
    time.sleep(1)
    assert pnr_status(visitor, pnr) == "Cancelled"  # replayed

    # The replica stops under load: nobody gets an error; the passenger's pages stay fresh.
    with Load(cluster.port, public_paths(), threads=3, pause=0.02) as load:
        time.sleep(1)
        cluster.replica.stop("fast")
        stopped_at = time.monotonic()
        status, pnr2, _sends = book_with_retries(passenger, booking_body("Replica Down", 31), "replica-2")
        assert status == 201
        assert pnr_status(passenger, pnr2) == "Awaiting payment"
        assert pnr_status(visitor, pnr2) == "Awaiting payment"
        time.sleep(2)
        load.stop()
    statuses = load.statuses()
    assert set(statuses) == {200}, statuses
    slowest = load.summary(since=stopped_at)["max_ms"]
    assert slowest < 2000, f"a request took {slowest} ms while the replica was down"
    assert fallbacks(cluster, "down") > 0
    assert replica_lag(cluster) == math.inf  # a replica that does not answer is infinitely behind

    # Back: reads go to the replica again (its own statistics count the rows it returns).
    cluster.replica.start()
    time.sleep(1.5)
    before = rows_returned(cluster.replica)
    for _ in range(20):
        pnr_status(visitor, pnr2)
    deadline = time.monotonic() + 5
    while rows_returned(cluster.replica) <= before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert rows_returned(cluster.replica) > before, "the replica serves reads again"


def test_redis_restarted_mid_load_keeps_sessions_and_answers(cluster):
    session = log_in(cluster.port, cluster.data["username"], cluster.data["password"])
    signed_in = Client(cluster.port, session)
    assert signed_in.request("GET", "/dashboard")[0] == 200
    paths = ["/dashboard", "/bookings/", "/api/stations?q=del", "/pnr"]
    with Load(cluster.port, paths, threads=3, credentials=session, pause=0.02) as load:
        time.sleep(1)
        cluster.redis_process.stop()
        time.sleep(2)
        cluster.redis_process.start()
        time.sleep(2)
        load.stop()
    statuses = load.statuses()
    assert set(statuses) == {200}, statuses  # no 5xx, and never sent to the log-in page (302)
    status, headers, _body = signed_in.request("GET", "/dashboard")
    assert status == 200, headers.get("Location")
