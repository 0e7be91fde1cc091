"""Redis stopped under load: the site keeps answering 200 (searches, schedules, availability,
autocomplete, signed-in pages), nobody is logged out, and caching resumes when Redis returns.

gunicorn runs against its own redis-server (testsupport/private_services.PrivateRedis), which the
test stops and starts again on the same port; the shared Redis is never touched.
"""

import time
from collections import Counter

import redis as redis_client

from testsupport.bookings import travel_date
from testsupport.load_harness import Client, signed_in_users
from testsupport.networks import booking_network

from .helpers import LoadThreads, Recorder, wait_until_ready

SLOWEST = 3  # seconds: any answer, Redis up or down (socket timeouts are 0.25 s, then the breaker)


def test_redis_stopped_under_load_every_page_still_answers(test_database_url, private_redis, gunicorn):
    booking_network()
    credentials = signed_in_users(2, prefix="redistest")
    server = gunicorn(test_database_url, REDIS_URL=private_redis.url, REDIS_RETRY_AFTER=1)
    wait_until_ready(server)
    date = travel_date().isoformat()
    pages = [
        ("search", None, f"/search?from=Alpha&to=Delta&date={date}"),
        ("search api", None, f"/api/trains/search?from=Alpha&to=Delta&date={date}"),
        ("schedule", None, "/trains/12951"),
        ("availability", None, f"/book/12951/{date}/AAA/DDD/3A"),
        ("stations", None, "/api/stations?q=al"),
        ("my bookings", credentials[0], "/bookings/"),
        ("change password", credentials[1], "/accounts/password/change/"),
    ]
    recorder = Recorder()
    clients = [Client(server.port, who, timeout=30) for _kind, who, _path in pages]

    def step(number, iteration):
        kind, _who, path = pages[number]
        recorder.call(clients[number], kind, "GET", path)
        time.sleep(0.02)

    keys = redis_client.Redis(port=private_redis.port)
    with LoadThreads(len(pages), step) as load:
        time.sleep(1.5)
        assert keys.dbsize() > 0, "the site is not caching in this Redis"
        stopped = time.monotonic()
        private_redis.stop()
        time.sleep(4)
        restarted = time.monotonic()
        private_redis.start()  # empty: no persistence
        time.sleep(4)
        load.stop()

    answers = recorder.answers
    statuses = Counter((a.kind, a.status) for a in answers)
    print(f"\nanswers: {dict(sorted(statuses.items(), key=str))}")
    assert {a.status for a in answers} == {200}, statuses
    during = recorder.between(stopped, restarted)
    assert {a.kind for a in during} == {kind for kind, _who, _path in pages}, (
        "some page was not asked during the outage"
    )
    slowest = max(answers, key=lambda a: a.seconds)
    print(f"during the outage: {len(during)} answers; slowest of all: {slowest.kind} {slowest.seconds:.2f} s")
    assert slowest.seconds < SLOWEST
    # The signed-in pages answered 200, not a redirect to the log-in page: nobody was logged out.
    # Caching resumed by itself in the restarted (empty) Redis.
    assert keys.dbsize() > 0, "nothing was cached after Redis came back"
