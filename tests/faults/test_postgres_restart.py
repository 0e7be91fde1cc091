"""PostgreSQL restarted, then stopped for a few seconds, under load: requests fail fast with a clear
503 (JSON for the API) while it is down, never a 500, and the site recovers by itself, with the
same gunicorn workers.

The test runs its own PostgreSQL cluster (initdb in a temporary directory, a free loopback port),
so stopping it disturbs nobody; it is migrated and given a tiny network by `manage.py`.
"""

import json
import time
from collections import Counter

from testsupport.bookings import travel_date
from testsupport.databases import manage
from testsupport.load_harness import Client

from .helpers import LoadThreads, Recorder, wait_until_ready

POOL_TIMEOUT = 2  # DATABASE_POOL_TIMEOUT for this server: how long a request waits for a connection
SLOWEST_OUTAGE_ANSWER = 6  # seconds: the pool timeout, plus a backoff sleep, plus slack for a busy machine
OUTAGE = 6  # seconds PostgreSQL stays down
RECOVERY_LIMIT = 20  # seconds after PostgreSQL is back by which every kind of request must succeed

# The booking thread books as one passenger after another, each at most twice (the most unpaid
# holds one passenger may have on a train and date: booking/hold_limits.py) in any plausible run.
BOOKERS = 400
SEED = f"""
import json
from testsupport.load_harness import signed_in_users
from testsupport.networks import booking_network
booking_network()
print("CREDENTIALS=" + json.dumps(signed_in_users({1 + BOOKERS}, prefix="pgtest")))
"""

NEEDS_DATABASE = ("my bookings", "book")  # answer 503 for as long as PostgreSQL is down
MAY_BE_CACHED = ("schedule", "search")  # public pages: 200 from the page cache, or 503


def test_postgres_restart_answers_503_then_recovers_without_restarting_gunicorn(
    postgres_only, private_postgres, gunicorn
):
    url = private_postgres.create_database("railconnect")
    manage("migrate", "--noinput", "--verbosity", "0", database_url=url)
    seeded = manage("shell", "-c", SEED, database_url=url, capture=True).stdout
    credentials = json.loads(seeded.split("CREDENTIALS=", 1)[1])
    # No recycling of workers after N requests here: the test checks that none was replaced.
    server = gunicorn(
        url,
        DATABASE_POOL_TIMEOUT=POOL_TIMEOUT,
        DATABASE_OUTAGE_RETRY_AFTER=5,
        LOG_LEVEL="INFO",
        GUNICORN_MAX_REQUESTS=0,
    )
    wait_until_ready(server)
    workers = sorted(server.worker_pids())
    date = travel_date().isoformat()
    booking = {
        "train": "12951",
        "date": date,
        "from": "AAA",
        "to": "DDD",
        "class": "3A",
        "passengers": [{"name": "Asha Rao", "age": 34, "gender": "F"}],
    }
    recorder = Recorder()
    clients = [
        Client(server.port, credentials[0], timeout=30),
        Client(server.port, None, timeout=30),
        Client(server.port, None, timeout=30),
        Client(server.port, None, timeout=30),
    ]

    def step(number, iteration):
        client = clients[number]
        if number == 0:
            recorder.call(client, "my bookings", "GET", "/bookings/")
        elif number == 1:
            client.act_as(credentials[1 + iteration % BOOKERS])
            recorder.call(
                client,
                "book",
                "POST",
                "/api/bookings",
                json.dumps(booking),
                {"Content-Type": "application/json", "Idempotency-Key": f"pg-{iteration}"},
            )
        elif number == 2:
            recorder.call(client, "schedule", "GET", "/trains/12951")
        else:
            recorder.call(client, "search", "GET", f"/search?from=Alpha&to=Delta&date={date}")
        time.sleep(0.05)

    def recovered_since(moment):
        """The first time after `moment` by which every kind of request had succeeded."""
        firsts = {}
        for answer in recorder.after(moment):
            if answer.status in (200, 201):
                firsts.setdefault(answer.kind, answer.finished)
        return max(firsts.values()) if len(firsts) == 4 else None

    with LoadThreads(4, step) as load:
        time.sleep(1.5)
        restart_began = time.monotonic()
        private_postgres.restart()  # a quick restart (fast shutdown: sessions are cut)
        time.sleep(2)
        private_postgres.stop()
        down = time.monotonic()
        time.sleep(OUTAGE)
        start_began = time.monotonic()
        private_postgres.start()
        up = time.monotonic()
        while time.monotonic() - up < RECOVERY_LIMIT + 5 and not recovered_since(up):
            time.sleep(0.2)
        recovered = recovered_since(up)
        time.sleep(1.5)
        load.stop()

    answers = recorder.answers
    statuses = Counter((a.kind, a.status) for a in answers)
    print(f"\nanswers: {dict(sorted(statuses.items(), key=str))}")
    # Never a 500, never a dropped connection: 200/201 when the database answers, 503 when it does not.
    assert {a.status for a in answers} <= {200, 201, 503}, statuses
    assert all(a.status in (200, 201) for a in recorder.between(0, restart_began)), (
        "not healthy before the restart"
    )

    outage = recorder.between(down, start_began)
    assert sum(1 for a in outage if a.kind in NEEDS_DATABASE) >= 2, "too few requests during the outage"
    for answer in outage:
        if answer.kind in NEEDS_DATABASE:
            assert answer.status == 503, (answer.kind, answer.status)
        assert answer.seconds < SLOWEST_OUTAGE_ANSWER, f"{answer.kind} took {answer.seconds:.1f} s"
    for answer in answers:
        if answer.status != 503:
            continue
        assert answer.headers["Retry-After"] == "5"
        if answer.kind == "book":
            assert answer.headers["Content-Type"] == "application/json"
            assert "temporarily unavailable" in json.loads(answer.body)["error"]
        else:
            assert answer.headers["Content-Type"].startswith("text/html")
            assert b"We are back in a moment" in answer.body
    slowest = max(a.seconds for a in outage)

    assert recovered is not None, f"not recovered {RECOVERY_LIMIT + 5} s after PostgreSQL came back"
    print(
        f"outage answers: {len(outage)}, slowest {slowest:.2f} s; every kind of request succeeded again "
        f"{recovered - up:.2f} s after PostgreSQL was back"
    )
    assert recovered - up < RECOVERY_LIMIT
    after = [a for a in recorder.after(recovered + 0.5)]
    assert after and all(a.status in (200, 201) for a in after), Counter(a.status for a in after)
    # The same workers throughout: nothing was restarted.
    assert server.process.poll() is None and sorted(server.worker_pids()) == workers

    log = server.log.name
    with open(log) as handle:
        text = handle.read()
    assert "Internal Server Error" not in text and "Traceback" not in text, f"see {log}"
    unavailable = text.count("Database unavailable")
    assert 1 <= unavailable <= 2 * len(workers), (
        f"outage logged {unavailable} times (once per worker per outage)"
    )
    assert "Database is back" in text
