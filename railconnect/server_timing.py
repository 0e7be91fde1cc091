"""Server-Timing: how long each dynamic response spent in the database, the cache and in total.

    Server-Timing: db;dur=3.1;desc="4 queries", cache;dur=0.4;desc="2 calls", total;dur=9.8

Browsers show it in the network panel and expose it to `PerformanceResourceTiming.serverTiming`
(same origin). Database time comes from an execute wrapper on every connection; cache time from
wrapping the methods of each cache alias's per-thread backend once (a nested call, such as
`get_or_set` calling `get` and `add`, is counted once). Static files never get here: WhiteNoise
answers them earlier. Turned off with SERVER_TIMING=0.
"""

import time
from contextlib import ExitStack
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.db import connections

_current = ContextVar("server_timing", default=None)

CACHE_METHODS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "get_or_set",
    "has_key",
    "incr",
    "decr",
    "set_many",
    "delete_many",
    "clear",
)


class Timings:
    __slots__ = ("db", "db_count", "cache", "cache_count", "cache_depth")

    def __init__(self):
        self.db = self.cache = 0.0
        self.db_count = self.cache_count = self.cache_depth = 0

    def header(self, total):
        return ", ".join(
            (
                f'db;dur={self.db * 1000:.1f};desc="{self.db_count} quer{"y" if self.db_count == 1 else "ies"}"',
                f'cache;dur={self.cache * 1000:.1f};desc="{self.cache_count} call{"" if self.cache_count == 1 else "s"}"',
                f"total;dur={total * 1000:.1f}",
            )
        )


def _time_queries(execute, sql, params, many, context):
    timings = _current.get()
    if timings is None:
        return execute(sql, params, many, context)
    start = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        timings.db += time.perf_counter() - start
        timings.db_count += 1


def _timed_cache_method(method):
    @wraps(method)
    def timed(*args, **kwargs):
        timings = _current.get()
        if timings is None or timings.cache_depth:
            return method(*args, **kwargs)
        timings.cache_depth += 1
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            timings.cache_depth -= 1
            timings.cache += time.perf_counter() - start
            timings.cache_count += 1

    return timed


def instrument_cache(backend):
    """Wrap a cache backend instance's methods (once) so they report to the current request."""
    if getattr(backend, "_server_timing", False):
        return
    for name in CACHE_METHODS:
        method = getattr(backend, name, None)
        if method is not None:
            setattr(backend, name, _timed_cache_method(method))
    backend._server_timing = True


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = settings.SERVER_TIMING

    def __call__(self, request):
        if not self.enabled:
            return self.get_response(request)
        for alias in settings.CACHES:
            instrument_cache(caches[alias])
        timings = Timings()
        token = _current.set(timings)
        start = time.perf_counter()
        try:
            with ExitStack() as stack:
                for connection in connections.all():
                    stack.enter_context(connection.execute_wrapper(_time_queries))
                response = self.get_response(request)
        finally:
            _current.reset(token)
        response["Server-Timing"] = timings.header(time.perf_counter() - start)
        return response
