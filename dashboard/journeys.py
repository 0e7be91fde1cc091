"""A passenger's journeys as the dashboard groups them: upcoming, then past and cancelled.

Every query is filtered by the passenger (the `user` argument is always request.user) and reads a
fixed number of rows whatever the number of bookings, through the index named beside it
(booking/models.py; EXPLAIN-checked in tests/test_dashboard_query_plans.py):

| query | rows | index |
|---|---|---|
| upcoming journeys | at most DASHBOARD_UPCOMING_LIMIT + 1
  | booking_dash_upcoming_idx: (user, departs_at, id) WHERE status IN (HELD, BOOKED), in order |
| their passengers | those bookings' passengers | the booking foreign key's index |
| past and cancelled: count | index entries only
  | booking_dash_history_idx: (user, departs_at, id, status), index only |
| past and cancelled: one page | DASHBOARD_HISTORY_PAGE_SIZE
  | booking_dash_history_idx, read backwards, in order |

"When" is the departure from the passenger's boarding station (`departs_at`), not the train's
journey date (the day it leaves its first station), so a journey boarded after midnight on a
train's second day sorts where the passenger expects it.

- Upcoming: not yet departed, and either booked or held with time left to pay; soonest first.
  A booking with some passengers cancelled stays here (their status shows CAN).
- Past and cancelled: booked journeys that have departed, and cancelled bookings (whenever their
  train runs); latest first. Unpaid holds that lapsed or expired are not journeys: they appear
  only in My bookings.
"""

from django.db.models import Prefetch, Q
from django.urls import reverse

from booking import partitions
from booking.models import Booking, BookingPassenger

HELD, BOOKED, CANCELLED = Booking.Status.HELD, Booking.Status.BOOKED, Booking.Status.CANCELLED

# What a journey card or row shows: the rest of a booking (the fare breakdown JSON, idempotency
# fields...) is never read.
SUMMARY_FIELDS = (
    "pnr",
    "departs_at",
    "arrives_at",
    "travel_class",
    "quota",
    "status",
    "hold_expires_at",
    "fare_total",
    "refunded_amount",
    "distance_km",
    "train__number",
    "train__name",
    "board_station__code",
    "board_station__name",
    "alight_station__code",
    "alight_station__name",
)
PASSENGER_FIELDS = (
    "booking_id",
    "position",
    "name",
    "status",
    "quota",
    "number",
    "coach",
    "berth_number",
    "berth_type",
)


# On a partition other than "default" (booking/partitions.py) the trains and stations are not there
# to join: the booking's own columns are read, and partitions.attach_journey_objects adds them.
LOCAL_FIELDS = tuple(name for name in SUMMARY_FIELDS if "__" not in name) + (
    "train_id",
    "board_station_id",
    "alight_station_id",
)


def _summaries(queryset):
    if queryset.db != partitions.DEFAULT:
        return queryset.only(*LOCAL_FIELDS)
    return queryset.select_related("train", "board_station", "alight_station").only(*SUMMARY_FIELDS)


def _with_passengers(queryset):
    passengers = BookingPassenger.objects.only(*PASSENGER_FIELDS).order_by("position")
    return queryset.prefetch_related(Prefetch("passengers", queryset=passengers))


def upcoming_queryset(user, now, using=partitions.DEFAULT):
    """Upcoming journeys on one partition (`using`), soonest first; all_upcoming merges them."""
    # The partial index's predicate (status IN (HELD, BOOKED)) stated as such; within it, a hold
    # counts while it can still be paid. (Written as "BOOKED or time left" rather than "BOOKED, or
    # HELD with time left", which PostgreSQL may split into a BitmapOr over two other indexes.)
    return _with_passengers(
        _summaries(
            Booking.objects.using(using)
            .filter(user=user, status__in=[HELD, BOOKED], departs_at__gt=now)
            .filter(Q(status=BOOKED) | Q(hold_expires_at__gt=now))
            .order_by("departs_at", "id")
        )
    )


def _when(booking):
    return (booking.departs_at, booking.pk)


def all_upcoming(user, now):
    """Upcoming journeys on every partition, soonest first (paginate it, or slice it)."""
    return partitions.Merged(
        lambda using: upcoming_queryset(user, now, using), key=_when, related=partitions.JOURNEY_OBJECTS
    )


def upcoming(user, now, limit):
    """(the first `limit` upcoming journeys with their passengers, whether there are more): one
    read of at most limit + 1 rows, and one of their passengers, per partition."""
    rows = all_upcoming(user, now)[: limit + 1]
    return rows[:limit], len(rows) > limit


def all_history(user, now):
    """Past and cancelled journeys on every partition, latest first (Paginator counts, then slices:
    one COUNT and one page read per partition)."""
    return partitions.Merged(
        lambda using: history_queryset(user, now, using),
        key=_when,
        reverse=True,
        related=partitions.JOURNEY_OBJECTS,
    )


def history_queryset(user, now, using=partitions.DEFAULT):
    """Past and cancelled journeys on one partition, latest first."""
    return _summaries(
        Booking.objects.using(using)
        .filter(user=user)
        .filter(Q(status=CANCELLED) | Q(status=BOOKED, departs_at__lte=now))
        .order_by("-departs_at", "-id")
    )


# Each journey links to its e-ticket, PNR status and cancellation (booking's URLs). Reversing
# three URLs per booking was a tenth of the page's CPU time: reverse each once per page, with a
# placeholder PNR (10 digits, like a real one), and put each booking's PNR in its place.
LINKS = {"ticket_url": "booking:eticket", "pnr_url": "booking:pnr", "cancel_url": "booking:cancel"}
_PLACEHOLDER = "0000000000"


def with_links(bookings):
    templates = {attribute: reverse(name, args=[_PLACEHOLDER]) for attribute, name in LINKS.items()}
    for booking in bookings:
        for attribute, template in templates.items():
            setattr(booking, attribute, template.replace(_PLACEHOLDER, booking.pnr, 1))
    return bookings
