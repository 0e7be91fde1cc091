"""Live availability for a journey, read from the inventory row (never from a cache).

Shown as Indian Railways shows it: AVAILABLE n while berths are free on every leg of the
journey, then RAC n (the RAC number the next passenger would get), then WL n. Unpaid holds whose
time has run out still count as taken until the next booking releases them, so the figure is
never more than the engine would give.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from timetable.train_routes import RouteJourney

from . import booking_rules, coach_layouts
from .allocation import SeatMap, leg_mask
from .booking_rules import GENERAL, TATKAL
from .models import Inventory


@dataclass(frozen=True)
class Availability:
    quota: str
    bookable: bool
    label: str  # AVAILABLE 12, RAC 3, WL 40, NOT OFFERED, OPENS 10:00 ..., CHART PREPARED
    free: int = 0
    opens: datetime.datetime | None = None  # when Tatkal opens, for `shown`

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
        }.get(self.label, self.label)


def _inventory_snapshot(journey: RouteJourney, travel_class: str) -> Inventory:
    from .reservations import new_inventory

    inventory = (
        Inventory.objects.filter(
            train_id=journey.route.train_id, journey_date=journey.journey_date, travel_class=travel_class
        )
        .only(
            "coach_count",
            "travel_class",
            "occupancy",
            "rac_count",
            "gnwl_count",
            "tqwl_count",
            "chart_due_at",
            "chart_prepared_at",
        )
        .first()
    )
    return inventory or new_inventory(journey.route, journey.journey_date, travel_class)


def availability(
    journey: RouteJourney, travel_class: str, now: datetime.datetime | None = None
) -> dict[str, Availability]:
    """{quota: Availability} for a RouteJourney in one class."""
    from .reservations import is_charted

    now = now or timezone.now()
    inventory = _inventory_snapshot(journey, travel_class)
    closed = is_charted(inventory, now) or journey.departs <= now
    seatmap = SeatMap(coach_layouts.units(travel_class, inventory.coach_count), inventory.occupancy)
    mask = leg_mask(journey.board.sequence, journey.alight.sequence)
    result: dict[str, Availability] = {}
    if closed:
        label = "CHART PREPARED" if is_charted(inventory, now) else "DEPARTED"
        return {quota: Availability(quota, False, label) for quota in (GENERAL, TATKAL)}
    free = seatmap.count_free(mask, (GENERAL,))
    if free:
        result[GENERAL] = Availability(GENERAL, True, f"AVAILABLE {free}", free)
    elif seatmap.count_free(mask, (coach_layouts.RAC,)):
        result[GENERAL] = Availability(GENERAL, True, f"RAC {inventory.rac_count + 1}")
    else:
        result[GENERAL] = Availability(GENERAL, True, f"WL {inventory.gnwl_count + 1}")
    is_open, opens = booking_rules.tatkal_status(journey.journey_date, travel_class, now)
    if opens is None:
        result[TATKAL] = Availability(TATKAL, False, "NOT OFFERED")
    elif not is_open:
        result[TATKAL] = Availability(
            TATKAL, False, f"OPENS {timezone.localtime(opens):%d %b %H:%M}", opens=opens
        )
    else:
        free = seatmap.count_free(mask, (TATKAL,))
        label = f"AVAILABLE {free}" if free else f"WL {inventory.tqwl_count + 1}"
        result[TATKAL] = Availability(TATKAL, True, label, free)
    return result
