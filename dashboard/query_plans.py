"""Which index each of the dashboard's queries must use, and a way to check it (EXPLAIN).

Shared by tests/test_dashboard_query_plans.py (PostgreSQL and SQLite, modest data) and
benchmarks/bench_dashboard.py (PostgreSQL, a million bookings). The queries are captured from the
real views (so what is explained is exactly what runs), then classified by shape:

| query | index (PostgreSQL; SQLite builds the same keys without INCLUDE) |
|---|---|
| upcoming journeys
  | booking_dash_upcoming_idx: partial, (user, departs_at, id) WHERE status IN (HELD, BOOKED) |
| past and cancelled: count | booking_dash_history_idx: (user, departs_at, id, status), index only |
| past and cancelled: page | booking_dash_history_idx, backwards |
| passengers of the listed bookings | the booking foreign key index of booking_bookingpassenger |
| statistics (view) | dashboard_travel_stats_user_uniq |
| statistics (aggregate): totals, top route
  | booking_dash_summary_idx: (user, status) INCLUDE (...), index only |
| statistics (aggregate): months | booking_dash_history_idx, index only (its key is all it reads) |

SQLite has no INCLUDE: there the summary index is (user, status) alone, and for the top route
(status BOOKED, departed) SQLite rightly prefers booking_dash_history_idx, whose key holds
departs_at and status (SQLITE_EXPECTED).
"""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

EXPECTED = {
    "upcoming": "booking_dash_upcoming_idx",
    "history count": "booking_dash_history_idx",
    "history page": "booking_dash_history_idx",
    "passengers": "booking_bookingpassenger_booking_id",
    "statistics view": "dashboard_travel_stats_user_uniq",
    "statistics totals": "booking_dash_summary_idx",
    "statistics top route": "booking_dash_summary_idx",
    "statistics months": "booking_dash_history_idx",
}

SQLITE_EXPECTED = {**EXPECTED, "statistics top route": "booking_dash_history_idx"}


def expected():
    return SQLITE_EXPECTED if connection.vendor == "sqlite" else EXPECTED


def classify(sql):
    """The kind of a dashboard query (a key of EXPECTED), or None for others (session, user)."""
    text = " ".join(sql.split())
    if 'FROM "dashboard_travel_stats"' in text:
        return "statistics view"
    if 'FROM "booking_bookingpassenger"' in text:
        return "passengers"
    if 'FROM "booking_booking"' not in text:
        return None
    if re.search(r"SUM\(", text, re.I):
        return "statistics totals"
    if "board_station_id" in text and "GROUP BY" in text:
        return "statistics top route"
    if "GROUP BY" in text:
        return "statistics months"
    if "COUNT(*)" in text.upper():
        return "history count"
    if re.search(r'ORDER BY "booking_booking"."departs_at" DESC', text):
        return "history page"
    if re.search(r'ORDER BY "booking_booking"."departs_at" ASC', text):
        return "upcoming"
    return None


def capture(client, urls):
    """{kind: sql} of the dashboard queries the given pages run (each page must answer 200)."""
    found = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        if response.status_code != 200:
            raise AssertionError(f"{url} answered {response.status_code}")
        for query in queries:
            kind = classify(query["sql"])
            if kind is not None:
                found.setdefault(kind, query["sql"])
    return found


def explain(sql, analyze=False):
    prefix = (
        "EXPLAIN QUERY PLAN "
        if connection.vendor == "sqlite"
        else ("EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN ")
    )
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        rows = cursor.fetchall()
    return "\n".join(str(row[-1]) for row in rows)


def problems(plans):
    """[(kind, reason)] for plans that do not use their index or scan the bookings table."""
    found = []
    for kind, plan in plans.items():
        index = expected()[kind]
        if index not in plan:
            found.append((kind, f"does not use {index}"))
        if re.search(r"Seq Scan on booking_booking\b|SCAN booking_booking\b(?! USING)", plan):
            found.append((kind, "scans the bookings table"))
    return found
