"""Holds, segments, promotion on cancellation, expiry of unpaid holds, waitlist limit, chart."""

import datetime
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone

from booking import admission, reservations
from booking.availability import availability
from booking.booking_requests import parse_booking_request
from booking.booking_rules import Regret
from booking.coach_layouts import capacity
from booking.models import Booking, BookingPassenger, Inventory
from payments.models import Payment, Refund

from testsupport.bookings import party, payload, set_coaches
from testsupport.users import new_passenger

P = BookingPassenger.Status


def hold(**changes):
    """A hold by a new passenger: one passenger may hold only a few (hold_limits)."""
    request = parse_booking_request(payload(**changes))
    return admission.hold_booking(new_passenger(), request)


def pay(result):
    from payments import services
    from payments.gateway import get_gateway

    payment = result.booking.payments.get()
    gateway = get_gateway()
    services.settle(gateway.parse_callback(gateway.callback_payload(payment.token, "succeeded")))


def statuses(result):
    return [p.current_status for p in result.booking.passengers.all()]


def fill_first_class(count=24, **changes):
    """12951's single 1A coach has 24 berths."""
    results = []
    for _ in range(count // 6):
        results.append(hold(**{"class": "1A", "passengers": party(6, "Full Up")}, **changes))
    return results


def test_segment_reuse_berth_resold_after_alighting(network):
    set_coaches("12951", "1A", 1)
    fill_first_class(**{"to": "BBB"})
    first_leg = availability(parse_booking_request(payload(**{"class": "1A", "to": "BBB"})).journey, "1A")
    assert first_leg["GN"].label == "WL 1"
    later = parse_booking_request(payload(**{"class": "1A", "from": "BBB"})).journey
    assert availability(later, "1A")["GN"].label == "AVAILABLE 24"
    result = hold(**{"class": "1A", "from": "BBB"})
    assert statuses(result)[0].startswith("CNF H1/")
    # No berth is sold twice on overlapping legs (checked from the passenger rows alone).
    rows = list(
        BookingPassenger.objects.filter(status=P.CONFIRMED).values(
            "unit", "board_sequence", "alight_sequence"
        )
    )
    for a in rows:
        for b in rows:
            if a is not b and a["unit"] == b["unit"]:
                assert (
                    a["alight_sequence"] <= b["board_sequence"] or b["alight_sequence"] <= a["board_sequence"]
                )
    assert Inventory.objects.count() == 1


def test_full_train_gives_waitlist_and_numbers_follow(network):
    fill_first_class()
    one = hold(**{"class": "1A"})
    two = hold(**{"class": "1A", "passengers": party(2, "A B")})
    assert statuses(one) == ["GNWL 1"]
    assert statuses(two) == ["GNWL 2", "GNWL 3"]
    assert two.booking.passengers.first().booking_status == "GNWL 2"


def test_cancellation_promotes_rac_to_confirmed_and_waitlist_to_rac_in_order(network):
    set_coaches("12002", "SL", 1)
    general = capacity("SL", 1)["GN"]
    held = []
    for _ in range(general):
        held.append(hold(train="12002", **{"class": "SL"}))
    rac = [hold(train="12002", **{"class": "SL"}) for _ in range(14)]
    wl = [hold(train="12002", **{"class": "SL"}) for _ in range(3)]
    assert statuses(rac[0]) == ["RAC 1"] and statuses(rac[-1]) == ["RAC 14"]
    assert [statuses(r)[0] for r in wl] == ["GNWL 1", "GNWL 2", "GNWL 3"]
    for r in held[:2]:
        pay(r)
    result = reservations.cancel_booking(booking=held[0].booking, user=held[0].booking.user)
    assert result.refund_total == Decimal(405 - 120)
    assert statuses(rac[0])[0].startswith("CNF S1/")
    assert statuses(rac[1]) == ["RAC 1"] and statuses(rac[-1]) == ["RAC 13"]
    assert statuses(wl[0]) == ["RAC 14"]
    assert [statuses(r)[0] for r in wl[1:]] == ["GNWL 1", "GNWL 2"]
    # Cancelling a waitlisted ticket closes the queue up.
    reservations.cancel_booking(booking=wl[1].booking, user=wl[1].booking.user)
    assert statuses(wl[2]) == ["GNWL 1"]
    inventory = Inventory.objects.get()
    assert (inventory.rac_count, inventory.gnwl_count) == (14, 1)
    numbers = sorted(BookingPassenger.objects.filter(status=P.RAC).values_list("number", flat=True))
    assert numbers == list(range(1, 15))


def test_unpaid_hold_expires_lazily_and_its_berths_return(network, user, settings):
    fill_first_class()
    waiting = hold(**{"class": "1A"})
    assert statuses(waiting) == ["GNWL 1"]
    later = timezone.now() + datetime.timedelta(minutes=settings.BOOKING_HOLD_MINUTES + 1)
    request = parse_booking_request(payload(**{"class": "1A"}), now=later)
    result = admission.hold_booking(user, request, now=later)
    # Every unpaid hold ran out: the waitlisted one moved up first, then the newcomer got a berth.
    assert Booking.objects.filter(status=Booking.Status.EXPIRED).count() == 5
    assert statuses(result)[0].startswith("CNF H1/")
    assert Payment.objects.filter(state="expired").count() == 5
    assert not Payment.objects.filter(state="succeeded").exists()


def test_expire_holds_command_and_paid_bookings_stay(network, settings):
    paid = hold(**{"class": "1A"})
    pay(paid)
    unpaid = hold(**{"class": "1A"})
    Booking.objects.filter(pk=unpaid.booking.pk).update(
        hold_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    Inventory.objects.update(earliest_hold_expiry=timezone.now() - datetime.timedelta(seconds=1))
    call_command("expire_holds", stdout=open("/dev/null", "w"))
    unpaid.booking.refresh_from_db()
    paid.booking.refresh_from_db()
    assert unpaid.booking.status == Booking.Status.EXPIRED and paid.booking.status == Booking.Status.BOOKED
    assert Inventory.objects.get().earliest_hold_expiry is None
    assert sum(1 for mask in Inventory.objects.get().occupancy if mask) == 1


def test_waitlist_cap_regret(network, settings):
    settings.WAITLIST_CAP_AC_PERCENT = 10  # 10% of 1A's 24 berths: 2 waitlisted passengers
    fill_first_class()
    hold(**{"class": "1A", "passengers": party(2, "A B")})
    try:
        hold(**{"class": "1A"})
    except Regret as error:
        assert "REGRET" in error.message and error.status == 409
    else:
        raise AssertionError("expected REGRET")
    assert Booking.objects.count() == 5


def test_child_without_berth_and_infant(network):
    result = hold(
        passengers=[
            {"name": "Mother", "age": 35, "gender": "F"},
            {"name": "Kid", "age": 7, "gender": "M", "no_berth": True},
            {"name": "Baby", "age": 2, "gender": "F"},
        ]
    )
    mother, kid, baby = result.booking.passengers.all()
    assert mother.status == P.CONFIRMED and kid.status == baby.status == P.NO_BERTH
    assert baby.fare == 0 and kid.fare < mother.fare
    assert sum(1 for mask in Inventory.objects.get().occupancy if mask) == 1


def test_prepare_chart_freezes_and_refunds_waitlisted_tickets(network, user):
    set_coaches("12002", "SL", 1)
    for _ in range(capacity("SL", 1)["GN"] + capacity("SL", 1)["RAC"]):
        pay(hold(train="12002", **{"class": "SL"}))
    waitlisted = hold(train="12002", **{"class": "SL"})
    pay(waitlisted)
    assert statuses(waitlisted) == ["GNWL 1"]
    unpaid = hold(train="12002", **{"class": "SL"})
    inventory = Inventory.objects.get()
    at = inventory.chart_due_at + datetime.timedelta(minutes=1)
    call_command("prepare_chart", "--now", at.isoformat(), stdout=open("/dev/null", "w"))
    inventory.refresh_from_db()
    assert inventory.chart_prepared_at is not None
    # The unsold quota berths (Tatkal, Premium Tatkal, Ladies, lower berth: 26) went to the General
    # queues: the 14 RAC passengers are confirmed and so is the waitlisted ticket.
    assert not BookingPassenger.objects.filter(status=P.RAC).exclude(booking=waitlisted.booking).exists()
    assert statuses(waitlisted)[0].startswith("CNF S1/")
    unpaid.booking.refresh_from_db()
    assert unpaid.booking.status == Booking.Status.EXPIRED
    # Booking is closed once the chart is prepared.
    try:
        admission.hold_booking(user, parse_booking_request(payload(train="12002", **{"class": "SL"})))
    except reservations.RuleError as error:
        assert error.field == "date"
    else:
        raise AssertionError("booking after the chart must be refused")


def test_prepare_chart_cancels_entirely_waitlisted_with_full_refund(network):
    set_coaches("12951", "1A", 1)
    fill_first_class()
    for booking in Booking.objects.all():
        Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.BOOKED, hold_expires_at=None)
    waitlisted = hold(**{"class": "1A"})
    pay(waitlisted)
    inventory = Inventory.objects.get()
    result = reservations.prepare_chart(inventory.id, inventory.chart_due_at)
    assert result.cancelled_bookings == [waitlisted.booking.pnr]
    waitlisted.booking.refresh_from_db()
    assert waitlisted.booking.status == Booking.Status.CANCELLED
    assert waitlisted.booking.refunded_amount == waitlisted.booking.fare_total
    assert Refund.objects.get().amount == waitlisted.booking.fare_total
    # Running it again changes nothing.
    assert reservations.prepare_chart(inventory.id).cancelled_bookings == []
