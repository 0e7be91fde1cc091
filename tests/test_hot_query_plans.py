"""EXPLAIN (ANALYZE) of the booking engine's hot queries on PostgreSQL, with enough data that the
planner's choice means something: a network three times the demo size, an inventory row per
train, class and day for 60 days, and 40,000 bookings by 2,000 passengers.

Search has its own plan test (test_search_query_plan.py), the dashboard too
(test_dashboard_query_plans.py).
"""

import datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone

from booking.models import Booking, Inventory
from demo.network import build_demo_network
from timetable.loading import load_network

from testsupport.generated_bookings import generate

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

INVENTORY_DAYS = 60


@pytest.fixture
def loaded(postgres_only):
    load_network(*build_demo_network(scale=3))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO booking_inventory (train_id, journey_date, travel_class, coach_count, legs,
            departs_at,
                                           chart_due_at, occupancy, rac_count, gnwl_count,
            tqwl_count, updated_at)
            SELECT t.id, CURRENT_DATE + d, split_part(t.classes, ',', 1), 1, 1,
            now(), now(), '[]', 0, 0, 0, now()
            FROM timetable_train t CROSS JOIN generate_series(1, %s) AS d
            """,
            [INVENTORY_DAYS],
        )
        generate(cursor, users=2000, bookings=40_000, heavy_bookings=200, heavy_upcoming=10)
        cursor.execute("VACUUM ANALYZE")


def plan(queryset):
    return queryset.explain(analyze=True)


def assert_uses(text, index, table):
    assert index in text, text
    assert f"Seq Scan on {table}" not in text, text


def test_availability_and_allocation_read_one_inventory_row_by_its_key(loaded):
    sample = Inventory.objects.order_by("?").values("train_id", "journey_date", "travel_class").first()
    lookup = Inventory.objects.filter(**sample)
    assert_uses(plan(lookup), "inventory_uniq", "booking_inventory")  # booking/availability.py
    with transaction.atomic():  # the inventory row lock's look-up by key (admission._inventory_id)
        assert_uses(plan(lookup.select_for_update()), "inventory_uniq", "booking_inventory")


def test_booking_lookups_use_their_indexes(loaded):
    booking = Booking.objects.order_by("?").first()
    assert_uses(plan(Booking.objects.filter(pnr=booking.pnr)), "pnr", "booking_booking")
    mine = Booking.objects.filter(user_id=booking.user_id).order_by("-created_at")[:20]
    # Several indexes lead with user_id (this list's, the dashboard's): any of them will do.
    assert_uses(plan(mine), "Index Cond: (user_id =", "booking_booking")
    expired_holds = Booking.objects.filter(
        inventory_id=booking.inventory_id, status=Booking.Status.HELD, hold_expires_at__lte=timezone.now()
    )
    # booking_hold_idx, or the status index when holds are as rare as they are here: an index either way.
    assert_uses(plan(expired_holds), "Index Scan using booking_", "booking_booking")


def test_chart_preparation_finds_due_trains_by_index(loaded):
    due = Inventory.objects.filter(
        chart_prepared_at__isnull=True, chart_due_at__lte=timezone.now() - datetime.timedelta(days=400)
    )
    assert "Seq Scan on booking_inventory" not in plan(due)
