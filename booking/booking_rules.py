"""When a ticket may be booked, and with how many passengers: the horizon and quota rules, in one place.

- Horizon: the journey date (departure date at the boarding station, as in search) must lie in
  `timetable.journeys.booking_window()`: today up to settings.BOOKING_HORIZON_DAYS ahead.
- Booking closes when the train has left the boarding station or the chart is prepared.
- General quota (GN): up to settings.GENERAL_MAX_PASSENGERS passengers.
- Tatkal quota (TQ) and Premium Tatkal (PT): not in 1A; open the day before the journey (the date
  the train leaves its first station) at settings.TATKAL_AC_OPENING_HOUR for AC classes and
  settings.TATKAL_NON_AC_OPENING_HOUR for the others, clock time at the origin (IST); up to
  settings.TATKAL_MAX_PASSENGERS passengers; premium fare (fares.py); no refund once confirmed
  (refund rules); no child concession.
- Ladies (LD) and lower berth (SS) quotas: who may use them, per passenger, in quotas.py; SS at
  most quotas.SENIOR_QUOTA_MAX_PASSENGERS passengers.
- Refusals at the inventory lock (pure functions of the locked state, called by the allocator):
  a waitlist over the class's cap (Regret), a booking asked "only if confirmed" that is not
  (NotAllConfirmed), a Premium Tatkal fare that is not the one the passenger was shown (FareChanged).

A refused request raises RuleError, the error of the journey rules (timetable/journeys.py): a
journey the timetable refuses and a booking refused here are answered alike. Its `status` is the
HTTP status of the answer (400; the subclasses below and hold_limits.HoldLimitReached say otherwise),
turned into a page or a JSON body in one place: booking/responses.py.
"""

import datetime
from collections.abc import Callable, Collection, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from timetable.journeys import RuleError as RuleError  # booking's refusals too: re-exported (see above)
from timetable.journeys import booking_window, parse_journey_date
from timetable.train_routes import TrainRoute

from . import quotas
from .quotas import AC_CLASSES as AC_CLASSES
from .quotas import GENERAL as GENERAL
from .quotas import QUOTAS as QUOTAS
from .quotas import TATKAL as TATKAL
from .quotas import TATKAL_QUOTAS

# --- Refusals worded at answer time --------------------------------------------------------------
# A queued request is decided by the process that holds its inventory's writer role, whose active
# language is its own request's; the passenger reads the outcome later, in theirs (the API in
# English, /hi/bookings/requests/<id> in Hindi). So every refusal a batch can decide carries a code
# and parameters (RuleError.code, .params), stored with the request (admission.py), and is worded
# by refusal_text when it is answered, in the language active then. One wording per code, here or
# in the module that owns the rule (hold_limits, quotas), registered with @wording(code).

Wording = Callable[[Mapping[str, Any]], str]
WORDINGS: dict[str, Wording] = {}


def wording(code: str) -> Callable[[Wording], Wording]:
    def register(function: Wording) -> Wording:
        WORDINGS[code] = function
        return function

    return register


def refusal_text(code: str | None, params: Mapping[str, Any], fallback: str) -> str:
    """A coded refusal's message in the active language (`fallback`, as stored, for an unknown code)."""
    word = WORDINGS.get(code or "")
    return fallback if word is None else word(params)


def coded_error[E: RuleError](error: type[E], field: str, code: str, **params: Any) -> E:
    """`error(field, message)` worded now by its code, and carrying the code to be worded again."""
    return error(field, refusal_text(code, params, code), code=code, params=params)


@wording("CHART_PREPARED")
def _chart_prepared(params: Mapping[str, Any]) -> str:
    return gettext("The chart for this train has been prepared: booking is closed.")


@wording("REGRET_WAITLIST_CAP")
def _waitlist_closed(params: Mapping[str, Any]) -> str:
    return gettext(
        "REGRET: the waitlist of %(travel_class)s on this train is closed (at most %(cap)d "
        "waitlisted passengers in this class). No ticket was booked and nothing was charged."
    ) % {"travel_class": params["travel_class"], "cap": params["cap"]}


@wording("REGRET_PREMIUM_TATKAL")
def _premium_tatkal_sold_out(params: Mapping[str, Any]) -> str:
    return gettext(
        "REGRET: Premium Tatkal sells confirmed berths only and has too few left for this "
        "journey. No ticket was booked and nothing was charged."
    )


@wording("NOT_CONFIRMED")
def _not_confirmed(params: Mapping[str, Any]) -> str:
    return gettext(
        "Not every passenger can get a confirmed berth now, and you asked to book only if all "
        "are confirmed: nothing was booked and nothing was charged."
    )


@wording("FARE_CHANGED")
def _fare_changed(params: Mapping[str, Any]) -> str:
    return gettext(
        "The Premium Tatkal fare is now ₹%(fare)s: confirm the new fare to book (nothing was held)."
    ) % {"fare": params["fare"]}


wording("QUOTA_NOT_OFFERED")(quotas.not_offered_text)


@wording("REQUEST_NO_LONGER_VALID")
def _request_no_longer_valid(params: Mapping[str, Any]) -> str:
    # The request was checked when it arrived, and is checked again with the same clock when its
    # writer decides it: only the timetable can have changed in between (a train withdrawn, a stop
    # removed). The field names what failed; the reason itself was worded in the writer's language.
    return gettext(
        "This train's timetable changed while your request waited: nothing was booked and nothing "
        "was charged. Search again to book."
    )


class BookingConflict(RuleError):
    """The booking's state forbids the request now (already cancelled, no longer awaiting payment)."""

    status = 409


class Refusal(RuleError):
    """A refusal stored with a queued request (admission.py), raised again as it was first answered."""

    def __init__(
        self,
        field: str,
        message: str,
        *,
        status: int,
        outcome: str | None = None,
        details: dict[str, object] | None = None,
        code: str | None = None,
        params: dict[str, object] | None = None,
    ) -> None:
        super().__init__(field, message, code=code, params=params)
        self.status = status
        self.outcome = outcome
        self.details = details or {}


class IdempotencyKeyReused(RuleError):
    """An Idempotency-Key already used for a different request: the request is well formed but refused."""

    status = 422


# Refusals that are the booking's outcome, not a mistake in it: answered 409 with the outcome's name
# under "status" (and `details`, e.g. the new fare), as a booking document names its own. In a batch
# (reservations.hold_batch) each is one request's outcome, raised before that request keeps any unit.


class Regret(BookingConflict):
    """The class's waitlist is at its cap (or Premium Tatkal is sold out): no ticket at all.
    Answered 409 {"status": "REGRET", "error": ...}."""

    outcome = "REGRET"


class NotAllConfirmed(BookingConflict):
    """Booked "only if confirmed berths are allotted" and some passenger would not be: nothing held."""

    outcome = "NOT_CONFIRMED"


class FareChanged(BookingConflict):
    """The Premium Tatkal fare under the lock is not the fare the passenger was shown: 409 with the
    new fare, nothing held; the passenger confirms by sending it again as `shown_fare`."""

    outcome = "FARE_CHANGED"

    def __init__(self, fare: Decimal) -> None:
        params: dict[str, object] = {"fare": str(fare)}
        super().__init__(
            "shown_fare", refusal_text("FARE_CHANGED", params, ""), code="FARE_CHANGED", params=params
        )
        self.details = {"fare": float(fare)}


NO_TATKAL_CLASSES = frozenset({"1A"})
MIN_AGE_ALONE = 12  # a booking needs at least one passenger this old


def max_passengers(quota: str) -> int:
    if quota in TATKAL_QUOTAS:
        return settings.TATKAL_MAX_PASSENGERS
    if quota == quotas.SENIOR:
        return quotas.SENIOR_QUOTA_MAX_PASSENGERS
    return settings.GENERAL_MAX_PASSENGERS


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
        raise coded_error(RuleError, "date", "CHART_PREPARED")
    if departs_at <= now:
        raise RuleError("date", gettext("This train has already left the boarding station."))


def check_quota(
    quota: str, travel_class: str, journey_date: datetime.date, passenger_count: int, now: datetime.datetime
) -> None:
    if quota not in QUOTAS:
        codes = ", ".join(f"{code} ({name})" for code, name in QUOTAS.items())
        raise RuleError(
            "quota",
            gettext("Unknown quota %(quota)r: use one of %(codes)s.") % {"quota": quota[:4], "codes": codes},
        )
    if quota in TATKAL_QUOTAS:
        if not tatkal_offered(travel_class):
            raise RuleError(
                "quota",
                gettext("%(quota)s is not offered in %(travel_class)s.")
                % {"quota": QUOTAS[quota], "travel_class": travel_class},
            )
        opens = tatkal_opens_at(journey_date, travel_class)
        if now < opens:
            raise RuleError(
                "quota",
                gettext("%(quota)s for this journey opens %(time)s.")
                % {"quota": QUOTAS[quota], "time": date_format(timezone.localtime(opens), "d M Y H:i")},
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


# --- Checks made under the inventory lock ------------------------------------------------------


def check_waitlist_cap(*, travel_class: str, berths: int, waitlisted_now: int, joining: int) -> None:
    """Regret when `joining` more waitlisted passengers would pass the class's cap (quotas.waitlist_cap)."""
    cap = quotas.waitlist_cap(
        travel_class, berths, settings.WAITLIST_CAP_AC_PERCENT, settings.WAITLIST_CAP_NON_AC_PERCENT
    )
    if quotas.waitlist_full(cap, waitlisted_now, joining):
        raise coded_error(Regret, "class", "REGRET_WAITLIST_CAP", travel_class=travel_class, cap=cap)


def check_all_confirmed(*, only_if_confirmed: bool, statuses: Collection[str]) -> None:
    """NotAllConfirmed when the booking asked for confirmed berths only and not every passenger
    needing a berth got one (`statuses`: their allocation statuses, CNF, RAC or WL)."""
    if only_if_confirmed and any(status != "CNF" for status in statuses):
        raise coded_error(NotAllConfirmed, "only_if_confirmed", "NOT_CONFIRMED")


def check_shown_fare(*, fare: Decimal, shown_fare: Decimal | None) -> None:
    """FareChanged when a Premium Tatkal fare fixed under the lock is not the one the passenger saw
    (or none was sent)."""
    if shown_fare != fare:
        raise FareChanged(fare)


def check_allocation(
    *,
    quota: str,
    travel_class: str,
    berths: int,
    waitlisted_now: int,
    statuses: Collection[str],
    only_if_confirmed: bool,
) -> None:
    """Every refusal that depends on where a new booking's passengers would go (`statuses`: CNF, RAC
    or WL for each passenger needing a berth), checked before anything is written."""
    check_all_confirmed(only_if_confirmed=only_if_confirmed, statuses=statuses)
    check_premium_tatkal_confirmed(quota=quota, statuses=statuses)
    check_waitlist_cap(
        travel_class=travel_class,
        berths=berths,
        waitlisted_now=waitlisted_now,
        joining=sum(1 for status in statuses if status == "WL"),
    )


def check_premium_tatkal_confirmed(*, quota: str, statuses: Collection[str]) -> None:
    """Regret when Premium Tatkal, which sells confirmed berths only, has none left for a passenger."""
    if quota == quotas.PREMIUM_TATKAL and any(status != "CNF" for status in statuses):
        raise coded_error(Regret, "class", "REGRET_PREMIUM_TATKAL")
