"""Prometheus metrics (prometheus_client), exposed at /metrics (observability/views.py).

| metric | labels | from |
|---|---|---|
| railconnect_http_request_duration_seconds (histogram) | view, method
  | every dynamic response (server_timing observer) |
| railconnect_http_responses_total | view, method, status | idem |
| railconnect_db_queries_total, railconnect_db_query_seconds_total | view | server_timing's query wrapper |
| railconnect_cache_calls_total, railconnect_cache_call_seconds_total | view | server_timing's cache wrapper |
| railconnect_cache_lookups_total | level (l1, l2), family, outcome (hit, miss, stale)
  | caching.tiered (stats listener) |
| railconnect_db_pool_{size,available,waiting,max} (gauges) | | psycopg pool stats, summed over live workers |
| railconnect_db_pool_{requests,requests_queued,requests_errors,
  connections,connections_errors,connections_lost}_total, railconnect_db_pool_wait_seconds_total
  | | idem, as counters |
| railconnect_slow_requests_total, railconnect_slow_queries_total | | over SLOW_REQUEST_MS / SLOW_QUERY_MS |
| railconnect_rum_documents_total | outcome (stored, rejected, rate_limited, error) | POST /rum |
| railconnect_rum_p75, railconnect_rum_page_views, railconnect_rum_good_ratio (gauges)
  | route, metric, device_class, window | rum's daily aggregates, read at scrape time (rum/metrics.py) |
| railconnect_booking_queue_depth, railconnect_booking_queue_oldest_seconds (gauges) | |
  booking requests waiting for their inventory's writer, read at scrape time (booking/metrics.py) |
| railconnect_booking_queue_wait_seconds, railconnect_booking_batch_size (histograms) | |
  arrival to outcome of each request; requests per writer transaction (booking/admission.py) |

| railconnect_redis_circuit_open (gauge, largest over live workers), railconnect_redis_circuit_trips_total
  | | the Redis circuit breakers (caching/resilient_redis.py) |
| railconnect_worker_exits_total | reason (timeout, reload, exited)
  | gunicorn's arbiter (observability/workers.py) |
| railconnect_worker_recycles_total | | a worker leaving after GUNICORN_MAX_REQUESTS (idem) |

The alert rules on these names are in deploy/prometheus/alerts.yml (docs/runbook.md).

`view` is the URL name (`booking:choose`), or `<unresolved>`: the set is bounded by the URLconf.

Under gunicorn, prometheus_client runs in multiprocess mode (gunicorn.conf.py sets
PROMETHEUS_MULTIPROC_DIR before forking and cleans it): every worker writes its values to files
there and a scrape adds up all of them, so the figures are the whole server's whichever worker
answers. Without the variable (tests, runserver, management commands) the metrics live in this
process, in the default registry.
"""

import os
import threading
import time

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.registry import Collector

from . import workers as workers  # the worker exit counters: every process reports them

MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if MULTIPROCESS_DIR:
    # A stale variable naming a missing directory would make every metric update fail.
    os.makedirs(MULTIPROCESS_DIR, exist_ok=True)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUEST_SECONDS = Histogram(
    "railconnect_http_request_duration_seconds",
    "Time to answer a dynamic request, by view",
    ["view", "method"],
    buckets=LATENCY_BUCKETS,
)
RESPONSES = Counter(
    "railconnect_http_responses", "Responses by view and status code", ["view", "method", "status"]
)
DB_QUERIES = Counter("railconnect_db_queries", "Database queries made while answering requests", ["view"])
DB_SECONDS = Counter("railconnect_db_query_seconds", "Time spent in database queries", ["view"])
CACHE_CALLS = Counter(
    "railconnect_cache_calls", "Cache backend calls made while answering requests", ["view"]
)
CACHE_SECONDS = Counter("railconnect_cache_call_seconds", "Time spent in cache backend calls", ["view"])
CACHE_LOOKUPS = Counter(
    "railconnect_cache_lookups",
    "Two-level cache lookups by level, key family and outcome",
    ["level", "family", "outcome"],
)
SLOW_REQUESTS = Counter("railconnect_slow_requests", "Requests slower than SLOW_REQUEST_MS")
SLOW_QUERIES = Counter("railconnect_slow_queries", "Database queries slower than SLOW_QUERY_MS")
RUM_DOCUMENTS = Counter(
    "railconnect_rum_documents", "RUM documents received at /rum, by outcome", ["outcome"]
)

# Pool gauges: each worker has its own pool, so the server's figure is the sum over live workers.
POOL_GAUGES = {
    key: Gauge(f"railconnect_db_pool_{name}", help_text, multiprocess_mode="livesum")
    for key, name, help_text in (
        ("pool_size", "size", "Connections in the pools (in use or idle)"),
        ("pool_available", "available", "Idle connections in the pools"),
        ("requests_waiting", "waiting", "Requests waiting for a connection"),
        ("pool_max", "max", "Most connections the pools may open"),
    )
}
# Pool counters: psycopg_pool counts since the pool opened; the increase since the last look is added.
POOL_COUNTERS = {
    key: (Counter(f"railconnect_db_pool_{name}", help_text), scale)
    for key, name, help_text, scale in (
        ("requests_num", "requests", "Connections requested from the pools", 1),
        ("requests_queued", "requests_queued", "Requests that had to wait for a connection", 1),
        ("requests_errors", "requests_errors", "Requests that got no connection (timeout)", 1),
        ("requests_wait_ms", "wait_seconds", "Time requests waited for a connection", 0.001),
        ("connections_num", "connections", "Connections opened to the database", 1),
        ("connections_errors", "connections_errors", "Failed attempts to open a connection", 1),
        ("connections_lost", "connections_lost", "Connections found broken", 1),
    )
}
# Collectors read at scrape time (each worker reports the same values), added by the apps that own
# the figures from their AppConfig.ready(): rum's Web Vitals (rum/metrics.py).
scrape_collectors: list[Collector] = []

POOL_INTERVAL = 1.0  # seconds between two reads of the pool's statistics in one process
_pool_state = {"at": 0.0, "seen": {}}
_pool_lock = threading.Lock()


def view_label(request):
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else "<unresolved>"


def observe_response(request, response, timings, seconds):
    """server_timing response observer: one request's figures."""
    view = view_label(request)
    method = request.method if request.method in METHODS else "other"
    REQUEST_SECONDS.labels(view, method).observe(seconds)
    RESPONSES.labels(view, method, str(response.status_code)).inc()
    if timings.db_count:
        DB_QUERIES.labels(view).inc(timings.db_count)
        DB_SECONDS.labels(view).inc(timings.db)
    if timings.cache_count:
        CACHE_CALLS.labels(view).inc(timings.cache_count)
        CACHE_SECONDS.labels(view).inc(timings.cache)
    update_pool_metrics()


def count_cache_lookup(family, level, outcome):
    """caching.stats listener."""
    CACHE_LOOKUPS.labels(level, family, outcome).inc()


def update_pool_metrics(force=False):
    """Copy this process's pool statistics into the metrics (at most once a second unless forced)."""
    now = time.monotonic()
    if not force and now - _pool_state["at"] < POOL_INTERVAL:
        return
    with _pool_lock:
        if not force and now - _pool_state["at"] < POOL_INTERVAL:
            return
        _pool_state["at"] = now
        from django.db import connection

        from caching.health import database_pool_stats

        # Only a pool that exists: asking Django for one would open it (and its connections).
        pools = getattr(type(connection), "_connection_pools", None)
        if pools is not None and connection.alias not in pools:
            return
        stats = database_pool_stats()
        if not stats:
            return
        for key, gauge in POOL_GAUGES.items():
            gauge.set(stats.get(key, 0))
        seen = _pool_state["seen"]
        for key, (counter, scale) in POOL_COUNTERS.items():
            current = stats.get(key, 0)
            increase = current - seen.get(key, 0)
            if increase < 0:  # the pool was replaced (or its counters popped): count afresh
                increase = current
            if increase:
                counter.inc(increase * scale)
            seen[key] = current


class _Union:
    def __init__(self, *collectors):
        self.collectors = collectors

    def collect(self):
        for collector in self.collectors:
            yield from collector.collect()


def exposition_registry():
    """What a scrape reports: every worker's metrics (multiprocess) or this process's, plus the
    scrape-time collectors."""
    if MULTIPROCESS_DIR:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=MULTIPROCESS_DIR)
        return _Union(registry, *scrape_collectors)
    return _Union(REGISTRY, *scrape_collectors)
