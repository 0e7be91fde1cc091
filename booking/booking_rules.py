"""When a ticket may be booked, and with how many passengers: the horizon and quota rules, in one place.

- Horizon: the journey date (departure date at the boarding station, as in search) must lie in
  `timetable.journeys.booking_window()`: today up to settings.BOOKING_HORIZON_DAYS ahead.
- Booking closes when the train has left the boarding station or the chart is prepared.
- General quota (GN): up to settings.GENERAL_MAX_PASSENGERS passengers.
- Tatkal quota (TQ): not in 1A; opens the day before the journey (the date the train leaves its
  first station) at settings.TATKAL_AC_OPENING_HOUR for AC classes and
  settings.TATKAL_NON_AC_OPENING_HOUR for the others, clock time at the origin (IST); up to
  settings.TATKAL_MAX_PASSENGERS passengers; premium fare (fares.py); no refund once confirmed
  (refund rules); no child concession.

A refused request raises RuleError, the error of the journey rules (timetable/journeys.py): a
journey the timetable refuses and a booking refused here are answered alike. Its `status` is the
HTTP status of the answer (400; the subclasses below and hold_limits.HoldLimitReached say otherwise),
turned into a page or a JSON body in one place: booking/responses.py.
"""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from timetable.journeys import RuleError as RuleError  # booking's refusals too: re-exported (see above)
from timetable.journeys import booking_window, parse_journey_date
from timetable.train_routes import TrainRoute


class BookingConflict(RuleError):
    """The booking's state forbids the request now (already cancelled, no longer awaiting payment)."""

    status = 409


class WaitlistFull(BookingConflict):
    """REGRET: no waitlist place is left for this class; answered 409 {"status": "REGRET", "error": ...}."""

    outcome = "REGRET"


class Refusal(RuleError):
    """A refusal stored with a queued request (admission.py), raised again as it was first answered."""

    def __init__(self, field: str, message: str, *, status: int, outcome: str | None = None) -> None:
        super().__init__(field, message)
        self.status = status
        self.outcome = outcome


class IdempotencyKeyReused(RuleError):
    """An Idempotency-Key already used for a different request: the request is well formed but refused."""

    status = 422


GENERAL, TATKAL = "GN", "TQ"
QUOTAS = {GENERAL: _("General"), TATKAL: _("Tatkal")}
AC_CLASSES = frozenset({"1A", "2A", "3A", "CC"})
NO_TATKAL_CLASSES = frozenset({"1A"})
MIN_AGE_ALONE = 12  # a booking needs at least one passenger this old


def max_passengers(quota: str) -> int:
    return settings.TATKAL_MAX_PASSENGERS if quota == TATKAL else settings.GENERAL_MAX_PASSENGERS


def tatkal_opens_at(journey_date: datetime.date, travel_class: str) -> datetime.datetime:
    """When Tatkal opens for a train leaving its first station on `journey_date`."""
    hour = (
        settings.TATKAL_AC_OPENING_HOUR if travel_class in AC_CLASSES else settings.TATKAL_NON_AC_OPENING_HOUR
    )
    day_before = journey_date - datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day_before, datetime.time(hour)))


def tatkal_offered(travel_class: str) -> bool:
    return travel_class not in NO_TATKAL_CLASSES


def check_date(boarding_date: datetime.date, today: datetime.date | None = None) -> None:
    first, last = booking_window(today)
    if boarding_date < first:
        raise RuleError("date", gettext("That date has passed: choose today or a later date."))
    if boarding_date > last:
        raise RuleError(
            "date",
            gettext("Booking opens %(days)d days ahead: choose a date up to %(last)s.")
            % {"days": settings.BOOKING_HORIZON_DAYS, "last": date_format(last, "d M Y")},
        )


def boarding_date(text: object) -> datetime.date:
    """The journey date of a request (YYYY-MM-DD, timetable.journeys.parse_journey_date), or RuleError."""
    date = parse_journey_date(text)
    if date is None:
        raise RuleError("date", gettext("Give the date as YYYY-MM-DD."))
    return date


def check_class(route: TrainRoute, travel_class: str) -> None:
    if travel_class not in route.classes:
        raise RuleError(
            "class",
            gettext("Train %(number)s does not carry %(travel_class)s: it has %(classes)s.")
            % {"number": route.number, "travel_class": travel_class, "classes": ", ".join(route.classes)},
        )


def check_open(departs_at: datetime.datetime, chart_prepared: bool, now: datetime.datetime) -> None:
    if chart_prepared:
        raise RuleError("date", gettext("The chart for this train has been prepared: booking is closed."))
    if departs_at <= now:
        raise RuleError("date", gettext("This train has already left the boarding station."))


def check_quota(
    quota: str, travel_class: str, journey_date: datetime.date, passenger_count: int, now: datetime.datetime
) -> None:
    if quota not in QUOTAS:
        raise RuleError(
            "quota", gettext("Unknown quota %(quota)r: use GN (General) or TQ (Tatkal).") % {"quota": quota}
        )
    if quota == TATKAL:
        if not tatkal_offered(travel_class):
            raise RuleError(
                "quota",
                gettext("Tatkal is not offered in %(travel_class)s.") % {"travel_class": travel_class},
            )
        opens = tatkal_opens_at(journey_date, travel_class)
        if now < opens:
            raise RuleError(
                "quota",
                gettext("Tatkal for this journey opens %(time)s.")
                % {"time": date_format(timezone.localtime(opens), "d M Y H:i")},
            )
    limit = max_passengers(quota)
    if passenger_count > limit:
        raise RuleError(
            "passengers",
            gettext("At most %(limit)d passengers per %(quota)s ticket.")
            % {"limit": limit, "quota": QUOTAS[quota]},
        )
    if passenger_count < 1:
        raise RuleError("passengers", gettext("Add at least one passenger."))


def tatkal_status(
    journey_date: datetime.date, travel_class: str, now: datetime.datetime
) -> tuple[bool, datetime.datetime | None]:
    """(open?, opening time or None) for display."""
    if not tatkal_offered(travel_class):
        return False, None
    opens = tatkal_opens_at(journey_date, travel_class)
    return now >= opens, opens
