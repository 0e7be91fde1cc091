"""django-redis behind a circuit breaker, so a Redis outage slows the site down but never breaks it.

Every cache operation that fails on a connection error returns what a cache miss would (the
caller then goes to the database), trips the breaker, and for the next few seconds no operation
even tries Redis, so requests don't each wait for a connect timeout. The first call after that
interval probes Redis again; the site recovers by itself when Redis is back. An outage is
logged once when it starts (and at most once per interval while it lasts), and once when it ends.

Two metrics follow the breakers (alert rules: deploy/prometheus/alerts.yml):
railconnect_redis_circuit_open is 1 from a failed Redis call (which opens a breaker) until a
Redis call of the same process succeeds again (the probes in between fail and re-open it), else 0;
under gunicorn the scrape reports the largest over live workers (multiprocess mode "livemax").
railconnect_redis_circuit_trips_total counts the failures that (re)opened a breaker. Django keeps
one cache object, so one breaker, per thread; Redis is the same for all of them, so the process's
gauge follows the latest outcome of any of its threads (the hot path reads one flag).
"""

import logging
import threading
import time
from functools import wraps

from django.conf import settings
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from prometheus_client import Counter, Gauge
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("railconnect.redis")
OUTAGE_ERRORS = (ConnectionInterrupted, RedisConnectionError, RedisTimeoutError, OSError)

CIRCUIT_OPEN = Gauge(
    "railconnect_redis_circuit_open",
    "1 from a failed Redis call (a circuit breaker opens) until one succeeds again, else 0",
    multiprocess_mode="livemax",
)
CIRCUIT_TRIPS = Counter(
    "railconnect_redis_circuit_trips", "Failed Redis calls that opened (or re-opened) a circuit breaker"
)
_circuit = {"open": False}
_circuit_lock = threading.Lock()


def _publish_circuit(*, open_: bool) -> None:
    with _circuit_lock:
        _circuit["open"] = open_
        CIRCUIT_OPEN.set(1 if open_ else 0)


class CircuitBreaker:
    def __init__(self, retry_after):
        self.retry_after = retry_after
        self._open_until = 0.0
        self._down_since = None
        self._last_logged = 0.0
        self._lock = threading.Lock()
        self.trips = 0

    @property
    def is_open(self):
        return time.monotonic() < self._open_until

    @property
    def is_down(self):
        return self._down_since is not None

    def failed(self, error):
        now = time.monotonic()
        with self._lock:
            self._open_until = now + self.retry_after
            self.trips += 1
            CIRCUIT_TRIPS.inc()
            if self._down_since is None:
                self._down_since = now
            _publish_circuit(open_=True)
            if now - self._last_logged >= settings.REDIS_OUTAGE_LOG_INTERVAL:
                self._last_logged = now
                logger.error(
                    "Redis unavailable (%s: %s); serving from the database, retrying every %.0f s",
                    type(error).__name__,
                    error,
                    self.retry_after,
                )

    def succeeded(self):
        if _circuit["open"]:  # another thread's breaker (or an earlier one) saw Redis down
            _publish_circuit(open_=False)
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is not None:
                logger.warning("Redis is back after %.1f s", time.monotonic() - self._down_since)
                self._down_since = None
                self._last_logged = 0.0


def _guarded(method, on_failure):
    @wraps(method)
    def wrapper(self, *args, **kwargs):
        if self.breaker.is_open:
            return on_failure(*args, **kwargs)
        try:
            result = method(self, *args, **kwargs)
        except OUTAGE_ERRORS as error:
            self.breaker.failed(error)
            return on_failure(*args, **kwargs)
        self.breaker.succeeded()
        return result

    return wrapper


def _default_of_get(key, default=None, *args, **kwargs):
    return default


def _nothing(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _empty_dict(*args, **kwargs):
    return {}


def _not_stored(*args, **kwargs):
    raise ValueError("Redis unavailable: counter not found")


class ResilientRedisCache(RedisCache):
    """RedisCache whose everyday operations degrade to cache misses while Redis is down."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self.breaker = CircuitBreaker(settings.REDIS_RETRY_AFTER)

    get = _guarded(RedisCache.get, _default_of_get)
    set = _guarded(RedisCache.set, _false)
    add = _guarded(RedisCache.add, _false)
    delete = _guarded(RedisCache.delete, _false)
    touch = _guarded(RedisCache.touch, _false)
    has_key = _guarded(RedisCache.has_key, _false)
    get_many = _guarded(RedisCache.get_many, _empty_dict)
    set_many = _guarded(RedisCache.set_many, _nothing)
    delete_many = _guarded(RedisCache.delete_many, _nothing)
    incr = _guarded(RedisCache.incr, _not_stored)
    clear = _guarded(RedisCache.clear, _nothing)
