"""Validation of a booking request, shared by the JSON API and the booking pages.

`parse_booking_request(data)` takes the API's JSON shape (the pages build the same dict) and
returns a BookingRequest, or raises RuleError naming the first bad field ("train", "date",
"passengers[2].age", ...). Nothing is written: every check that can be made before taking the
inventory lock is made here.
"""

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from timetable.models import CLASS_CODES
from timetable.train_routes import RouteJourney, journey_for, route_for

from . import booking_rules, quotas
from .allocation import SeatMap, premium_tatkal_percent
from .booking_rules import GENERAL, RuleError
from .coach_layouts import berth_preferences
from .fares import INFANT, FareBreakdown, fare_for, passenger_category
from .quotas import TATKAL_QUOTAS

# Names on tickets are written in English (Latin) letters, as on IRCTC and on the identity card
# shown to the TTE: A-Z only (no accents, no other script), words joined by spaces, dots,
# hyphens or apostrophes. Every form that takes a passenger's name uses this one rule.
NAME_PATTERN = re.compile(r"^[A-Za-z]+(?:[ .'-]+[A-Za-z]+)*\.?$", re.ASCII)
NAME_MAX = 40


def name_rule_message() -> str:
    """What a refused name is told, in the passenger's language."""
    return _(
        "Write the name in English letters (A to Z), as on the passenger's identity card: "
        "2 to %(max)d letters, with spaces, dots, hyphens or apostrophes."
    ) % {"max": NAME_MAX}


MAX_AGE = 125
GENDERS = ("M", "F", "T")
MAX_FARE = Decimal("1000000")


def wants_lower(age: int, gender: str, pregnant: bool = False) -> bool:
    """Seniors, women 45 and over and pregnant women are given lower berths first
    (allocation.Need.wants_lower; the same passengers the lower berth quota is for)."""
    return quotas.lower_berth_eligible(age, gender, pregnant)


@dataclass(frozen=True)
class PassengerRequest:
    name: str
    age: int
    gender: str
    berth_preference: str = ""
    no_berth: bool = False
    pregnant: bool = False

    @property
    def category(self) -> str:
        return passenger_category(self.age, self.no_berth)

    @property
    def needs_berth(self) -> bool:
        return not self.no_berth

    @property
    def wants_lower(self) -> bool:
        return wants_lower(self.age, self.gender, self.pregnant)


@dataclass(frozen=True)
class BookingRequest:
    journey: RouteJourney
    travel_class: str
    quota: str
    passengers: tuple[PassengerRequest, ...]
    only_if_confirmed: bool = False
    auto_upgrade: bool = False
    shown_fare: Decimal | None = None  # the Premium Tatkal fare the passenger was shown

    def fare_under_lock(self, seatmap: SeatMap, mask: int, quoted: FareBreakdown) -> FareBreakdown:
        """The fare to charge, fixed under the inventory lock: `quoted` (priced before the lock), but
        for Premium Tatkal the fare at the locked seat map's slab, which must be the fare the
        passenger was shown (booking_rules.FareChanged, 409 with the new fare, otherwise)."""
        if self.quota != quotas.PREMIUM_TATKAL:
            return quoted
        fare = self.fare(premium_tatkal_percent(seatmap, mask))
        booking_rules.check_shown_fare(fare=fare.total, shown_fare=self.shown_fare)
        return fare

    def fare(self, premium_percent: int = 100) -> FareBreakdown:
        return fare_for(
            self.travel_class,
            self.journey.distance_km,
            self.journey.route.is_superfast,
            self.quota,
            [(p.name, p.age, p.no_berth) for p in self.passengers],
            premium_percent,
        )


def request_fingerprint(data: object) -> str:
    """A digest of the request body, to tell a replay from a different request with the same key."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _text(data: Mapping[str, object], name: str, label: str | None = None) -> str:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RuleError(name, _("%(field)s is required.") % {"field": label or name})
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise RuleError(name, _("%(field)s must be text.") % {"field": label or name})
    return str(value).strip()


def _passenger(raw: object, index: int, travel_class: str, quota: str) -> PassengerRequest:
    field = f"passengers[{index}]"
    if not isinstance(raw, dict):
        raise RuleError(field, _("Passenger %(number)d: give name, age and gender.") % {"number": index + 1})
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RuleError(f"{field}.name", _("Passenger %(number)d: enter a name.") % {"number": index + 1})
    name = " ".join(name.split())
    if len(name) > NAME_MAX or len(name) < 2 or not NAME_PATTERN.match(name):
        raise RuleError(
            f"{field}.name",
            _("Passenger %(number)d: %(rule)s") % {"number": index + 1, "rule": name_rule_message()},
        )
    age = raw.get("age")
    if isinstance(age, str) and age.strip().isdecimal():  # not isdigit(): "²" is a digit int() refuses
        age = int(age.strip())
    if not isinstance(age, int) or isinstance(age, bool) or not 0 <= age <= MAX_AGE:
        raise RuleError(
            f"{field}.age",
            _("Passenger %(number)d: age must be a whole number from 0 to %(max)d.")
            % {"number": index + 1, "max": MAX_AGE},
        )
    gender = raw.get("gender")
    if gender not in GENDERS:
        raise RuleError(
            f"{field}.gender", _("Passenger %(number)d: gender must be M, F or T.") % {"number": index + 1}
        )
    preference = raw.get("berth_preference") or ""
    if not isinstance(preference, str) or (
        preference and preference.upper() not in berth_preferences(travel_class)
    ):
        choices = ", ".join(berth_preferences(travel_class))
        raise RuleError(
            f"{field}.berth_preference",
            _("Passenger %(number)d: in %(travel_class)s choose one of %(choices)s.")
            % {"number": index + 1, "travel_class": travel_class, "choices": choices},
        )
    no_berth = raw.get("no_berth", False)
    if not isinstance(no_berth, bool):
        raise RuleError(
            f"{field}.no_berth", _("Passenger %(number)d: no_berth is true or false.") % {"number": index + 1}
        )
    pregnant = raw.get("pregnant", False)
    if not isinstance(pregnant, bool) or (pregnant and gender != "F"):
        raise RuleError(
            f"{field}.pregnant",
            _("Passenger %(number)d: pregnant is true (women only) or false.") % {"number": index + 1},
        )
    if age < 5:
        no_berth = True  # children under 5 travel free, without a berth
    elif no_berth:
        if age > 11:
            raise RuleError(
                f"{field}.no_berth",
                _("Passenger %(number)d: only children 5 to 11 may travel without a berth.")
                % {"number": index + 1},
            )
        if quota in TATKAL_QUOTAS:
            raise RuleError(
                f"{field}.no_berth",
                _("Passenger %(number)d: Tatkal has no child fare: book a berth.") % {"number": index + 1},
            )
    return PassengerRequest(name, age, gender, preference.upper() if not no_berth else "", no_berth, pregnant)


def _option(data: Mapping[str, object], name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise RuleError(name, _("%(option)s is true or false.") % {"option": name})
    return value


def _shown_fare(data: Mapping[str, object]) -> Decimal | None:
    value = data.get("shown_fare")
    if value is None:
        return None
    try:
        fare = (
            Decimal(str(value))
            if isinstance(value, (int, float, str)) and not isinstance(value, bool)
            else None
        )
    except InvalidOperation:
        fare = None
    if fare is None or not fare.is_finite() or not 0 <= fare < MAX_FARE:
        raise RuleError("shown_fare", _("shown_fare is the fare you were shown, in rupees (a number)."))
    return fare


def _check_no_duplicates(passengers: Sequence[PassengerRequest]) -> None:
    """The same person twice (same name, age and gender) is a slip, or a way to hold a berth more."""
    seen: dict[tuple[str, int, str], int] = {}
    for index, passenger in enumerate(passengers):
        key = (passenger.name.casefold(), passenger.age, passenger.gender)
        if key in seen:
            raise RuleError(
                f"passengers[{index}]",
                _(
                    "Passenger %(number)d is the same as passenger %(other)d "
                    "(name, age and gender): list each passenger once."
                )
                % {"number": index + 1, "other": seen[key] + 1},
            )
        seen[key] = index


def parse_booking_request(data: object, now: datetime | None = None) -> BookingRequest:
    now = now or timezone.now()
    if not isinstance(data, dict):
        raise RuleError("body", _("Send a JSON object."))
    route = route_for(_text(data, "train"))
    if route is None:
        raise RuleError("train", _("No train numbered %(number)r.") % {"number": str(data.get("train"))[:10]})
    boarding_date = booking_rules.boarding_date(_text(data, "date"))
    booking_rules.check_date(boarding_date, timezone.localdate(now))
    journey = journey_for(route, _text(data, "from"), _text(data, "to"), boarding_date)
    travel_class = _text(data, "class").upper()
    if travel_class not in CLASS_CODES:
        raise RuleError(
            "class",
            _("Unknown class %(travel_class)r: use one of %(classes)s.")
            % {"travel_class": travel_class[:4], "classes": ", ".join(CLASS_CODES)},
        )
    booking_rules.check_class(route, travel_class)
    quota = str(data.get("quota") or GENERAL).strip().upper()
    raw_passengers = data.get("passengers")
    if not isinstance(raw_passengers, list) or not raw_passengers:
        raise RuleError("passengers", _("Add at least one passenger."))
    booking_rules.check_quota(quota, travel_class, journey.journey_date, len(raw_passengers), now)
    booking_rules.check_open(journey.departs, False, now)
    passengers = tuple(_passenger(raw, i, travel_class, quota) for i, raw in enumerate(raw_passengers))
    _check_no_duplicates(passengers)
    if not any(p.age >= booking_rules.MIN_AGE_ALONE for p in passengers):
        raise RuleError(
            "passengers",
            _("At least one passenger must be %(age)d or older.") % {"age": booking_rules.MIN_AGE_ALONE},
        )
    if all(p.category == INFANT for p in passengers):
        raise RuleError("passengers", _("At least one passenger needs a berth."))
    quotas.check_eligibility(quota, passengers)
    return BookingRequest(
        journey,
        travel_class,
        quota,
        passengers,
        only_if_confirmed=_option(data, "only_if_confirmed"),
        auto_upgrade=_option(data, "auto_upgrade"),
        shown_fare=_shown_fare(data),
    )
