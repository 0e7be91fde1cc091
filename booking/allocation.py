"""Seat allocation, free of the database: who gets which berth, RAC slot or waitlist place.

A train's run is cut into legs, one between each pair of consecutive stops. A passenger riding
from stop sequence b to stop sequence a occupies legs b-1 .. a-2, written as a bitmask
(`leg_mask`). The inventory keeps one mask per unit (see coach_layouts.units): the legs on which
that berth or RAC slot is taken. A unit is free for a passenger when its mask and the
passenger's do not overlap, so a berth sold from A to B is free again from B onward, and the
availability between two stations is the number of units free on every leg between them.

The rules, as on Indian Railways:
- A party is kept in one coach when one coach has room for all of it (the first such coach,
  so coaches fill front to back), near each other within the coach; otherwise it is spread
  over the coaches with most room first.
- Passengers entitled to a lower berth (seniors, women 45+) choose first and get LB/SL where
  free; a berth preference is honoured where such a berth is free; otherwise the nearest berth.
- With no berth free in the quota's pool, a General passenger gets an RAC slot (two passengers
  share a side-lower berth), then a waitlist place; a Tatkal, Ladies or lower berth quota
  passenger goes to that quota's waitlist (this model keeps RAC for the General quota only;
  Premium Tatkal has no waitlist: booking_rules refuses it).
- A freed unit goes first to RAC passengers (who become confirmed), in RAC order, then to the
  waitlists in order (confirmed if a berth is free, RAC if a slot is free). Numbers close up.
- Auto-upgradation at charting (plan_upgrade): a party moves up a class only all together, onto
  berths free in the higher class for its whole journey.
"""

from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from . import quotas
from .coach_layouts import GENERAL, LOWER_BERTHS, Unit

# RAC is a pool of coach_layouts and, here, a status beside CNF and WL: re-exported as such.
from .coach_layouts import RAC as RAC

CNF, WL = "CNF", "WL"


def leg_mask(board_sequence: int, alight_sequence: int) -> int:
    """The legs ridden from stop `board_sequence` to stop `alight_sequence` (1-based, board < alight)."""
    if not 1 <= board_sequence < alight_sequence:
        raise ValueError(f"bad journey {board_sequence} -> {alight_sequence}")
    return ((1 << (alight_sequence - board_sequence)) - 1) << (board_sequence - 1)


class SeatMap:
    """Occupancy of every unit of one train, date and class: `occupied[i]` is unit i's leg mask."""

    def __init__(self, units: Sequence[Unit], occupied: Iterable[int] | None = None) -> None:
        self.units = units
        self.occupied = list(occupied) if occupied is not None else [0] * len(units)
        if len(self.occupied) != len(units):
            raise ValueError("occupancy does not match the coach layout")

    def free(self, mask: int, pools: Collection[str]) -> list[int]:
        occupied, units = self.occupied, self.units
        return [i for i, taken in enumerate(occupied) if not taken & mask and units[i].pool in pools]

    def count_free(self, mask: int, pools: Collection[str]) -> int:
        occupied, units = self.occupied, self.units
        return sum(1 for i, taken in enumerate(occupied) if not taken & mask and units[i].pool in pools)

    def take(self, index: int, mask: int) -> None:
        if self.occupied[index] & mask:
            raise ValueError(f"unit {index} is already taken on these legs")
        self.occupied[index] |= mask

    def release(self, index: int, mask: int) -> None:
        self.occupied[index] &= ~mask

    def occupied_units(self) -> int:
        return sum(1 for taken in self.occupied if taken)


@dataclass
class Need[K: Hashable]:
    """A passenger who needs a berth: `key` identifies them to the caller."""

    key: K
    preference: str = ""
    wants_lower: bool = False


@dataclass
class Placement:
    status: str  # CNF, RAC or WL
    unit: int | None = None


def _priority[K: Hashable](need: Need[K]) -> int:
    # Lower-berth passengers choose first, then those with a preference, then the rest.
    return 0 if need.wants_lower and not need.preference else 1 if need.preference else 2


def _anchor(berths: Sequence[int], size: int) -> float:
    """Middle of the tightest run of `size` free berths (by number): where the party sits."""
    size = max(1, min(size, len(berths)))
    best = min(range(len(berths) - size + 1), key=lambda i: berths[i + size - 1] - berths[i])
    return (berths[best] + berths[best + size - 1]) / 2


def choose_berths[K: Hashable](
    seatmap: SeatMap, needs: Sequence[Need[K]], mask: int, pools: Collection[str]
) -> dict[K, int]:
    """{need.key: unit index} for as many of `needs` as there are free units; takes nothing."""
    free = seatmap.free(mask, pools)
    if not free or not needs:
        return {}
    units = seatmap.units
    by_coach: dict[int, list[int]] = {}
    for index in free:
        by_coach.setdefault(units[index].coach_index, []).append(index)
    whole = [coach for coach, members in by_coach.items() if len(members) >= len(needs)]
    coaches = whole[:1] or sorted(by_coach, key=lambda coach: -len(by_coach[coach]))
    waiting = sorted(needs, key=_priority)
    chosen: dict[K, int] = {}
    for coach in coaches:
        candidates = sorted(by_coach[coach], key=lambda index: units[index].berth)
        anchor = _anchor([units[index].berth for index in candidates], len(waiting))
        still_waiting: list[Need[K]] = []
        for need in waiting:
            if not candidates:
                still_waiting.append(need)
                continue
            wanted = {need.preference} if need.preference else LOWER_BERTHS if need.wants_lower else None
            pool = [i for i in candidates if units[i].berth_type in wanted] if wanted else []
            pick = min(
                pool or candidates, key=lambda index: (abs(units[index].berth - anchor), units[index].berth)
            )
            candidates.remove(pick)
            chosen[need.key] = pick
        waiting = still_waiting
        if not waiting:
            break
    return chosen


def allocate_party[K: Hashable](
    seatmap: SeatMap, needs: Sequence[Need[K]], mask: int, quota: str
) -> dict[K, Placement]:
    """Place a new booking's passengers: {need.key: Placement}. Takes the units it gives."""
    placements: dict[K, Placement] = {}
    for key, index in choose_berths(seatmap, needs, mask, (quota,)).items():
        seatmap.take(index, mask)
        placements[key] = Placement(CNF, index)
    for need in needs:
        if need.key in placements:
            continue
        slot = None
        if quota == GENERAL:
            slots = seatmap.free(mask, (RAC,))
            slot = slots[0] if slots else None
        if slot is not None:
            seatmap.take(slot, mask)
            placements[need.key] = Placement(RAC, slot)
        else:
            placements[need.key] = Placement(WL)
    return placements


@dataclass
class Waiting[K: Hashable]:
    """A passenger in the RAC or waitlist queue, as promotion sees them."""

    key: K
    quota: str
    status: str  # RAC or WL
    number: int | None  # None once confirmed
    mask: int
    unit: int | None = None  # the RAC slot held, for RAC
    preference: str = ""
    wants_lower: bool = False
    changed: bool = field(default=False, compare=False)


def _queue_number[K: Hashable](waiting: Waiting[K]) -> int:
    if waiting.number is None:
        raise ValueError(f"queued passenger {waiting.key!r} has no RAC/WL number")
    return waiting.number


def promote[K: Hashable](
    seatmap: SeatMap, waiting: Sequence[Waiting[K]], charting: bool = False
) -> tuple[int, dict[str, int]]:
    """Give free units to queued passengers in order; renumber the queues (1, 2, 3, ...).

    Mutates the `waiting` items (status, unit, number, changed) and the seat map. Each quota's
    waitlist is served from its own berths; at charting, the berths every quota left unsold then go
    to the General queues (quotas.pools_at_charting). Returns (rac_count, {quota: wl_count}).
    """

    def cnf_pools(quota: str) -> tuple[str, ...]:
        return quotas.pools_at_charting(quota, charting)

    rac_queue = sorted((w for w in waiting if w.status == RAC), key=_queue_number)
    for passenger in rac_queue:
        got = choose_berths(
            seatmap,
            [Need(passenger.key, passenger.preference, passenger.wants_lower)],
            passenger.mask,
            cnf_pools(passenger.quota),
        )
        if got:
            if passenger.unit is None:
                raise ValueError(f"RAC passenger {passenger.key!r} holds no RAC slot")
            seatmap.release(passenger.unit, passenger.mask)
            passenger.unit = got[passenger.key]
            seatmap.take(passenger.unit, passenger.mask)
            passenger.status, passenger.number, passenger.changed = CNF, None, True
    new_rac: list[Waiting[K]] = []
    wl_counts: dict[str, int] = {}
    for quota in quotas.WAITLISTED_QUOTAS:
        queue = sorted((w for w in waiting if w.status == WL and w.quota == quota), key=_queue_number)
        remaining: list[Waiting[K]] = []
        for passenger in queue:
            got = choose_berths(
                seatmap,
                [Need(passenger.key, passenger.preference, passenger.wants_lower)],
                passenger.mask,
                cnf_pools(quota),
            )
            if got:
                passenger.unit = got[passenger.key]
                seatmap.take(passenger.unit, passenger.mask)
                passenger.status, passenger.number, passenger.changed = CNF, None, True
                continue
            if quota == GENERAL:
                slots = seatmap.free(passenger.mask, (RAC,))
                if slots:
                    passenger.unit = slots[0]
                    seatmap.take(passenger.unit, passenger.mask)
                    passenger.status, passenger.changed = RAC, True
                    new_rac.append(passenger)
                    continue
            remaining.append(passenger)
        for number, passenger in enumerate(remaining, start=1):
            if passenger.number != number:
                passenger.number, passenger.changed = number, True
        wl_counts[quota] = len(remaining)
    rac_order = [w for w in rac_queue if w.status == RAC] + new_rac
    for number, passenger in enumerate(rac_order, start=1):
        if passenger.number != number:
            passenger.number, passenger.changed = number, True
    return len(rac_order), wl_counts


def premium_tatkal_percent(seatmap: SeatMap, mask: int) -> int:
    """Premium Tatkal's fare slab now (quotas.premium_tatkal_percent), from how much of the quota is
    sold on the journey's legs (a mask of 0 overlaps nothing: it counts every PT unit)."""
    pools = (quotas.PREMIUM_TATKAL,)
    return quotas.premium_tatkal_percent(seatmap.count_free(0, pools), seatmap.count_free(mask, pools))


def plan_upgrade[K: Hashable](higher: SeatMap, party: Sequence[Need[K]], mask: int) -> dict[K, int]:
    """Berths in the higher class for a whole party ({need.key: unit index}), or {} when the higher
    class cannot take all of it: a party is upgraded together or not at all. At charting every
    quota's unsold berths are vacant alike (quotas.pools_at_charting). Takes the units it gives."""
    chosen = choose_berths(higher, party, mask, quotas.pools_at_charting(GENERAL, True))
    if len(chosen) < len(party):
        return {}
    for index in chosen.values():
        higher.take(index, mask)
    return chosen
