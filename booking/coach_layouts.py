"""Coaches: how many of each class a train carries, and the berths (or seats) inside each coach.

A coach layout is data: berth numbers and types in the order they are numbered on the coach, and
which side-lower berths are earmarked for RAC (two passengers share each before the chart). Which
berths each quota gets comes from the class's quota shares (quotas.QuotaShares, data the inventory
keeps a copy of). From a class, a number of coaches and the shares, `units()` builds the flat list
of saleable *units* that the inventory keeps one occupancy mask for: one unit per berth, except an
RAC berth, which gives two (its two RAC slots).

Berth types: LB lower, MB middle, UB upper, SL side lower, SU side upper (sleeper-style coaches);
WS window, MS middle, AS aisle (chair cars and second sitting).
"""

from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

from timetable.models import CLASS_CODES, Train

# GENERAL and TATKAL double as pool names here: re-exported as such.
from .quotas import GENERAL as GENERAL
from .quotas import LADIES, PREMIUM_TATKAL, SENIOR, QuotaShares, default_shares
from .quotas import TATKAL as TATKAL

LOWER_BERTHS = frozenset({"LB", "SL"})
BERTH_TYPE_NAMES = {
    "LB": _("Lower"),
    "MB": _("Middle"),
    "UB": _("Upper"),
    "SL": _("Side lower"),
    "SU": _("Side upper"),
    "WS": _("Window"),
    "MS": _("Middle seat"),
    "AS": _("Aisle"),
}

# Pools a unit belongs to: a quota (quotas.QUOTAS: GN, TQ, PT, LD, SS), or an RAC slot.
RAC = "RAC"
POOLS = (GENERAL, TATKAL, PREMIUM_TATKAL, LADIES, SENIOR, RAC)


@dataclass(frozen=True)
class CoachLayout:
    prefix: str  # coach labels: B1, B2, ... for 3A
    pattern: tuple[str, ...]  # berth types of one bay (or seat row), repeated along the coach
    size: int  # berths (seats) in the coach
    rac_side_lowers: int  # side-lower berths earmarked for RAC

    def berth_types(self) -> tuple[str, ...]:
        return tuple(self.pattern[i % len(self.pattern)] for i in range(self.size))

    def rac_berth_numbers(self) -> frozenset[int]:
        side_lowers = [n for n, kind in enumerate(self.berth_types(), start=1) if kind == "SL"]
        count = min(self.rac_side_lowers, len(side_lowers))
        if not count:
            return frozenset()
        # Spread along the coach: every k-th side lower.
        step = len(side_lowers) / count
        return frozenset(side_lowers[int(i * step)] for i in range(count))

    def quota_berths(self, shares: QuotaShares, ladies: int) -> dict[int, str]:
        """{berth number: quota} for one coach: Tatkal the highest-numbered berths that are not RAC,
        Premium Tatkal the next ones down, the lower berth quota the lowest-numbered lower berths,
        Ladies (`ladies` of them in this coach) the lowest-numbered berths left."""
        rac = self.rac_berth_numbers()
        types = self.berth_types()
        left = [n for n in range(1, self.size + 1) if n not in rac]
        pools: dict[int, str] = {}

        def earmark(candidates: list[int], count: int, quota: str) -> None:
            for number in candidates[:count]:
                pools[number] = quota
                left.remove(number)

        earmark(left[::-1], shares.tatkal, TATKAL)
        earmark(left[::-1], shares.premium_tatkal, PREMIUM_TATKAL)
        earmark([n for n in left if types[n - 1] == "LB"], shares.senior_lower, SENIOR)
        earmark(list(left), ladies, LADIES)
        return pools

    @property
    def is_sleeper(self) -> bool:
        return "LB" in self.pattern


LAYOUTS = {
    # LHB First AC: cabins and coupes, lower and upper berths only.
    "1A": CoachLayout("H", ("LB", "UB"), 24, rac_side_lowers=0),
    # AC 2-tier: 9 bays of 4 + 2 side berths.
    "2A": CoachLayout("A", ("LB", "UB", "LB", "UB", "SL", "SU"), 54, rac_side_lowers=4),
    # AC 3-tier and Sleeper: 9 bays of 6 + 2 side berths.
    "3A": CoachLayout("B", ("LB", "MB", "UB", "LB", "MB", "UB", "SL", "SU"), 72, rac_side_lowers=4),
    "SL": CoachLayout("S", ("LB", "MB", "UB", "LB", "MB", "UB", "SL", "SU"), 72, rac_side_lowers=7),
    # AC Chair Car: 3 + 2 seating.
    "CC": CoachLayout("C", ("WS", "MS", "AS", "AS", "WS"), 78, rac_side_lowers=0),
    # Second Sitting: 3 + 3 seating.
    "2S": CoachLayout("D", ("WS", "MS", "AS", "AS", "MS", "WS"), 108, rac_side_lowers=0),
}
assert set(LAYOUTS) == set(CLASS_CODES)

T = Train.Type
# Coaches per class by type of train (a Rajdhani: 1A x1, 2A x4, 3A x10). Admin can override a
# train's composition (booking.CoachComposition); a class missing here gets DEFAULT_COACHES.
COMPOSITIONS: dict[str, dict[str, int]] = {
    T.RAJDHANI: {"1A": 1, "2A": 4, "3A": 10},
    T.SHATABDI: {"CC": 12},
    T.DURONTO: {"1A": 1, "2A": 3, "3A": 8, "SL": 4},
    T.VANDE_BHARAT: {"CC": 14},
    T.GARIB_RATH: {"3A": 12},
    T.HUMSAFAR: {"3A": 16},
    T.JAN_SHATABDI: {"CC": 4, "2S": 10},
    T.SUPERFAST: {"1A": 1, "2A": 2, "3A": 6, "SL": 8, "2S": 4},
    T.MAIL_EXPRESS: {"2A": 1, "3A": 4, "SL": 10, "2S": 4},
    T.PASSENGER: {"2S": 10},
}
DEFAULT_COACHES = 2


def default_coach_count(train_type: str, travel_class: str) -> int:
    return COMPOSITIONS.get(train_type, {}).get(travel_class, DEFAULT_COACHES)


@dataclass(frozen=True)
class Unit:
    """One saleable place: a berth, or one of the two RAC slots of an RAC berth."""

    index: int
    coach_index: int
    coach: str
    berth: int
    berth_type: str
    pool: str  # a quota (GN, TQ, PT, LD, SS) or RAC


@lru_cache(maxsize=256)
def units(travel_class: str, coach_count: int, shares: QuotaShares | None = None) -> tuple[Unit, ...]:
    """Every unit of `coach_count` coaches of `travel_class`, in a fixed order (the inventory's index).

    `shares` (default: the class's default shares) only says which quota a berth belongs to, never
    how many units there are, so an inventory's occupancy list fits whatever shares it was made with.
    """
    layout = LAYOUTS[travel_class]
    shares = shares if shares is not None else default_shares(travel_class)
    types = layout.berth_types()
    rac = layout.rac_berth_numbers()
    ladies_left = shares.ladies
    result: list[Unit] = []
    for coach_index in range(coach_count):
        label = f"{layout.prefix}{coach_index + 1}"
        quota_of = layout.quota_berths(shares, ladies_left)
        ladies_left -= sum(1 for quota in quota_of.values() if quota == LADIES)
        for number, kind in enumerate(types, start=1):
            if number in rac:
                for _slot in range(2):
                    result.append(Unit(len(result), coach_index, label, number, kind, RAC))
            else:
                result.append(
                    Unit(len(result), coach_index, label, number, kind, quota_of.get(number, GENERAL))
                )
    return tuple(result)


def berth_preferences(travel_class: str) -> tuple[str, ...]:
    """The berth (seat) types a passenger may ask for in this class, in coach order."""
    seen: list[str] = []
    for kind in LAYOUTS[travel_class].pattern:
        if kind not in seen:
            seen.append(kind)
    return tuple(seen)


def capacity(travel_class: str, coach_count: int, shares: QuotaShares | None = None) -> dict[str, int]:
    """Places per pool: {"GN": n, "TQ": n, "PT": n, "LD": n, "SS": n, "RAC": slots}."""
    counts = dict.fromkeys(POOLS, 0)
    for unit in units(travel_class, coach_count, shares):
        counts[unit.pool] += 1
    return counts


def berth_count(travel_class: str, coach_count: int) -> int:
    """Berths (seats) in the class: an RAC berth counts once, as the waitlist cap counts them."""
    return LAYOUTS[travel_class].size * coach_count
