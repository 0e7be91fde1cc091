"""Allocation rules, without the database."""

import pytest

from booking.allocation import (
    CNF,
    RAC,
    WL,
    Need,
    SeatMap,
    Waiting,
    allocate_party,
    choose_berths,
    leg_mask,
    promote,
)
from booking.coach_layouts import GENERAL, TATKAL, units
from booking.quotas import LADIES, PREMIUM_TATKAL, SENIOR


def seatmap(travel_class="3A", coaches=1):
    return SeatMap(units(travel_class, coaches))


def test_leg_mask():
    assert leg_mask(1, 2) == 0b1
    assert leg_mask(2, 4) == 0b110
    assert leg_mask(1, 4) == 0b111
    with pytest.raises(ValueError):
        leg_mask(3, 3)


def test_segment_reuse_a_berth_sold_to_b_is_free_from_b():
    sm = seatmap("1A")
    first = allocate_party(sm, [Need(0)], leg_mask(1, 2), GENERAL)[0]
    second = allocate_party(sm, [Need(0)], leg_mask(2, 4), GENERAL)[0]
    assert first.status == second.status == CNF
    assert first.unit == second.unit
    # The same berth is not free for a journey overlapping the first one.
    assert sm.count_free(leg_mask(1, 3), (GENERAL,)) == 23
    assert sm.count_free(leg_mask(3, 4), (GENERAL,)) == 23


def test_party_kept_together_in_one_coach():
    sm = seatmap("3A", 2)
    # Coach B1 has only 3 General berths left.
    general_b1 = [u.index for u in sm.units if u.coach == "B1" and u.pool == GENERAL]
    for index in general_b1[3:]:
        sm.take(index, leg_mask(1, 4))
    placed = allocate_party(sm, [Need(i) for i in range(4)], leg_mask(1, 4), GENERAL)
    coaches = {sm.units[p.unit].coach for p in placed.values()}
    assert coaches == {"B2"}
    berths = sorted(sm.units[p.unit].berth for p in placed.values())
    assert berths[-1] - berths[0] <= 5  # seated near each other


def test_seniors_and_women_45_get_lower_berths_first():
    sm = seatmap("3A")
    needs = [Need("young"), Need("senior", wants_lower=True), Need("woman50", wants_lower=True)]
    placed = allocate_party(sm, needs, leg_mask(1, 4), GENERAL)
    assert sm.units[placed["senior"].unit].berth_type in {"LB", "SL"}
    assert sm.units[placed["woman50"].unit].berth_type in {"LB", "SL"}


def test_berth_preference_honoured_where_free():
    sm = seatmap("3A")
    placed = allocate_party(sm, [Need("a", "UB"), Need("b", "SU")], leg_mask(1, 4), GENERAL)
    assert sm.units[placed["a"].unit].berth_type == "UB"
    assert sm.units[placed["b"].unit].berth_type == "SU"


def test_when_full_general_gets_rac_then_waitlist_and_tatkal_its_own_pool():
    sm = seatmap("SL")
    mask = leg_mask(1, 2)
    general = sm.count_free(mask, (GENERAL,))
    allocate_party(sm, [Need(i) for i in range(general)], mask, GENERAL)
    placed = allocate_party(sm, [Need(i) for i in range(16)], mask, GENERAL)
    statuses = [placed[i].status for i in range(16)]
    assert statuses == [RAC] * 14 + [WL] * 2
    # Two RAC passengers share each side-lower berth.
    rac_berths = [sm.units[placed[i].unit].berth for i in range(14)]
    assert all(rac_berths.count(berth) == 2 for berth in rac_berths)
    # The Tatkal pool is untouched by General bookings.
    assert allocate_party(sm, [Need(0)], mask, TATKAL)[0].status == CNF


def test_promotion_in_order_and_numbers_close_up():
    sm = seatmap("1A")
    mask = leg_mask(1, 4)
    allocate_party(sm, [Need(i) for i in range(24)], mask, GENERAL)
    waiting = [Waiting(f"wl{n}", GENERAL, WL, n, mask) for n in (1, 2, 3)]
    sm.release(5, mask)  # one berth frees up
    rac_count, wl = promote(sm, waiting)
    assert waiting[0].status == CNF and waiting[0].unit == 5 and waiting[0].number is None
    assert [(w.status, w.number) for w in waiting[1:]] == [(WL, 1), (WL, 2)]
    assert (rac_count, wl[GENERAL]) == (0, 2)


def test_rac_promoted_before_waitlist_and_waitlist_moves_to_rac():
    sm = seatmap("SL")
    mask = leg_mask(1, 2)
    general = sm.count_free(mask, (GENERAL,))
    placed = allocate_party(sm, [Need(i) for i in range(general + 14)], mask, GENERAL)
    rac = [
        Waiting(i, GENERAL, RAC, n, mask, placed[i].unit)
        for n, i in enumerate(range(general, general + 14), 1)
    ]
    wl = [Waiting(f"w{n}", GENERAL, WL, n, mask) for n in (1, 2)]
    freed = placed[0].unit
    sm.release(freed, mask)
    rac_count, wl_counts = promote(sm, rac + wl)
    assert rac[0].status == CNF and rac[0].unit == freed
    assert [w.number for w in rac[1:]] == list(range(1, 14))
    assert wl[0].status == RAC and wl[0].number == 14
    assert wl[1].status == WL and wl[1].number == 1
    assert (rac_count, wl_counts[GENERAL]) == (14, 1)


def test_waitlisted_passenger_promoted_only_to_a_berth_free_on_all_their_legs():
    sm = seatmap("1A")
    allocate_party(sm, [Need(i) for i in range(24)], leg_mask(1, 4), GENERAL)
    long_trip = Waiting("long", GENERAL, WL, 1, leg_mask(1, 4))
    short_trip = Waiting("short", GENERAL, WL, 2, leg_mask(1, 2))
    sm.release(3, leg_mask(1, 2))  # free only on the first leg
    promote(sm, [long_trip, short_trip])
    assert long_trip.status == WL and long_trip.number == 1
    assert short_trip.status == CNF and short_trip.unit == 3


def test_charting_gives_unsold_quota_berths_to_general_waitlist():
    sm = seatmap("SL")
    mask = leg_mask(1, 2)
    allocate_party(sm, [Need(i) for i in range(sm.count_free(mask, (GENERAL,)) + 14)], mask, GENERAL)
    waiting = [Waiting("w", GENERAL, WL, 1, mask)]
    promote(sm, waiting)
    assert waiting[0].status == WL
    promote(sm, waiting, charting=True)
    assert waiting[0].status == CNF and sm.units[waiting[0].unit].pool in (
        TATKAL,
        PREMIUM_TATKAL,
        LADIES,
        SENIOR,
    )


def test_choose_berths_takes_nothing():
    sm = seatmap("2A")
    before = list(sm.occupied)
    assert len(choose_berths(sm, [Need(1), Need(2)], leg_mask(1, 2), (GENERAL,))) == 2
    assert sm.occupied == before
