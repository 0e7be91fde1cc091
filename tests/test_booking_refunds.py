"""Refunds by the 2015 rules (seeded as data) and partial cancellation."""

import datetime
from decimal import Decimal

import pytest

from booking import admission, refunds, reservations
from booking.booking_requests import parse_booking_request
from booking.models import RefundRule

from testsupport.bookings import payload


@pytest.fixture
def rules(db):
    return refunds.active_rules()


@pytest.mark.parametrize(
    ("travel_class", "flat"), [("1A", 240), ("2A", 200), ("3A", 180), ("CC", 180), ("SL", 120), ("2S", 60)]
)
def test_confirmed_more_than_48_hours_flat_charge(rules, travel_class, flat):
    quote = refunds.quote_refund(rules, Decimal(1000), "CNF", "GN", travel_class, 72, False)
    assert quote.charge == flat and quote.refund == 1000 - flat


def test_confirmed_windows(rules):
    fare = Decimal(2000)
    assert refunds.quote_refund(rules, fare, "CNF", "GN", "3A", 48, False).charge == 500  # 25%
    assert refunds.quote_refund(rules, fare, "CNF", "GN", "3A", 48.01, False).charge == 180
    assert refunds.quote_refund(rules, fare, "CNF", "GN", "3A", 12.01, False).charge == 500
    assert refunds.quote_refund(rules, fare, "CNF", "GN", "3A", 11.9, False).charge == 1000  # 50%
    assert refunds.quote_refund(rules, fare, "CNF", "GN", "3A", 9, True).refund == 0  # after the chart
    # The percentage never goes below the flat charge.
    assert refunds.quote_refund(rules, Decimal(400), "CNF", "GN", "3A", 30, False).charge == 180


def test_tatkal_confirmed_no_refund_but_waitlisted_tatkal_gets_clerkage(rules):
    assert refunds.quote_refund(rules, Decimal(2500), "CNF", "TQ", "3A", 100, False).refund == 0
    assert refunds.quote_refund(rules, Decimal(2500), "WL", "TQ", "3A", 100, False).refund == 2440


def test_rac_and_waitlist_clerkage(rules):
    assert refunds.quote_refund(rules, Decimal(900), "RAC", "GN", "SL", 5, False).charge == 60
    assert refunds.quote_refund(rules, Decimal(900), "WL", "GN", "3A", 100, False).charge == 60
    assert refunds.quote_refund(rules, Decimal(90), "WL", "GN", "2S", 100, False).charge == 30
    assert refunds.quote_refund(rules, Decimal(20), "WL", "GN", "2S", 100, False).refund == 0


def test_rules_are_data(rules, settings):
    RefundRule.objects.create(ruleset="2030", applies_to="CNF", flat_charge=10, note="generous")
    settings.REFUND_RULESET = "2030"
    assert (
        refunds.quote_refund(refunds.active_rules(), Decimal(500), "CNF", "GN", "SL", 3, False).refund == 490
    )
    assert refunds.quote_refund(refunds.active_rules(), Decimal(500), "WL", "GN", "SL", 3, False).rule == (
        "no matching refund rule"
    )


def test_cancel_some_passengers_at_a_given_time(network, user):
    from payments import services
    from payments.gateway import get_gateway

    request = parse_booking_request(
        payload(
            passengers=[
                {"name": "Asha", "age": 30, "gender": "F"},
                {"name": "Ravi", "age": 32, "gender": "M"},
            ]
        )
    )
    result = admission.hold_booking(user, request)
    gateway = get_gateway()
    services.settle(
        gateway.parse_callback(gateway.callback_payload(result.booking.payments.get().token, "succeeded"))
    )
    booking = result.booking
    booking.refresh_from_db()
    ravi = booking.passengers.get(position=2)
    thirty_hours_before = booking.departs_at - datetime.timedelta(hours=30)
    outcome = reservations.cancel_booking(
        booking=booking, user=user, passenger_ids=[ravi.id], now=thirty_hours_before
    )
    assert outcome.refund_total == Decimal(2221) - Decimal("555.25")  # 25% of 2221
    booking.refresh_from_db()
    assert booking.status == "BOOKED" and booking.refunded_amount == outcome.refund_total
    ravi.refresh_from_db()
    assert (
        ravi.status == "CAN"
        and ravi.cancelled_status == "CNF"
        and ravi.cancellation_charge == Decimal("555.25")
    )
