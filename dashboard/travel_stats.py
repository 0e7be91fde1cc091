"""A passenger's travel statistics: the one interface (`stats_for`), two implementations.

Definitions, shared by both implementations (and by the tests' direct computation):

- a *ticketed* booking was paid for: status BOOKED, or CANCELLED with `paid_at` set;
- **total_bookings**: ticketed bookings;
- **total_spent**: sum of `fare_total - refunded_amount` over ticketed bookings;
- **average_fare**: sum of `fare_total` over ticketed bookings / total_bookings, to the paisa
  (half up); None without bookings;
- a *journey taken* is a BOOKED booking that departed (from the boarding station) before `as_of`;
- **journeys_taken**, **km_travelled**: their count and the sum of their `distance_km`;
- **top_route**: the (boarding, alighting) station pair of most journeys taken; on a tie the lower
  boarding station id, then the lower alighting station id;
- **journeys_by_month**: journeys taken per calendar month of departure in settings.TIME_ZONE,
  {"YYYY-MM": n}; `monthly()` gives the chart's series.

Implementations:

- **Materialized view** (PostgreSQL): one row of `dashboard_travel_stats` (migration 0001), read
  by its unique index, one query. `as_of` is the moment of the last refresh. The view is
  refreshed with REFRESH MATERIALIZED VIEW CONCURRENTLY (readers are never blocked) by
  the scheduler every DASHBOARD_STATS_PERIODIC_SECONDS and `manage.py refresh_stats` (these also
  move departed journeys into "taken") and after bookings
  change (below).
- **Aggregate** (SQLite; and on PostgreSQL for a passenger with no row yet, or whose bookings
  changed after the last refresh): three aggregate queries over that passenger's bookings through
  the covering index booking_dash_summary_idx. `as_of` is now.

After a booking changes (dashboard/signals.py: post_save / post_delete of Booking and
BookingPassenger) and its transaction commits, `bookings_changed()`:
1. records in the shared cache that this passenger's figures changed at time t (so their own
   dashboard reads the aggregate, exact at once, until a refresh that started after t);
2. per settings.DASHBOARD_STATS_REFRESH: "background" queues one task (django.tasks, run by the
   task worker, not the web worker) DASHBOARD_STATS_REFRESH_DELAY seconds later to gather further
   changes, which refreshes at most once per DASHBOARD_STATS_REFRESH_MIN_INTERVAL across all
   workers (`request_refresh`, `refresh_after_changes`); "immediate" refreshes there and then
   (tests, scripts); "manual" leaves it to refresh_stats and the scheduler.
The booking's request never waits for a refresh: the commit has happened, the cache writes and
the queue insert are a few round trips.
"""

import datetime
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.tasks import task
from django.utils import timezone

from booking import partitions
from booking.models import Booking
from railconnect.task_retries import retried
from timetable.models import Station

logger = logging.getLogger(__name__)

VIEW = "dashboard_travel_stats"
BOOKED, CANCELLED = Booking.Status.BOOKED, Booking.Status.CANCELLED
PAISA = Decimal("0.01")
# The change marker is written with this machine's clock, the view's refresh time is the
# database's: a refresh counts as covering a change only if it started this much later.
CLOCK_MARGIN = 2.0


@dataclass(frozen=True)
class Route:
    board_code: str
    board_name: str
    alight_code: str
    alight_name: str
    journeys: int


@dataclass(frozen=True)
class TravelStats:
    total_bookings: int = 0
    fare_sum: Decimal = Decimal("0.00")
    total_spent: Decimal = Decimal("0.00")
    journeys_taken: int = 0
    km_travelled: int = 0
    top_route: Route | None = None
    journeys_by_month: dict = field(default_factory=dict)
    as_of: datetime.datetime | None = None
    source: str = "aggregate"  # or "materialized view"

    @property
    def average_fare(self):
        if not self.total_bookings:
            return None
        return (self.fare_sum / self.total_bookings).quantize(PAISA, rounding=ROUND_HALF_UP)

    def monthly(self, months=None):
        """[(first day of month, journeys)] for the `months` months ending with as_of's month."""
        months = months or settings.DASHBOARD_CHART_MONTHS
        end = timezone.localtime(self.as_of or timezone.now()).date().replace(day=1)
        series = []
        year, month = end.year, end.month
        for _ in range(months):
            day = datetime.date(year, month, 1)
            series.append((day, int(self.journeys_by_month.get(day.strftime("%Y-%m"), 0))))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return series[::-1]


# --- Reading ---------------------------------------------------------------------------------


def uses_view(using=partitions.DEFAULT):
    return connections[using].vendor == "postgresql"


def stats_for(user):
    """The passenger's statistics: from the materialized view when it is up to date for them.

    Inventory partitioned by train (booking/partitions.py): each partition has its own view over
    its own bookings. Every figure but the top route adds up over partitions; the top route is
    counted from each partition's route counts. So with n partitions: per partition the view row
    and its route counts (2 queries), or the three aggregates when the view is stale for this
    passenger, then the top route's stations from "default" (1 query)."""
    if len(partitions.aliases()) > 1:
        return _across_partitions(user)
    if uses_view():
        row = _view_row(user.pk)
        if row is not None and not _changed_since(user.pk, row.computed_at):
            return _from_row(row)
    return aggregate_stats(user)


def _view_row(user_id, using=partitions.DEFAULT):
    from .models import UserTravelStats

    rows = UserTravelStats.objects.using(using)
    if using == partitions.DEFAULT:  # the stations are there too: joined
        rows = rows.select_related("top_board_station", "top_alight_station")
    return rows.filter(user_id=user_id).first()


def _across_partitions(user):
    now = timezone.now()
    totals, routes = [], Counter()
    for using in partitions.aliases():
        row = _view_row(user.pk, using) if uses_view(using) else None
        if row is not None and not _changed_since(user.pk, row.computed_at):
            part = _from_row(row, with_route=False)
        else:
            part = aggregate_stats(user, now=now, using=using, with_route=False)
        totals.append(part)
        taken = Booking.objects.using(using).filter(user=user, status=BOOKED, departs_at__lt=part.as_of)
        for group in taken.values("board_station_id", "alight_station_id").annotate(n=Count("*")).order_by():
            routes[(group["board_station_id"], group["alight_station_id"])] += group["n"]
    route = None
    if routes:
        (board_id, alight_id), journeys = min(routes.items(), key=lambda item: (-item[1], item[0]))
        stations = Station.objects.using(partitions.DEFAULT).in_bulk([board_id, alight_id])
        board, alight = stations[board_id], stations[alight_id]
        route = Route(board.code, board.name, alight.code, alight.name, journeys)
    months = Counter()
    for part in totals:
        months.update(part.journeys_by_month)
    sources = {part.source for part in totals}
    return TravelStats(
        total_bookings=sum(part.total_bookings for part in totals),
        fare_sum=sum((part.fare_sum for part in totals), Decimal("0.00")),
        total_spent=sum((part.total_spent for part in totals), Decimal("0.00")),
        journeys_taken=sum(part.journeys_taken for part in totals),
        km_travelled=sum(part.km_travelled for part in totals),
        top_route=route,
        journeys_by_month=dict(months),
        as_of=min(part.as_of for part in totals),
        source=sources.pop() if len(sources) == 1 else "materialized view and aggregate",
    )


def _from_row(row, with_route=True):
    route = None
    if with_route and row.top_board_station_id is not None:
        route = Route(
            row.top_board_station.code,
            row.top_board_station.name,
            row.top_alight_station.code,
            row.top_alight_station.name,
            row.top_route_journeys,
        )
    return TravelStats(
        total_bookings=row.total_bookings,
        fare_sum=row.fare_sum,
        total_spent=row.total_spent,
        journeys_taken=row.journeys_taken,
        km_travelled=row.km_travelled,
        top_route=route,
        journeys_by_month={month: int(n) for month, n in row.journeys_by_month.items()},
        as_of=row.computed_at,
        source="materialized view",
    )


def aggregate_stats(user, now=None, using=partitions.DEFAULT, with_route=True):
    """The same figures computed from the passenger's bookings on partition `using` (three queries;
    two without the top route, which joins the stations: on "default" only)."""
    now = now or timezone.now()
    bookings = Booking.objects.using(using).filter(user=user)
    ticketed = bookings.filter(Q(status=BOOKED) | Q(status=CANCELLED, paid_at__isnull=False))
    taken = Q(status=BOOKED, departs_at__lt=now)
    money = DecimalField(max_digits=14, decimal_places=2)
    # Nothing here reads the booking's id (COUNT(*), COUNT(departs_at)): every column these three
    # queries touch is in booking_dash_summary_idx or booking_dash_history_idx, so PostgreSQL
    # answers them from the index alone (see query_plans.py).
    totals = ticketed.aggregate(
        total_bookings=Count("*"),
        fare_sum=Sum("fare_total", output_field=money),
        total_spent=Sum(ExpressionWrapper(F("fare_total") - F("refunded_amount"), output_field=money)),
        journeys_taken=Count("departs_at", filter=taken),
        km_travelled=Sum("distance_km", filter=taken),
    )
    journeys = bookings.filter(taken)
    top = (
        None
        if not with_route
        else (
            journeys.values(
                "board_station_id",
                "alight_station_id",
                "board_station__code",
                "board_station__name",
                "alight_station__code",
                "alight_station__name",
            )
            .annotate(journeys=Count("*"))
            .order_by("-journeys", "board_station_id", "alight_station_id")
            .first()
        )
    )
    route = None
    if top is not None:
        route = Route(
            top["board_station__code"],
            top["board_station__name"],
            top["alight_station__code"],
            top["alight_station__name"],
            top["journeys"],
        )
    per_month = (
        journeys.annotate(month=TruncMonth("departs_at")).values("month").annotate(n=Count("*")).order_by()
    )
    return TravelStats(
        total_bookings=totals["total_bookings"],
        fare_sum=_money(totals["fare_sum"]),
        total_spent=_money(totals["total_spent"]),
        journeys_taken=totals["journeys_taken"],
        km_travelled=totals["km_travelled"] or 0,
        top_route=route,
        journeys_by_month={_month_key(row["month"]): row["n"] for row in per_month},
        as_of=now,
        source="aggregate",
    )


def _money(value):
    return Decimal(value or 0).quantize(PAISA, rounding=ROUND_HALF_UP)


def _month_key(value):
    # TruncMonth gives an aware datetime in the current time zone (a date on some backends).
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return value.strftime("%Y-%m")


# --- Freshness: which passengers changed since the view was refreshed --------------------------


def _changed_key(user_id):
    return f"dashboard:stats-changed:{user_id}"


def mark_changed(user_id, at=None):
    cache.set(
        _changed_key(user_id), at if at is not None else time.time(), settings.DASHBOARD_STATS_STALE_TTL
    )


def _changed_since(user_id, computed_at):
    changed_at = cache.get(_changed_key(user_id))
    return changed_at is not None and changed_at + CLOCK_MARGIN >= computed_at.timestamp()


# --- Refreshing ------------------------------------------------------------------------------


def refresh(concurrently=True, using=None):
    """REFRESH the view on partition `using` (None: on every partition, one after the other; each
    its own statement, no transaction spans two). Returns seconds taken, or None where there is no
    view (SQLite)."""
    started = time.perf_counter()
    refreshed = False
    for alias in partitions.aliases() if using is None else [using]:
        if not uses_view(alias):
            continue
        with connections[alias].cursor() as cursor:
            cursor.execute(f"REFRESH MATERIALIZED VIEW {'CONCURRENTLY ' if concurrently else ''}{VIEW}")
        refreshed = True
    return time.perf_counter() - started if refreshed else None


def bookings_changed(user_id, using=None):
    """Called for every saved or deleted booking (dashboard/signals.py): acts once it commits (on
    the booking's partition `using`)."""
    transaction.on_commit(partial(_after_commit, user_id, using), using=using, robust=True)


def _after_commit(user_id, using=None):
    mark_changed(user_id)
    if not uses_view(using or partitions.DEFAULT):
        return
    mode = settings.DASHBOARD_STATS_REFRESH
    if mode == "immediate":
        refresh(using=using)
    elif mode == "background":
        request_refresh()


REFRESH_SLOT_KEY = "dashboard:stats-refresh-slot"
REFRESH_PENDING_KEY = "dashboard:stats-refresh-pending"


def take_refresh_slot():
    """At most one background refresh per DASHBOARD_STATS_REFRESH_MIN_INTERVAL across all workers
    that share the cache (an atomic add that expires); False when another took it."""
    interval = settings.DASHBOARD_STATS_REFRESH_MIN_INTERVAL
    return interval <= 0 or cache.add(REFRESH_SLOT_KEY, time.time(), timeout=interval)


def request_refresh(delay=None):
    """Queue one refresh task DASHBOARD_STATS_REFRESH_DELAY seconds from now, unless one is queued
    already (a shared-cache flag): changes close together make one refresh. Never waits for it."""
    delay = settings.DASHBOARD_STATS_REFRESH_DELAY if delay is None else delay
    if not cache.add(REFRESH_PENDING_KEY, time.time(), timeout=delay + 600):
        return
    queued = refresh_after_changes
    if queued.get_backend().supports_defer:
        queued = queued.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
    queued.enqueue()


@task
def refresh_after_changes():
    """The debounced refresh after bookings changed (a task worker runs it, never a web worker).
    When another refresh took the interval's slot, this one waits for the slot to pass: that
    refresh may have started before the change that queued this one committed."""
    cache.delete(REFRESH_PENDING_KEY)  # changes committed from now on need the next refresh
    if not take_refresh_slot():
        request_refresh(delay=settings.DASHBOARD_STATS_REFRESH_MIN_INTERVAL)
        return
    refresh()


@task
@retried(attempts=3, first_delay=30)
def refresh_periodically():
    """The scheduler's refresh (DASHBOARD_STATS_PERIODIC_SECONDS): what moves journeys whose
    train has since departed into "journeys taken" when no booking changes."""
    refresh()
