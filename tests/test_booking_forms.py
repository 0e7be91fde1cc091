"""The passengers page's formset: rows read by their old names, in order, empty ones skipped, none
dropped beyond the quota (the rules refuse those), and a row it cannot read is a message, not a 500."""

import pytest
from django.http import QueryDict

from booking.booking_rules import RuleError
from booking.forms import posted_passengers


def post(**fields):
    data = QueryDict(mutable=True)
    for key, value in fields.items():
        data[key.replace("_", "-", 2)] = value
    return data


def test_rows_are_read_in_order_and_empty_ones_skipped():
    rows = posted_passengers(
        post(
            p_7_name="Ravi Rao",
            p_7_age="8",
            p_7_gender="M",
            p_7_no_berth="on",
            p_0_name=" Asha Rao ",
            p_0_age="34",
            p_0_gender="F",
            p_0_berth_preference="LB",
            p_0_pregnant="on",
            p_3_name="",
            p_3_age="",
        )
    )
    assert rows == [
        {
            "name": "Asha Rao",
            "age": 34,
            "gender": "F",
            "berth_preference": "LB",
            "no_berth": False,
            "pregnant": True,
        },
        {
            "name": "Ravi Rao",
            "age": 8,
            "gender": "M",
            "berth_preference": "",
            "no_berth": True,
            "pregnant": False,
        },
    ]


def test_an_age_that_is_not_a_number_is_left_for_the_rules_to_refuse():
    assert posted_passengers(post(p_0_name="Asha", p_0_age="²"))[0]["age"] == "²"


def test_the_row_count_comes_from_the_rows_not_a_management_field():
    data = post(p_0_name="Asha", p_0_age="30")
    data["p-TOTAL_FORMS"] = "0"  # a forged count neither hides nor invents rows
    assert len(posted_passengers(data)) == 1
    assert len(posted_passengers(post(**{f"p_{i}_name": f"Person {i}" for i in range(9)}))) == 9


def test_a_row_the_form_cannot_read_is_a_rule_error():
    with pytest.raises(RuleError) as refused:
        posted_passengers(post(p_1_name="As\x00ha", p_1_age="30"))
    assert refused.value.field == "passengers[1].name" and refused.value.message.startswith("Passenger 2: ")
