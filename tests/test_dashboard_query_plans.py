"""Each of the dashboard's queries uses the index made for it (dashboard/query_plans.py), checked
with EXPLAIN on the queries the views really run: on PostgreSQL with 60,000 bookings (the
benchmark does a million), and on SQLite."""

import pytest
from django.db import connection
from django.test import Client

from dashboard import query_plans, travel_stats

from testsupport.booking_rows import World, many_bookings
from testsupport.generated_bookings import generate
from testsupport.networks import booking_network
from testsupport.users import make_user

pytestmark = pytest.mark.slow

PAGES = ["/dashboard", "/dashboard/journeys/fragment?page=2", "/dashboard/statistics/fragment"]


def plans_for(client, user, *, view):
    if not view:
        travel_stats.mark_changed(user.pk, at=4e9)  # changed "after" any refresh: the aggregate path
    found = query_plans.capture(client, PAGES)
    return {kind: query_plans.explain(sql) for kind, sql in found.items()}


@pytest.mark.django_db(transaction=True)
def test_postgres_plans_use_the_dashboard_indexes(postgres_only, django_user_model):
    booking_network()
    with connection.cursor() as cursor:
        heavy_id = generate(cursor, users=3000, bookings=60_000, heavy_bookings=600, heavy_upcoming=15)
        cursor.execute("VACUUM ANALYZE")
    travel_stats.refresh()
    client = Client()
    heavy = django_user_model.objects.get(pk=heavy_id)
    client.force_login(heavy)
    plans = plans_for(client, heavy, view=True) | plans_for(client, heavy, view=False)
    assert set(plans) == set(query_plans.EXPECTED), sorted(plans)
    assert query_plans.problems(plans) == [], "\n\n".join(f"{kind}:\n{plan}" for kind, plan in plans.items())
    # Index-only where the index holds everything the query reads.
    assert "Index Only Scan" in plans["history count"], plans["history count"]
    assert "Index Only Scan using booking_dash_summary_idx" in plans["statistics totals"], plans[
        "statistics totals"
    ]


@pytest.mark.django_db
def test_sqlite_plans_search_by_passenger(db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's planner (the PostgreSQL plans are checked above)")
    booking_network()
    world = World()
    heavy = make_user("heavy")
    for n in range(20):
        many_bookings(world, make_user(f"other{n}"), 30, upcoming=2)
    many_bookings(world, heavy, 300, upcoming=12)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client()
    client.force_login(heavy)
    plans = plans_for(client, heavy, view=False)
    assert set(plans) == set(query_plans.EXPECTED) - {"statistics view"}
    assert query_plans.problems(plans) == [], "\n\n".join(f"{kind}:\n{plan}" for kind, plan in plans.items())
