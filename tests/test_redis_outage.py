"""A Redis outage slows the site down but never breaks it, and it recovers by itself.

These tests run their own redis-server on a free port, so stopping it disturbs nobody.
"""

import logging
import time

import pytest

from caching.tiered import tiered_cache

from testsupport.load_harness import free_port
from testsupport.metrics import scrape, value
from testsupport.networks import next_weekday, tiny_network
from testsupport.private_services import REDIS_SERVER, PrivateRedis

needs_redis_server = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")


def use_redis(settings, port):
    settings.REDIS_RETRY_AFTER = 0.3
    settings.CACHES = {
        "default": {
            "BACKEND": "caching.resilient_redis.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25},
        }
    }
    tiered_cache.l1.clear()


def redis_errors(caplog):
    return [r for r in caplog.records if r.name == "railconnect.redis" and r.levelno >= logging.ERROR]


@pytest.mark.django_db
def test_a_closed_port_means_cache_misses_and_one_log_line(settings, client, caplog):
    tiny_network()
    use_redis(settings, free_port())  # nothing listens there
    params = {"from": "Alpha", "to": "Beta", "date": next_weekday(0).isoformat()}
    started = time.perf_counter()
    for _ in range(20):
        tiered_cache.l1.clear()
        assert client.get("/search", params).status_code == 200
        assert client.get("/api/stations", {"q": "al"}).status_code == 200
    # The log-line count below is the real check (the breaker opened once). The time bound only
    # catches a wait per request (40 x a connect timeout); it is loose so a busy machine passes.
    assert time.perf_counter() - started < 20
    assert len(redis_errors(caplog)) == 1


@needs_redis_server
@pytest.mark.django_db
def test_pages_survive_redis_stopping_and_caching_resumes_when_it_returns(settings, client, caplog):
    from django.core.cache import cache

    tiny_network()
    redis = PrivateRedis()
    redis.start()
    try:
        use_redis(settings, redis.port)
        params = {"from": "Alpha", "to": "Beta", "date": next_weekday(0).isoformat()}
        assert client.get("/search", params).status_code == 200
        assert cache.get("timetable:version") is not None  # really in Redis

        redis.stop()
        for _ in range(10):
            tiered_cache.l1.clear()
            assert client.get("/search", params).status_code == 200
            assert client.get("/trains/12001").status_code == 200
        assert len(redis_errors(caplog)) == 1

        redis.start()
        time.sleep(0.4)  # past REDIS_RETRY_AFTER: the next call probes Redis again
        tiered_cache.l1.clear()
        assert client.get("/search", params).status_code == 200
        cache.set("probe", "back", 10)
        assert cache.get("probe") == "back"
        assert any("Redis is back" in r.getMessage() for r in caplog.records)
    finally:
        if redis.process.poll() is None:
            redis.stop()


@needs_redis_server
@pytest.mark.django_db(transaction=True)
def test_sessions_survive_a_redis_outage(settings, client):
    from django.contrib.auth import get_user_model

    redis = PrivateRedis()
    redis.start()
    try:
        use_redis(settings, redis.port)
        user = get_user_model().objects.create_user("asha", password="pw-asha-123")
        client.force_login(user)
        redis.stop()
        # cached_db sessions fall back to the database: still logged in.
        response = client.get("/admin/", follow=False)
        assert response.status_code == 302  # not staff, but the session was read without error
        from django.contrib.sessions.models import Session

        assert Session.objects.count() == 1
    finally:
        if redis.process.poll() is None:
            redis.stop()


@needs_redis_server
@pytest.mark.django_db
def test_the_circuit_breaker_metrics_follow_an_outage(settings, client):
    """railconnect_redis_circuit_open (the RedisCircuitOpen alert) is 1 from the failure that trips
    the breaker until a call succeeds again; each trip is counted."""
    tiny_network()
    redis = PrivateRedis()
    redis.start()
    try:
        use_redis(settings, redis.port)
        assert client.get("/trains/12001").status_code == 200
        before = scrape(client)
        assert value(before, "railconnect_redis_circuit_open") == 0

        redis.stop()
        tiered_cache.l1.clear()
        assert client.get("/trains/12001").status_code == 200
        during = scrape(client)
        assert value(during, "railconnect_redis_circuit_open") == 1
        trips = value(during, "railconnect_redis_circuit_trips_total")
        assert trips - value(before, "railconnect_redis_circuit_trips_total") >= 1

        time.sleep(0.4)  # past REDIS_RETRY_AFTER: the probe fails and re-opens the breaker
        tiered_cache.l1.clear()
        assert client.get("/trains/12001").status_code == 200
        still = scrape(client)
        assert value(still, "railconnect_redis_circuit_open") == 1
        assert value(still, "railconnect_redis_circuit_trips_total") > trips

        redis.start()
        time.sleep(0.4)
        tiered_cache.l1.clear()
        assert client.get("/trains/12001").status_code == 200
        assert value(scrape(client), "railconnect_redis_circuit_open") == 0
    finally:
        redis.stop_if_running()


@pytest.mark.django_db
def test_a_closed_port_opens_the_circuit_in_the_metrics(settings, client):
    tiny_network()
    use_redis(settings, free_port())  # nothing listens there
    before = value(scrape(client), "railconnect_redis_circuit_trips_total")
    assert client.get("/trains/12001").status_code == 200
    after = scrape(client)
    assert value(after, "railconnect_redis_circuit_open") == 1
    assert value(after, "railconnect_redis_circuit_trips_total") - before >= 1
