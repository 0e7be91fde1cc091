"""Coaches: how many of each class a train carries, and the berths (or seats) inside each coach.

A coach layout is data: berth numbers and types in the order they are numbered on the coach,
which side-lower berths are earmarked for RAC (two passengers share each before the chart) and
how many berths are earmarked for the Tatkal quota. From a class and a number of coaches,
`units()` builds the flat list of saleable *units* that the inventory keeps one occupancy mask
for: one unit per berth, except an RAC berth, which gives two (its two RAC slots).

Berth types: LB lower, MB middle, UB upper, SL side lower, SU side upper (sleeper-style coaches);
WS window, MS middle, AS aisle (chair cars and second sitting).
"""

from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

from timetable.models import CLASS_CODES, Train

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

# Pools a unit belongs to: the General quota, the Tatkal quota, or an RAC slot.
GENERAL, TATKAL, RAC = "GN", "TQ", "RAC"


@dataclass(frozen=True)
class CoachLayout:
    prefix: str  # coach labels: B1, B2, ... for 3A
    pattern: tuple[str, ...]  # berth types of one bay (or seat row), repeated along the coach
    size: int  # berths (seats) in the coach
    rac_side_lowers: int  # side-lower berths earmarked for RAC
    tatkal_berths: int  # berths earmarked for the Tatkal quota (the highest-numbered non-RAC ones)

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

    def tatkal_berth_numbers(self) -> frozenset[int]:
        rac = self.rac_berth_numbers()
        candidates = [n for n in range(self.size, 0, -1) if n not in rac]
        return frozenset(candidates[: self.tatkal_berths])

    @property
    def is_sleeper(self) -> bool:
        return "LB" in self.pattern


LAYOUTS = {
    # LHB First AC: cabins and coupes, lower and upper berths only. No Tatkal in 1A.
    "1A": CoachLayout("H", ("LB", "UB"), 24, rac_side_lowers=0, tatkal_berths=0),
    # AC 2-tier: 9 bays of 4 + 2 side berths.
    "2A": CoachLayout("A", ("LB", "UB", "LB", "UB", "SL", "SU"), 54, rac_side_lowers=4, tatkal_berths=6),
    # AC 3-tier and Sleeper: 9 bays of 6 + 2 side berths.
    "3A": CoachLayout(
        "B", ("LB", "MB", "UB", "LB", "MB", "UB", "SL", "SU"), 72, rac_side_lowers=4, tatkal_berths=12
    ),
    "SL": CoachLayout(
        "S", ("LB", "MB", "UB", "LB", "MB", "UB", "SL", "SU"), 72, rac_side_lowers=7, tatkal_berths=14
    ),
    # AC Chair Car: 3 + 2 seating.
    "CC": CoachLayout("C", ("WS", "MS", "AS", "AS", "WS"), 78, rac_side_lowers=0, tatkal_berths=8),
    # Second Sitting: 3 + 3 seating.
    "2S": CoachLayout("D", ("WS", "MS", "AS", "AS", "MS", "WS"), 108, rac_side_lowers=0, tatkal_berths=8),
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
    pool: str  # GENERAL, TATKAL or RAC


@lru_cache(maxsize=64)
def units(travel_class: str, coach_count: int) -> tuple[Unit, ...]:
    """Every unit of `coach_count` coaches of `travel_class`, in a fixed order (the inventory's index)."""
    layout = LAYOUTS[travel_class]
    types = layout.berth_types()
    rac, tatkal = layout.rac_berth_numbers(), layout.tatkal_berth_numbers()
    result: list[Unit] = []
    for coach_index in range(coach_count):
        label = f"{layout.prefix}{coach_index + 1}"
        for number, kind in enumerate(types, start=1):
            if number in rac:
                for _slot in range(2):
                    result.append(Unit(len(result), coach_index, label, number, kind, RAC))
            else:
                pool = TATKAL if number in tatkal else GENERAL
                result.append(Unit(len(result), coach_index, label, number, kind, pool))
    return tuple(result)


def berth_preferences(travel_class: str) -> tuple[str, ...]:
    """The berth (seat) types a passenger may ask for in this class, in coach order."""
    seen: list[str] = []
    for kind in LAYOUTS[travel_class].pattern:
        if kind not in seen:
            seen.append(kind)
    return tuple(seen)


def capacity(travel_class: str, coach_count: int) -> dict[str, int]:
    """Places per pool: {"GN": n, "TQ": n, "RAC": slots}."""
    counts = {GENERAL: 0, TATKAL: 0, RAC: 0}
    for unit in units(travel_class, coach_count):
        counts[unit.pool] += 1
    return counts
