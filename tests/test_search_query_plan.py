"""On PostgreSQL with a network several times the demo size, the search query must be answered
from the stops index, never by scanning the stops table."""

import pytest
from django.db import connection

from demo.network import build_demo_network
from search.places import resolve_place
from search.train_search import search_sql
from timetable.loading import load_network

# Committed data and VACUUM ANALYZE (outside a transaction): earlier tests' rolled-back rows
# would otherwise linger as dead tuples and skew the planner's estimates.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def scaled_network(postgres_only):
    load_network(*build_demo_network(scale=3))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def explain(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_search_plan_uses_the_stop_index(scaled_network):
    for origin, destination in [("NDLS", "Mumbai"), ("Chennai", "SBC"), ("HWH", "NDLS")]:
        origin_ids, destination_ids = resolve_place(origin).ids, resolve_place(destination).ids
        plan = explain(search_sql(len(origin_ids), len(destination_ids)), [*origin_ids, *destination_ids])
        assert "Seq Scan on timetable_stop" not in plan, plan
        assert "stop_station_search_idx" in plan, plan


def test_station_lookups_use_their_indexes(scaled_network):
    from timetable.models import Station

    for queryset in [
        Station.objects.filter(city__iexact="mumbai"),
        Station.objects.filter(name__istartswith="mum"),
    ]:
        plan = queryset.explain()
        assert "Seq Scan" not in plan, plan
