from decimal import Decimal

import pytest

from booking.fares import ADULT, CHILD_NO_BERTH, INFANT, fare_for


def test_adult_fare_breakdown_ac_superfast():
    fare = fare_for("3A", 1400, True, "GN", [("Asha", 34, False)])
    line = fare.lines[0]
    # 1.45/km x 1400 = 2030; reservation 40; superfast 45; GST 5% of 2115 = 105.75 -> 106.
    assert (line.base, line.reservation, line.superfast, line.tatkal, line.gst) == (2030, 40, 45, 0, 106)
    assert fare.total == Decimal(2221)
    assert fare.as_dict()["totals"]["total"] == 2221


def test_non_ac_has_no_gst_and_mail_express_no_superfast_charge():
    line = fare_for("SL", 700, False, "GN", [("Ravi", 40, False)]).lines[0]
    # 0.55 x 700 = 385; +20 reservation.
    assert (line.base, line.superfast, line.gst, line.total) == (385, 0, 0, 405)


def test_minimum_distance_and_rounding_up_to_five_rupees():
    line = fare_for("2S", 17, False, "GN", [("Ravi", 40, False)]).lines[0]
    assert line.base == 15  # 0.30 x 50 km minimum = 15
    line = fare_for("SL", 201, False, "GN", [("Ravi", 40, False)]).lines[0]
    assert line.base == 115  # 110.55 rounds up to 115


def test_children_and_infants():
    fare = fare_for("3A", 1000, False, "GN", [("Kid", 8, True), ("Baby", 3, True), ("Teen", 11, False)])
    kid, baby, teen = fare.lines
    assert (kid.category, baby.category, teen.category) == (CHILD_NO_BERTH, INFANT, ADULT)
    assert kid.base == 725 and teen.base == 1450
    assert kid.reservation == 40 and baby.total == 0


def test_tatkal_premium_is_clamped_and_has_no_child_concession():
    fare = fare_for("3A", 1400, True, "TQ", [("A", 30, False), ("Kid", 8, True)])
    adult, kid = fare.lines
    # 30% of 2030 = 609, capped at 400 for 3A.
    assert adult.tatkal == 400
    assert kid.base == adult.base and kid.tatkal == 400
    low = fare_for("SL", 250, False, "TQ", [("A", 30, False)]).lines[0]
    assert low.tatkal == 100  # 30% of 140 = 42, raised to the 100 minimum


def test_no_tatkal_fare_in_first_class():
    with pytest.raises(ValueError):
        fare_for("1A", 500, True, "TQ", [("A", 30, False)])
