"""Server-Timing: how long each dynamic response spent in the database, the cache and in total.

    Server-Timing: db;dur=3.1;desc="4 queries", cache;dur=0.4;desc="2 calls", total;dur=9.8

Browsers show it in the network panel and expose it to `PerformanceResourceTiming.serverTiming`
(same origin). Database time comes from an execute wrapper on every connection; cache time from
wrapping the methods of each cache alias's per-thread backend once (a nested call, such as
`get_or_set` calling `get` and `add`, is counted once). Static files never get here: WhiteNoise
answers them earlier. SERVER_TIMING=0 leaves the header out (the measuring goes on: see below).

The same middleware gives every request an id (a valid incoming `X-Request-ID` from the proxy, or
a new one), returned in the `X-Request-ID` header and available as `request.request_id` and
`current_request_id()` (log lines carry it). Observers registered by other apps (the
observability app: Prometheus metrics, slow-request and slow-query logs) are called with what was
measured: `response_observers` after each response with (request, response, timings, seconds),
`slow_query_observers` for each query of at least SLOW_QUERY_MS with (sql, seconds, many,
timings). An observer that raises is logged and never breaks the response.
"""

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.db import connections

_current = ContextVar("server_timing", default=None)
logger = logging.getLogger("railconnect.server_timing")
# An id from the proxy is kept only if it is short and plain (it ends up in log lines).
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

response_observers: list[Callable[..., None]] = []
slow_query_observers: list[Callable[..., None]] = []

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
    __slots__ = ("db", "db_count", "cache", "cache_count", "cache_depth", "request_id", "slow_query")

    def __init__(self, request_id="", slow_query=float("inf")):
        self.db = self.cache = 0.0
        self.db_count = self.cache_count = self.cache_depth = 0
        self.request_id = request_id
        self.slow_query = slow_query  # seconds

    def header(self, total):
        return ", ".join(
            (
                f"db;dur={self.db * 1000:.1f};"
                f'desc="{self.db_count} quer{"y" if self.db_count == 1 else "ies"}"',
                f"cache;dur={self.cache * 1000:.1f};"
                f'desc="{self.cache_count} call{"" if self.cache_count == 1 else "s"}"',
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
        elapsed = time.perf_counter() - start
        timings.db += elapsed
        timings.db_count += 1
        if elapsed >= timings.slow_query:
            _notify(slow_query_observers, sql, elapsed, many, timings)


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


def current_request_id():
    """The id of the request this thread is serving, or "" outside a request."""
    timings = _current.get()
    return timings.request_id if timings is not None else ""


def _notify(observers, *args):
    for observer in observers:
        try:
            observer(*args)
        except Exception:  # noqa: BLE001 - measuring must never break a response
            logger.exception("observer %r failed", observer)


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = settings.SERVER_TIMING

    def __call__(self, request):
        for alias in settings.CACHES:
            instrument_cache(caches[alias])
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        slow_query = settings.SLOW_QUERY_MS / 1000 if settings.SLOW_QUERY_MS > 0 else float("inf")
        timings = Timings(request.request_id, slow_query)
        token = _current.set(timings)
        start = time.perf_counter()
        try:
            with ExitStack() as stack:
                for connection in connections.all():
                    stack.enter_context(connection.execute_wrapper(_time_queries))
                response = self.get_response(request)
            total = time.perf_counter() - start
            if self.enabled:
                response["Server-Timing"] = timings.header(total)
            response["X-Request-ID"] = request.request_id
            _notify(response_observers, request, response, timings, total)
        finally:
            _current.reset(token)
        return response
