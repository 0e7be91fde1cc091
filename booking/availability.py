"""Live availability for a journey, read from the inventory row, and the same figures for display.

`availability` reads the inventory row on every call (the availability page). `display_availability`
is the figure shown around it (one per class in search results, the week at a glance, alternative
trains): kept DISPLAY_AVAILABILITY_TTL seconds (5) in the "display-availability" cache family, so a
rush of searches costs one row read per train, date and class every few seconds (caching/policy.py
says why). Neither decides anything: allocation reads the locked row (booking/reservations.py).

Shown as Indian Railways shows it: AVAILABLE n while berths are free on every leg of the
journey, then RAC n (the RAC number the next passenger would get), then WL n, and REGRET / WL
closed once the class's waitlist is at its cap (booking_rules.check_waitlist_cap). Premium Tatkal
shows its fare of the moment, which rises as the quota fills. Unpaid holds whose
time has run out still count as taken until the next booking releases them, so the figure is
never more than the engine would give.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from caching.tiered import tiered_cache
from railconnect.replicas import read_alias
from timetable.train_routes import RouteJourney

from . import booking_rules, coach_layouts, fares, partitions, quotas
from .allocation import SeatMap, leg_mask, premium_tatkal_percent
from .booking_rules import GENERAL, QUOTAS
from .fares import FareBreakdown, one_adult_fare
from .models import WL_COUNT_FIELDS, Inventory


@dataclass(frozen=True)
class Availability:
    quota: str
    bookable: bool
    label: str  # AVAILABLE 12, RAC 3, WL 40, REGRET / WL closed, NOT OFFERED, OPENS 10:00 ..., CHART PREPARED
    free: int = 0
    fare: int | None = None  # Premium Tatkal: an adult's fare now (it rises as the quota fills)
    opens: datetime.datetime | None = None  # when Tatkal opens, for `shown`
    # Premium Tatkal (when the class sells it): its fare slab as of the same inventory read, so a
    # page pricing it (the fare enquiry, the review page) needs no second read.
    premium_tatkal_percent: int | None = None

    @property
    def kind(self) -> str:
        return self.label.split(" ")[0]

    @property
    def shown(self) -> str:
        """The label in the passenger's language (`label` is the API's, always English). RAC and
        WL stay as passengers know them."""
        kind, _space, rest = self.label.partition(" ")
        if kind == "AVAILABLE":
            return gettext("AVAILABLE %(count)s") % {"count": rest}
        if kind == "OPENS" and self.opens is not None:
            # Month names in the page's language, 24-hour IST (docs/i18n.md).
            return gettext("OPENS %(time)s") % {
                "time": date_format(timezone.localtime(self.opens), "d M H:i")
            }
        return {
            "CHART PREPARED": gettext("CHART PREPARED"),
            "DEPARTED": gettext("DEPARTED"),
            "NOT OFFERED": gettext("NOT OFFERED"),
            REGRET_LABEL: gettext("REGRET / WL closed"),
        }.get(self.label, self.label)


REGRET_LABEL = "REGRET / WL closed"


def _inventory_snapshot(journey: RouteJourney, travel_class: str) -> Inventory:
    from .reservations import new_inventory

    inventory = (
        Inventory.objects.using(
            read_alias(partitions.database_for(train_id=journey.route.train_id, assign=False))
        )
        .filter(train_id=journey.route.train_id, journey_date=journey.journey_date, travel_class=travel_class)
        .only(
            "coach_count",
            "travel_class",
            "quota_shares",
            "occupancy",
            "rac_count",
            *WL_COUNT_FIELDS.values(),
            "chart_due_at",
            "chart_prepared_at",
        )
        .first()
    )
    return inventory or new_inventory(journey.route, journey.journey_date, travel_class)


def _premium_tatkal_fare(journey: RouteJourney, travel_class: str, percent: int) -> fares.FareBreakdown:
    """An adult's Premium Tatkal fare at a slab read from the seat map (read, not locked: the booking
    fixes it under the lock and refuses it with the new fare if it moved:
    booking_rules.check_shown_fare)."""
    return fares.fare_for(
        travel_class,
        journey.distance_km,
        journey.route.is_superfast,
        quotas.PREMIUM_TATKAL,
        [("One adult", 30, False)],
        percent,
    )


def availability(
    journey: RouteJourney, travel_class: str, now: datetime.datetime | None = None
) -> dict[str, Availability]:
    """{quota: Availability} for a RouteJourney in one class, every quota of quotas.QUOTAS."""
    from .reservations import is_charted

    now = now or timezone.now()
    inventory = _inventory_snapshot(journey, travel_class)
    seatmap = SeatMap(inventory.units, inventory.occupancy)
    mask = leg_mask(journey.board.sequence, journey.alight.sequence)
    capacity = inventory.capacity
    # Premium Tatkal's slab, from this one read: carried on its Availability for whoever prices it.
    pt_percent = premium_tatkal_percent(seatmap, mask) if capacity[quotas.PREMIUM_TATKAL] else None
    if is_charted(inventory, now) or journey.departs <= now:
        label = "CHART PREPARED" if is_charted(inventory, now) else "DEPARTED"
        return {
            quota: Availability(
                quota,
                False,
                label,
                premium_tatkal_percent=pt_percent if quota == quotas.PREMIUM_TATKAL else None,
            )
            for quota in QUOTAS
        }
    cap = quotas.waitlist_cap(
        travel_class,
        coach_layouts.berth_count(travel_class, inventory.coach_count),
        settings.WAITLIST_CAP_AC_PERCENT,
        settings.WAITLIST_CAP_NON_AC_PERCENT,
    )
    waitlist_open = inventory.waitlisted < cap
    tatkal_open, opens = booking_rules.tatkal_status(journey.journey_date, travel_class, now)
    result: dict[str, Availability] = {}
    for quota in QUOTAS:
        if quota != GENERAL and not capacity[quota]:
            result[quota] = Availability(quota, False, "NOT OFFERED")
            continue
        if quota in quotas.TATKAL_QUOTAS and opens is None:
            result[quota] = Availability(quota, False, "NOT OFFERED")
            continue
        percent = pt_percent if quota == quotas.PREMIUM_TATKAL else None
        if quota in quotas.TATKAL_QUOTAS and not tatkal_open and opens is not None:
            result[quota] = Availability(
                quota,
                False,
                f"OPENS {timezone.localtime(opens):%d %b %H:%M}",
                opens=opens,
                premium_tatkal_percent=percent,
            )
            continue
        free = seatmap.count_free(mask, (quota,))
        fare = None
        if percent is not None:
            fare = int(_premium_tatkal_fare(journey, travel_class, percent).total)
        if free:
            result[quota] = Availability(
                quota, True, f"AVAILABLE {free}", free, fare, premium_tatkal_percent=percent
            )
        elif quota == GENERAL and seatmap.count_free(mask, (coach_layouts.RAC,)):
            result[quota] = Availability(quota, True, f"RAC {inventory.rac_count + 1}")
        elif quota == quotas.PREMIUM_TATKAL or not waitlist_open:
            result[quota] = Availability(quota, False, REGRET_LABEL, premium_tatkal_percent=percent)
        else:
            result[quota] = Availability(quota, True, f"WL {inventory.wl_count(quota) + 1}")
    return result


def display_availability(
    journey: RouteJourney, travel_class: str, now: datetime.datetime | None = None
) -> dict[str, Availability]:
    """`availability`, as it was at most DISPLAY_AVAILABILITY_TTL seconds ago: for lists only."""
    parts = (
        journey.route.train_id,
        journey.journey_date.isoformat(),
        journey.board.sequence,
        journey.alight.sequence,
        travel_class,
    )
    return tiered_cache.get_or_set(
        "display-availability", parts, lambda: availability(journey, travel_class, now)
    )


@dataclass(frozen=True)
class QuotaOffer:
    """One quota of one class on the availability page: availability and the one-adult fare."""

    availability: Availability
    fare: FareBreakdown | None  # None: the quota is not sold in this class

    @property
    def name(self) -> str:
        """The quota's name in the passenger's language."""
        return str(QUOTAS[self.availability.quota])


def quota_offers(journey: RouteJourney, travel_class: str, now: datetime.datetime) -> list[QuotaOffer]:
    """Live availability and the fare for one adult in each quota of a class (the fare enquiry)."""
    superfast = journey.route.is_superfast
    offers = []
    for quota, item in availability(journey, travel_class, now).items():
        fare: FareBreakdown | None
        if item.label == "NOT OFFERED":
            fare = None
        elif item.premium_tatkal_percent is not None:  # its fare of the moment, from the same read
            fare = _premium_tatkal_fare(journey, travel_class, item.premium_tatkal_percent)
        else:
            fare = one_adult_fare(travel_class, journey.distance_km, superfast, quota)
        offers.append(QuotaOffer(item, fare))
    return offers


@dataclass(frozen=True)
class ClassOffer:
    """A class of a journey as a list shows it: general-quota availability and one adult's fare."""

    travel_class: str
    availability: Availability
    fare: int

    @property
    def waitlisted(self) -> bool:
        return self.availability.kind == "WL"


def class_offers(journey: RouteJourney, now: datetime.datetime | None = None) -> list[ClassOffer]:
    """Every class of the journey's train, with display availability and fare (general quota)."""
    superfast = journey.route.is_superfast
    offers = []
    for travel_class in journey.route.classes:
        fare = one_adult_fare(travel_class, journey.distance_km, superfast, GENERAL)
        assert fare is not None, "every class sells the general quota"
        item = display_availability(journey, travel_class, now)[GENERAL]
        offers.append(ClassOffer(travel_class, item, int(fare.total)))
    return offers
