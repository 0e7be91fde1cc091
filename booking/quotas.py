"""The reservation quotas, free of the database: codes, berth shares, eligibility, waitlist cap,
Premium Tatkal fare slabs and what charting releases. Pure functions of (shares / counts /
passengers), so any allocator loop (reservations.py today, a batched one tomorrow) can call them.

Quotas (Indian Railways; dates as published, figures simplified where said):
- GN General.
- TQ Tatkal: opens the day before the journey (booking_rules.tatkal_opens_at), not in 1A.
- PT Premium Tatkal: introduced in October 2014 (80 trains, online only) as half of the Tatkal
  quota sold at a dynamic fare; opens with Tatkal, no child fare, no refund once confirmed, and
  confirmed berths only: no RAC and no waitlist, so a full PT quota answers REGRET. The fare slabs
  here (premium_tatkal_percent) are this site's simplification of the dynamic fare.
- LD Ladies: six Sleeper berths per Mail/Express train for women travelling alone or in a group
  of women (children under 12 with them), and since the Railway Board circular of 30 November
  2018 six 3A berths in Rajdhani, Duronto and fully air-conditioned trains.
- SS Senior citizen / lower berth: the combined quota of lower berths for men 60 and over, women
  45 and over and pregnant women (a senior quota since 2007; enlarged in December 2018 to 6-7
  lower berths per Sleeper coach, 4-5 per 3A and 3-4 per 2A coach). At most two passengers per
  ticket, all eligible.
At chart preparation the berths a quota did not sell go first to its own waitlist and then to the
General RAC and waitlist (Railway Board, February 2018: vacant Ladies berths to waitlisted women
first; unsold Tatkal and Premium Tatkal to the General waitlist at charting).

Berth shares are data (QuotaShare rows in the admin, booking.models); an inventory keeps the
shares it was created with (Inventory.quota_shares), so an admin edit applies to inventories
created afterwards and never moves a berth already sold.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from timetable.journeys import RuleError

GENERAL, TATKAL, PREMIUM_TATKAL, LADIES, SENIOR = "GN", "TQ", "PT", "LD", "SS"
QUOTAS = {
    GENERAL: _("General"),
    TATKAL: _("Tatkal"),
    PREMIUM_TATKAL: _("Premium Tatkal"),
    LADIES: _("Ladies"),
    SENIOR: _("Senior citizen / lower berth"),
}
# Quotas that open with Tatkal the day before the journey, have no child fare and no refund once
# confirmed.
TATKAL_QUOTAS = frozenset({TATKAL, PREMIUM_TATKAL})
# Quotas with a waitlist of their own (Premium Tatkal has none; only General has RAC).
WAITLISTED_QUOTAS = (TATKAL, LADIES, SENIOR, GENERAL)  # the order charting serves their queues in
AC_CLASSES = frozenset({"1A", "2A", "3A", "CC"})

SENIOR_AGE = 60
WOMAN_LOWER_BERTH_AGE = 45
LADIES_CHILD_AGE = 12  # a child under 12 of either sex may travel with a woman in the Ladies quota
SENIOR_QUOTA_MAX_PASSENGERS = 2


@dataclass(frozen=True)
class QuotaShares:
    """Berths earmarked per quota in one class. TQ, PT and SS count per coach, LD per train (from
    the first coach on). RAC side-lowers are part of the coach layout (coach_layouts.LAYOUTS)."""

    tatkal: int = 0
    premium_tatkal: int = 0
    senior_lower: int = 0
    ladies: int = 0

    def as_json(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, int]) -> "QuotaShares":
        return cls(**{name: int(data.get(name, 0)) for name in cls.__dataclass_fields__})


# The shares a class gets when the admin has no QuotaShare row for it (migration 0004 seeds the
# rows with these). The Tatkal berths of the coach layouts before quotas were data, split half
# Tatkal, half Premium Tatkal (2014); lower berth quota per coach as enlarged in December 2018;
# Ladies six berths a train in SL and 3A.
DEFAULT_SHARES = {
    "1A": QuotaShares(),
    "2A": QuotaShares(tatkal=3, premium_tatkal=3, senior_lower=3),
    "3A": QuotaShares(tatkal=6, premium_tatkal=6, senior_lower=4, ladies=6),
    "SL": QuotaShares(tatkal=7, premium_tatkal=7, senior_lower=6, ladies=6),
    "CC": QuotaShares(tatkal=4, premium_tatkal=4),
    "2S": QuotaShares(tatkal=8),
}


def default_shares(travel_class: str) -> QuotaShares:
    return DEFAULT_SHARES.get(travel_class, QuotaShares())


# --- Eligibility -------------------------------------------------------------------------------


class QuotaPassenger(Protocol):
    """What eligibility reads of a passenger (booking_requests.PassengerRequest)."""

    @property
    def name(self) -> str: ...
    @property
    def age(self) -> int: ...
    @property
    def gender(self) -> str: ...
    @property
    def pregnant(self) -> bool: ...


def lower_berth_eligible(age: int, gender: str, pregnant: bool = False) -> bool:
    """Seniors 60+, women 45+ and pregnant women: the lower berth quota, and first choice of lower
    berths in every quota (allocation.Need.wants_lower)."""
    return age >= SENIOR_AGE or (gender == "F" and (age >= WOMAN_LOWER_BERTH_AGE or pregnant))


def _why_not_eligible(quota: str, passenger: QuotaPassenger) -> str | None:
    if quota == LADIES and passenger.gender != "F" and passenger.age >= LADIES_CHILD_AGE:
        return gettext("the Ladies quota is for women, and children under 12 travelling with them")
    if quota == SENIOR and not lower_berth_eligible(passenger.age, passenger.gender, passenger.pregnant):
        return gettext(
            "the lower berth quota is for passengers 60 or older, women 45 or older and pregnant women"
        )
    return None


def check_eligibility(quota: str, passengers: Sequence[QuotaPassenger]) -> None:
    """RuleError naming the first passenger not eligible, with one sentence per such passenger."""
    refused = [
        (index, reason)
        for index, passenger in enumerate(passengers)
        if (reason := _why_not_eligible(quota, passenger)) is not None
    ]
    if refused:
        first = refused[0][0]
        raise RuleError(
            f"passengers[{first}]",
            " ".join(
                gettext("Passenger %(number)d (%(name)s): %(reason)s.")
                % {"number": index + 1, "name": passengers[index].name, "reason": reason}
                for index, reason in refused
            ),
        )
    if quota == LADIES and not any(p.gender == "F" and p.age >= LADIES_CHILD_AGE for p in passengers):
        raise RuleError("passengers", gettext("The Ladies quota needs a woman 12 or older on the ticket."))


def check_offered(quota: str, capacity: dict[str, int]) -> None:
    """Refuse a quota the inventory has no berths for (its shares give it none in this class)."""
    if quota != GENERAL and not capacity.get(quota):
        params: dict[str, object] = {"quota": quota}
        raise RuleError("quota", not_offered_text(params), code="QUOTA_NOT_OFFERED", params=params)


def not_offered_text(params: Mapping[str, Any]) -> str:
    """check_offered's refusal in the active language (booking_rules words it again at answer time)."""
    quota = str(params["quota"])
    return gettext("The %(quota)s quota is not offered in this class.") % {"quota": QUOTAS.get(quota, quota)}


# --- Waitlist cap ------------------------------------------------------------------------------


def waitlist_cap(travel_class: str, berths: int, ac_percent: int, non_ac_percent: int) -> int:
    """The most waitlisted passengers a class may have over all its quotas together.

    Railway Board, 16 June 2025: waitlist at most 25% of a class's berths; revised 28 June 2025 to
    60% in AC classes and 30% in non-AC classes, Tatkal included. Concessional tickets are exempt
    from the cap; this site sells none (no concession quota), so every waitlisted passenger counts.
    """
    percent = ac_percent if travel_class in AC_CLASSES else non_ac_percent
    return berths * percent // 100


def waitlist_full(cap: int, waitlisted_now: int, joining: int) -> bool:
    return joining > 0 and waitlisted_now + joining > cap


# --- Premium Tatkal fare -----------------------------------------------------------------------

PREMIUM_TATKAL_STEP_PERCENT = 10  # the base fare rises 10% ...
PREMIUM_TATKAL_SLAB_PERCENT = 10  # ... for every 10% of the quota sold ...
PREMIUM_TATKAL_MAX_PERCENT = (
    150  # ... up to one and a half times (as the flexi-fare scheme of 9 September 2016 caps)
)


def premium_tatkal_percent(total: int, free: int) -> int:
    """The Premium Tatkal base fare, in percent of the Tatkal base fare, with `free` of `total`
    PT berths still free on the journey: 100% for the first slab, rising as the quota fills."""
    if total <= 0:
        return 100
    sold_share = (total - free) * 100 / total
    slabs = math.floor(sold_share / PREMIUM_TATKAL_SLAB_PERCENT)
    return min(100 + slabs * PREMIUM_TATKAL_STEP_PERCENT, PREMIUM_TATKAL_MAX_PERCENT)


# --- Charting ----------------------------------------------------------------------------------


def pools_at_charting(quota: str, charting: bool) -> tuple[str, ...]:
    """The berth pools a waitlisted passenger of `quota` may be confirmed from: the quota's own
    and, at charting, a General passenger also from every quota's berths left unsold."""
    if charting and quota == GENERAL:
        return (GENERAL, TATKAL, PREMIUM_TATKAL, LADIES, SENIOR)
    return (quota,)


# --- Auto-upgradation --------------------------------------------------------------------------

# One class up, as IRCTC's "consider for auto upgradation" does at charting (no extra fare).
UPGRADE_TO = {"SL": "3A", "3A": "2A", "2A": "1A", "2S": "CC"}
CLASS_RANK = {"2S": 0, "SL": 1, "CC": 2, "3A": 3, "2A": 4, "1A": 5}
