"""Request ids on every log line, and structured lines for slow requests and slow queries.

Slow lines go to the `railconnect.slow` logger at WARNING, the message a JSON object:

    {"event": "slow_request", "request_id": "9f1c...", "method": "GET", "view": "search",
     "route": "/search", "status": 200, "duration_ms": 812.4, "db_ms": 640.2, "db_queries": 14,
     "cache_ms": 3.1, "cache_calls": 6}
    {"event": "slow_query", "request_id": "9f1c...", "duration_ms": 210.7, "many": false,
     "sql": "SELECT ... WHERE \"timetable_stop\".\"station_id\" = %s ..."}

Thresholds: SLOW_REQUEST_MS and SLOW_QUERY_MS (0 turns either off). Paths and query strings are
not logged (a payment token is part of a path); the route template and the URL name are. SQL is
logged with its placeholders, never the parameters, cut to SLOW_QUERY_SQL_CHARS characters.
"""

import json
import logging

from django.conf import settings

from railconnect.server_timing import current_request_id

from .routes import request_route

slow_logger = logging.getLogger("railconnect.slow")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (or "-") to every record, for the formatter's %(request_id)s."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return True


def _line(**fields):
    return json.dumps(fields, separators=(", ", ": "), ensure_ascii=False)


def log_slow_request(request, response, timings, seconds):
    """server_timing response observer."""
    threshold = settings.SLOW_REQUEST_MS
    if threshold <= 0 or seconds * 1000 < threshold:
        return
    from .metrics import SLOW_REQUESTS, view_label

    SLOW_REQUESTS.inc()
    slow_logger.warning(
        _line(
            event="slow_request",
            request_id=timings.request_id,
            method=request.method,
            view=view_label(request),
            route=request_route(request) or None,
            status=response.status_code,
            duration_ms=round(seconds * 1000, 1),
            db_ms=round(timings.db * 1000, 1),
            db_queries=timings.db_count,
            cache_ms=round(timings.cache * 1000, 1),
            cache_calls=timings.cache_count,
        )
    )


def log_slow_query(sql, seconds, many, timings):
    """server_timing slow-query observer (called only past SLOW_QUERY_MS)."""
    from .metrics import SLOW_QUERIES

    SLOW_QUERIES.inc()
    slow_logger.warning(
        _line(
            event="slow_query",
            request_id=timings.request_id,
            duration_ms=round(seconds * 1000, 1),
            many=bool(many),
            sql=str(sql)[: settings.SLOW_QUERY_SQL_CHARS],
        )
    )
