"""Travel statistics: both implementations equal a direct computation from the definitions; the
materialized view (PostgreSQL) is refreshed by the command and after booking changes, without the
booking waiting for it; the month chart."""

import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.tasks import default_task_backend
from django.utils import timezone

from booking.models import Booking
from dashboard import svg_charts, travel_stats
from railconnect.indian_formats import rupees

from testsupport.booking_rows import (
    DAY,
    HOUR,
    World,
    booking,
    direct_stats,
    many_bookings,
    save_all,
    stats_as_dict,
)
from testsupport.networks import booking_network
from testsupport.users import logged_in_client, make_user

B = Booking.Status


@pytest.fixture
def people(world):
    """A heavy traveller, a light one, one with only future trips, one with nothing paid."""
    heavy, light, future, unpaid = (make_user(name) for name in ("heavy", "light", "future", "unpaid"))
    many_bookings(world, heavy, 300, upcoming=12)
    many_bookings(world, light, 9, upcoming=1)
    now = timezone.now()
    save_all(
        [
            booking(world, future, departs_at=now + 3 * DAY),
            booking(world, unpaid, departs_at=now + 2 * DAY, status=B.HELD),
            booking(world, unpaid, departs_at=now - 2 * DAY, status=B.EXPIRED),
            booking(world, unpaid, departs_at=now + 9 * DAY, status=B.CANCELLED, paid=False),
        ]
    )
    return {"heavy": heavy, "light": light, "future": future, "unpaid": unpaid}


def assert_matches_direct(stats, user):
    assert stats.as_of is not None
    assert stats_as_dict(stats) == direct_stats(user, stats.as_of)


def test_aggregate_equals_direct_computation(people):
    heavy = travel_stats.aggregate_stats(people["heavy"])
    assert heavy.source == "aggregate" and heavy.total_bookings > 200 and heavy.journeys_taken > 100
    assert heavy.top_route is not None and heavy.km_travelled > 0 and len(heavy.journeys_by_month) > 6
    for user in people.values():
        assert_matches_direct(travel_stats.aggregate_stats(user), user)
    nothing = travel_stats.aggregate_stats(people["unpaid"])
    assert (nothing.total_bookings, nothing.average_fare, nothing.top_route, nothing.total_spent) == (
        0,
        None,
        None,
        0,
    )


def test_view_equals_direct_computation(people, postgres_only):
    travel_stats.refresh()
    for name, user in people.items():
        stats = travel_stats.stats_for(user)
        expected_source = "aggregate" if name == "unpaid" else "materialized view"  # no row: nothing ticketed
        assert stats.source == expected_source, name
        assert_matches_direct(stats, user)
    # The same figures both ways (as of the same moment).
    view = travel_stats.stats_for(people["heavy"])
    assert stats_as_dict(view) == stats_as_dict(travel_stats.aggregate_stats(people["heavy"], now=view.as_of))


def test_top_route_ties_and_months_follow_the_definitions(world, request):
    user = make_user("tied")
    now = timezone.now()
    this_month = timezone.localtime(now).replace(day=1, hour=0, minute=30, second=0, microsecond=0)
    save_all(
        [
            # Two journeys each on CCC->DDD and AAA->BBB: the lower boarding station id wins.
            booking(world, user, departs_at=now - 40 * DAY, board="CCC", alight="DDD", distance_km=500),
            booking(world, user, departs_at=now - 41 * DAY, board="CCC", alight="DDD", distance_km=500),
            booking(world, user, departs_at=now - 42 * DAY, board="AAA", alight="BBB", distance_km=400),
            booking(world, user, departs_at=now - 43 * DAY, board="AAA", alight="BBB", distance_km=400),
            # 00:30 IST on the 1st is the previous day in UTC: it counts in this month.
            booking(world, user, departs_at=this_month, board="BBB", alight="DDD", distance_km=1000),
            booking(
                world,
                user,
                departs_at=this_month - datetime.timedelta(hours=1),
                board="BBB",
                alight="DDD",
                distance_km=1000,
            ),
        ]
    )
    implementations = [travel_stats.aggregate_stats]
    if connection.vendor == "postgresql":
        travel_stats.refresh()
        implementations.append(travel_stats.stats_for)
    key = this_month.strftime("%Y-%m")
    previous = (this_month - datetime.timedelta(days=1)).strftime("%Y-%m")
    for implementation in implementations:
        stats = implementation(user)
        if this_month >= stats.as_of:
            pytest.skip("the first half hour of a month: the 00:30 journey has not departed yet")
        assert stats.top_route.board_code == "AAA" and stats.top_route.alight_code == "BBB", implementation
        assert stats.journeys_by_month[key] == 1 and stats.journeys_by_month.get(previous, 0) >= 1
        assert stats.km_travelled == 2 * 500 + 2 * 400 + 2 * 1000
        assert_matches_direct(stats, user)


def test_average_fare_rounds_half_up_to_the_paisa(world):
    user = make_user("rounding")
    now = timezone.now()
    save_all(
        [
            booking(world, user, departs_at=now - DAY, fare="100.00"),
            booking(world, user, departs_at=now - 2 * DAY, fare="100.01"),
        ]
    )
    stats = travel_stats.aggregate_stats(user)
    assert stats.average_fare == Decimal("100.01")  # 100.005 half up
    assert stats.total_spent == Decimal("200.01")


# --- Refreshing ----------------------------------------------------------------------------------


def test_refresh_stats_command(world, capsys):
    call_command("refresh_stats")
    out = capsys.readouterr().out
    if connection.vendor == "postgresql":
        assert "Refreshed dashboard_travel_stats concurrently" in out
    else:
        assert "computed on each read" in out


def test_a_new_ticket_shows_live_at_once_then_from_the_refreshed_view(
    world, people, postgres_only, monkeypatch, django_capture_on_commit_callbacks
):
    # The marker and the view's refresh time come from the same clock here: no margin needed, so
    # the refresh a moment after the change counts as covering it.
    monkeypatch.setattr(travel_stats, "CLOCK_MARGIN", 0)
    user = people["light"]
    travel_stats.refresh()
    before = travel_stats.stats_for(user)
    assert before.source == "materialized view"
    held = save_all([booking(world, user, departs_at=timezone.now() - 3 * HOUR, status=B.HELD)])[0]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        held.mark_paid(timezone.now())  # a save(): the signal marks the passenger changed
    assert len(callbacks) == 1
    live = travel_stats.stats_for(user)
    assert live.source == "aggregate", "changed since the refresh: computed live"
    assert (
        live.total_bookings == before.total_bookings + 1 and live.journeys_taken == before.journeys_taken + 1
    )
    assert_matches_direct(live, user)
    travel_stats.refresh()
    after = travel_stats.stats_for(user)
    assert after.source == "materialized view"
    assert stats_as_dict(after) == stats_as_dict(live)
    assert_matches_direct(after, user)


def test_changes_are_live_until_a_refresh_that_started_after_them(world, postgres_only):
    user = make_user("marker")
    save_all([booking(world, user, departs_at=timezone.now() - DAY)])
    travel_stats.refresh()
    row_time = travel_stats._view_row(user.pk).computed_at.timestamp()
    travel_stats.mark_changed(user.pk, at=row_time - 10)
    assert travel_stats.stats_for(user).source == "materialized view", "changed well before the refresh"
    travel_stats.mark_changed(user.pk, at=row_time + 1)
    assert travel_stats.stats_for(user).source == "aggregate", "changed after the refresh started"


def test_immediate_mode_refreshes_after_commit_and_not_before(
    world, people, postgres_only, settings, django_capture_on_commit_callbacks
):
    settings.DASHBOARD_STATS_REFRESH = "immediate"
    user = people["future"]
    travel_stats.refresh()
    assert travel_stats._view_row(user.pk).total_bookings == 1
    extra = save_all([booking(world, user, departs_at=timezone.now() + 5 * DAY, status=B.HELD)])[0]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        extra.mark_paid(timezone.now())
    assert len(callbacks) == 1
    assert travel_stats._view_row(user.pk).total_bookings == 1, "nothing runs before the commit"
    callbacks[0]()
    assert travel_stats._view_row(user.pk).total_bookings == 2


def test_holds_do_not_trigger_anything_payments_and_cancellations_do(
    world, django_capture_on_commit_callbacks
):
    user = make_user("signals")
    with django_capture_on_commit_callbacks() as callbacks:
        row = booking(world, user, departs_at=timezone.now() + 4 * DAY, status=B.HELD)
        row.save()
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        row.mark_paid(timezone.now())
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        row.status = B.CANCELLED
        row.save(update_fields=["status"])
    assert len(callbacks) == 1


def test_the_booking_engine_marks_the_passenger_changed(world, django_capture_on_commit_callbacks):
    """Through the real engine: hold, pay; the passenger's dashboard then reads live figures."""
    from booking.admission import hold_booking
    from booking.booking_requests import parse_booking_request

    from testsupport.bookings import payload

    user = make_user("engine")
    with django_capture_on_commit_callbacks(execute=True):
        result = hold_booking(user, parse_booking_request(payload()))
    assert travel_stats.cache.get(travel_stats._changed_key(user.pk)) is None, "a hold changes no figure"
    with django_capture_on_commit_callbacks(execute=True):
        result.booking.mark_paid(timezone.now())
    assert travel_stats.cache.get(travel_stats._changed_key(user.pk)) is not None
    stats = travel_stats.stats_for(user)
    assert stats.total_bookings == 1 and stats.journeys_taken == 0 and stats.source == "aggregate"


@pytest.fixture
def queued_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    return default_task_backend


def test_background_refresh_never_holds_up_the_booking_and_gathers_changes(
    world, settings, monkeypatch, queued_tasks
):
    """The refresh is a task (run by the task worker) queued after the commit, a delay later:
    the saves do not wait for it, and several changes close together make one refresh."""
    settings.DASHBOARD_STATS_REFRESH = "background"
    settings.DASHBOARD_STATS_REFRESH_DELAY = 30
    settings.DASHBOARD_STATS_REFRESH_MIN_INTERVAL = 0
    calls = []
    monkeypatch.setattr(travel_stats, "refresh", lambda concurrently=True: calls.append(1))
    monkeypatch.setattr(travel_stats, "uses_view", lambda using="default": True)
    user = make_user("bg")
    for _ in range(3):
        travel_stats._after_commit(user.pk)  # what each commit runs
    assert calls == [], "the committing request does not refresh"
    (queued,) = queued_tasks.results
    assert queued.task.run_after > timezone.now() + datetime.timedelta(seconds=25)
    queued.task.call()
    assert calls == [1], "three changes, one refresh, in the task"
    travel_stats._after_commit(user.pk)  # a change after the task started needs another
    assert len(queued_tasks.results) == 2


def test_workers_sharing_the_cache_refresh_once_per_interval(db, settings, monkeypatch, queued_tasks):
    """Two refresh tasks (queued by two workers' changes): one refreshes at once, the other finds
    the interval taken and queues itself for when the interval has passed (its change may
    postdate that refresh)."""
    settings.DASHBOARD_STATS_REFRESH_MIN_INTERVAL = 300
    calls = []
    monkeypatch.setattr(travel_stats, "refresh", lambda concurrently=True: calls.append(1))
    travel_stats.refresh_after_changes.call()
    travel_stats.refresh_after_changes.call()
    assert calls == [1]
    (later,) = queued_tasks.results
    assert later.task.run_after > timezone.now() + datetime.timedelta(seconds=290)


@pytest.mark.django_db(transaction=True)
def test_background_refresh_on_postgres_updates_the_view_after_a_real_commit(postgres_only, settings):
    """With the queue `make run` uses: the commit queues the task, the worker runs it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.DASHBOARD_STATS_REFRESH = "background"
    settings.DASHBOARD_STATS_REFRESH_DELAY = 0
    settings.DASHBOARD_STATS_REFRESH_MIN_INTERVAL = 0
    booking_network()
    user = make_user("committed")
    held = save_all([booking(World(), user, departs_at=timezone.now() - DAY, status=B.HELD)])[0]
    travel_stats.refresh()
    assert travel_stats._view_row(user.pk) is None
    with transaction.atomic():
        held.mark_paid(timezone.now())
    assert travel_stats._view_row(user.pk) is None, "not refreshed by the request"
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    row = travel_stats._view_row(user.pk)
    assert row is not None and row.total_bookings == 1 and row.journeys_taken == 1


# --- Presentation -----------------------------------------------------------------------------------


def test_statistics_fragment_shows_every_figure_and_the_chart(people):
    user = people["light"]
    html = logged_in_client(user).get("/dashboard/statistics/fragment").content.decode()
    stats = travel_stats.aggregate_stats(user)
    assert f"<dt>Total bookings</dt><dd>{stats.total_bookings}</dd>" in html
    assert f"<dt>Journeys taken</dt><dd>{stats.journeys_taken}</dd>" in html
    assert rupees(stats.total_spent) in html and rupees(stats.average_fare) in html
    assert f"{stats.km_travelled} km" in html
    route = stats.top_route
    assert f"{route.board_code} &rarr; {route.alight_code}" in html
    assert '<svg class="chart"' in html and "<title" in html


def test_month_chart_is_valid_svg_with_one_bar_per_non_empty_month():
    months = [datetime.date(2025, m, 1) for m in range(3, 13)] + [
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
    ]
    values = [0, 2, 5, 0, 1, 0, 0, 3, 0, 0, 4, 1]
    svg = str(svg_charts.month_bars(list(zip(months, values, strict=True)), title="Trips <&> things"))
    root = ET.fromstring(svg.replace('class="chart"', 'xmlns="http://www.w3.org/2000/svg" class="chart"'))
    ns = {"s": "http://www.w3.org/2000/svg"}
    bars = root.findall("s:rect", ns)
    assert len(bars) == 6
    heights = [float(bar.get("height")) for bar in bars]
    assert max(heights) == pytest.approx(svg_charts.HEIGHT - svg_charts.TOP - svg_charts.BOTTOM), (
        "the tallest bar fills the plot"
    )
    assert heights[1] == pytest.approx(max(heights) * 5 / 5) and heights[0] == pytest.approx(
        max(heights) * 2 / 5
    )
    labels = [text.text for text in root.findall("s:text", ns) if text.get("class") == "month"]
    assert labels[0] == "Mar" and labels[-1] == "Feb" and len(labels) == 12
    assert [text.text for text in root.findall("s:text", ns) if text.get("class") == "year"] == [
        "2025",
        "2026",
    ]
    assert root.find("s:title", ns).text == "Trips <&> things"
    assert "February 2026: 1" in root.find("s:desc", ns).text
    empty = str(svg_charts.month_bars([(month, 0) for month in months]))
    assert "<rect" not in empty and 'class="axis"' in empty


def test_monthly_series_ends_with_the_current_month():
    as_of = timezone.make_aware(datetime.datetime(2026, 3, 15, 12, 0))
    stats = travel_stats.TravelStats(
        journeys_by_month={"2026-03": 2, "2025-04": 1, "2025-03": 9}, as_of=as_of
    )
    series = stats.monthly(12)
    assert series[0] == (datetime.date(2025, 4, 1), 1) and series[-1] == (datetime.date(2026, 3, 1), 2)
    assert len(series) == 12 and sum(value for _, value in series) == 3
