"""Fares: one function, `fare_for`, that prices a booking and returns the breakdown shown on the
review page and the e-ticket.

Per passenger, in whole rupees:
- base fare: the class's rate per km times the distance (at least the class's minimum chargeable
  distance), rounded up to the next 5 rupees. Real fares are telescopic (cheaper per km the
  farther you go); this flat rate is the documented simplification.
- reservation charge: a flat amount per class.
- superfast surcharge: a flat amount per class on superfast services (`Train.is_superfast`).
- Tatkal premium (Tatkal and Premium Tatkal): a share of the base fare, kept between a minimum
  and a maximum per class (as Indian Railways publishes it).
- Premium Tatkal: the base fare times the slab of the moment, `premium_percent`
  (quotas.premium_tatkal_percent: rising as the quota fills), fixed under the inventory lock.
- GST: 5% of the above on AC classes (1A, 2A, 3A, CC), rounded to the rupee.

Children under 5 travel free without a berth. Children 5 to 11 who choose no berth pay half the
base fare plus the full charges; with a berth they pay as adults. Tatkal has no child concession.
"""

from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from .quotas import AC_CLASSES, TATKAL_QUOTAS

GST_RATE = Decimal("0.05")

# A breakdown as stored on the booking (a JSONField): JSON values of several types.
StoredBreakdown = dict[str, Any]


@dataclass(frozen=True)
class ClassFare:
    per_km: Decimal
    minimum_km: int
    reservation: int
    superfast: int
    tatkal_share: Decimal | None  # None: Tatkal not sold in this class
    tatkal_minimum: int = 0
    tatkal_maximum: int = 0


CLASS_FARES = {
    "1A": ClassFare(Decimal("3.60"), 300, 60, 75, None),
    "2A": ClassFare(Decimal("2.10"), 300, 50, 45, Decimal("0.30"), 400, 500),
    "3A": ClassFare(Decimal("1.45"), 300, 40, 45, Decimal("0.30"), 300, 400),
    "CC": ClassFare(Decimal("1.20"), 50, 40, 45, Decimal("0.30"), 125, 225),
    "SL": ClassFare(Decimal("0.55"), 200, 20, 30, Decimal("0.30"), 100, 200),
    "2S": ClassFare(Decimal("0.30"), 50, 15, 15, Decimal("0.10"), 10, 15),
}

ADULT, CHILD_NO_BERTH, INFANT = "adult", "child_no_berth", "infant"
TOTAL_FIELDS = ("base", "reservation", "superfast", "tatkal", "gst", "total")


@dataclass
class FareLine:
    label: str
    category: str
    base: int = 0
    reservation: int = 0
    superfast: int = 0
    tatkal: int = 0
    gst: int = 0

    @property
    def total(self) -> int:
        return self.base + self.reservation + self.superfast + self.tatkal + self.gst


@dataclass
class FareBreakdown:
    travel_class: str
    distance_km: int
    quota: str
    superfast: bool
    lines: list[FareLine] = field(default_factory=list)

    def _sum(self, name: str) -> int:
        return sum(getattr(line, name) for line in self.lines)

    @property
    def totals(self) -> dict[str, int]:
        return {name: self._sum(name) for name in TOTAL_FIELDS}

    @property
    def total(self) -> Decimal:
        return Decimal(self._sum("total"))

    def as_dict(self) -> StoredBreakdown:
        data = asdict(self)
        for line, stored in zip(self.lines, data["lines"], strict=True):
            stored["total"] = line.total
        data["totals"] = self.totals
        return data


def _round_up_to_5(amount: Decimal) -> int:
    return int((amount / 5).to_integral_value(rounding=ROUND_CEILING) * 5)


def passenger_category(age: int, no_berth: bool) -> str:
    if age < 5:
        return INFANT
    if no_berth and age <= 11:
        return CHILD_NO_BERTH
    return ADULT


def fare_for(
    travel_class: str,
    distance_km: int,
    superfast: bool,
    quota: str,
    passengers: Iterable[tuple[str, int, bool]],
    premium_percent: int = 100,
) -> FareBreakdown:
    """The fare of a booking, itemised per passenger.

    `passengers` is a sequence of (label, age, no_berth); `premium_percent` scales the base fare
    (Premium Tatkal's slab; 100 otherwise). Raises ValueError for a class without Tatkal when
    `quota` is a Tatkal quota (the booking rules refuse such a request before pricing it).
    """
    rate = CLASS_FARES[travel_class]
    tatkal = quota in TATKAL_QUOTAS
    tatkal_share = rate.tatkal_share if tatkal else None  # set exactly when the Tatkal premium applies
    if tatkal and tatkal_share is None:
        raise ValueError(f"no Tatkal fare in {travel_class}")
    adult_base = _round_up_to_5(rate.per_km * max(distance_km, rate.minimum_km) * premium_percent / 100)
    breakdown = FareBreakdown(travel_class, distance_km, quota, superfast)
    for label, age, no_berth in passengers:
        category = passenger_category(age, no_berth and not tatkal)
        line = FareLine(label, category)
        if category != INFANT:
            line.base = _round_up_to_5(Decimal(adult_base) / 2) if category == CHILD_NO_BERTH else adult_base
            line.reservation = rate.reservation
            line.superfast = rate.superfast if superfast else 0
            if tatkal_share is not None:
                premium = (tatkal_share * adult_base).to_integral_value(rounding=ROUND_HALF_UP)
                line.tatkal = int(
                    min(max(premium, Decimal(rate.tatkal_minimum)), Decimal(rate.tatkal_maximum))
                )
            if travel_class in AC_CLASSES:
                taxable = line.base + line.reservation + line.superfast + line.tatkal
                line.gst = int((GST_RATE * taxable).to_integral_value(rounding=ROUND_HALF_UP))
        breakdown.lines.append(line)
    return breakdown


def one_adult_fare(travel_class: str, distance_km: int, superfast: bool, quota: str) -> FareBreakdown | None:
    """The fare enquiry: what one adult pays (a price shown before login), or None when the quota
    is not sold in the class (Tatkal and Premium Tatkal in 1A)."""
    if quota in TATKAL_QUOTAS and CLASS_FARES[travel_class].tatkal_share is None:
        return None
    return fare_for(travel_class, distance_km, superfast, quota, [("One adult", 30, False)])


def cancel_lines(breakdown: StoredBreakdown, indexes: Collection[int]) -> StoredBreakdown:
    """A stored breakdown (FareBreakdown.as_dict()) with the passengers at `indexes` (0-based)
    cancelled before payment: their lines stay, marked cancelled, and leave the totals, which are
    then the fare still due."""
    if not breakdown.get("lines"):
        return breakdown
    lines = [
        {**line, "cancelled": bool(line.get("cancelled")) or i in indexes}
        for i, line in enumerate(breakdown["lines"])
    ]
    totals = {name: sum(line[name] for line in lines if not line["cancelled"]) for name in TOTAL_FIELDS}
    return {**breakdown, "lines": lines, "totals": totals}
