from booking import coach_layouts
from booking.coach_layouts import GENERAL, RAC, TATKAL, capacity, default_coach_count, units
from booking.quotas import LADIES, PREMIUM_TATKAL, SENIOR
from timetable.models import Train


def test_rajdhani_composition():
    t = Train.Type.RAJDHANI
    assert [default_coach_count(t, c) for c in ("1A", "2A", "3A")] == [1, 4, 10]


def test_3a_coach_layout_numbers_and_types():
    coach = [u for u in units("3A", 1)]
    berths = sorted({(u.berth, u.berth_type) for u in coach})
    assert len(berths) == 72
    assert berths[:8] == [
        (1, "LB"),
        (2, "MB"),
        (3, "UB"),
        (4, "LB"),
        (5, "MB"),
        (6, "UB"),
        (7, "SL"),
        (8, "SU"),
    ]
    assert {u.coach for u in units("3A", 3)} == {"B1", "B2", "B3"}


def test_rac_side_lowers_give_two_slots_each():
    layout = coach_layouts.LAYOUTS["SL"]
    rac_berths = layout.rac_berth_numbers()
    assert len(rac_berths) == 7
    slots = [u for u in units("SL", 1) if u.pool == RAC]
    assert len(slots) == 14 and all(u.berth_type == "SL" for u in slots)
    assert capacity("SL", 1) == {
        GENERAL: 72 - 7 - 7 - 7 - 6 - 6,
        TATKAL: 7,
        PREMIUM_TATKAL: 7,
        SENIOR: 6,
        LADIES: 6,
        RAC: 14,
    }


def test_no_tatkal_or_rac_in_first_class_and_seats_in_chair_car():
    assert capacity("1A", 1) == {GENERAL: 24, TATKAL: 0, PREMIUM_TATKAL: 0, SENIOR: 0, LADIES: 0, RAC: 0}
    assert set(coach_layouts.berth_preferences("1A")) == {"LB", "UB"}
    assert coach_layouts.berth_preferences("CC") == ("WS", "MS", "AS")
    assert capacity("2S", 1) == {GENERAL: 100, TATKAL: 8, PREMIUM_TATKAL: 0, SENIOR: 0, LADIES: 0, RAC: 0}
    assert len(units("CC", 2)) == 156


def test_unit_indexes_are_positions():
    all_units = units("2A", 4)
    assert [u.index for u in all_units] == list(range(len(all_units)))
