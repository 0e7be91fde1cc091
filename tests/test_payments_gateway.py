"""The payment state machine, the simulated gateway and its callbacks."""

import datetime
import re

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from booking.models import Booking
from payments import services
from payments.gateway import SimulatedGateway, get_gateway
from payments.models import InvalidTransition, Payment

from testsupport.bookings import post_booking


def test_state_machine_allows_only_forward_moves():
    payment = Payment(state="created", token="t")
    payment.transition("pending")
    payment.transition("succeeded")
    for state in ("pending", "failed", "expired", "created"):
        with pytest.raises(InvalidTransition):
            payment.transition(state)
    assert Payment(state="failed").TRANSITIONS[Payment.State.FAILED] == set()


def held(client):
    pnr = post_booking(client).json()["pnr"]
    return Booking.objects.get(pnr=pnr), Payment.objects.get(booking__pnr=pnr)


def test_replayed_callback_is_harmless(network, client_for):
    booking, payment = held(client_for)
    callback = get_gateway().callback_payload(payment.token, "succeeded")
    assert client_for.post("/payments/callback/simulated", callback).json()["state"] == "succeeded"
    for _ in range(3):
        assert client_for.post("/payments/callback/simulated", callback).json()["state"] == "succeeded"
    # A later, different callback for the same payment changes nothing either.
    failed = get_gateway().callback_payload(payment.token, "failed")
    assert client_for.post("/payments/callback/simulated", failed).json()["state"] == "succeeded"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    assert Payment.objects.filter(state="succeeded").count() == 1 and Booking.objects.count() == 1


def test_forged_and_unknown_callbacks(network, client_for):
    _booking, payment = held(client_for)
    assert client_for.post("/payments/callback/simulated", {"payload": "forged"}).status_code == 400
    assert client_for.post("/payments/callback/simulated", {}).status_code == 400
    assert client_for.post("/payments/callback/nowhere", {}).status_code == 404
    unknown = get_gateway().callback_payload("no-such-token", "succeeded")
    assert client_for.post("/payments/callback/simulated", unknown).status_code == 404
    payment.refresh_from_db()
    assert payment.state == "pending"


def test_success_after_the_hold_expired_is_not_charged(network, client_for):
    booking, payment = held(client_for)
    Booking.objects.filter(pk=booking.pk).update(
        hold_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    services.settle(get_gateway().parse_callback(get_gateway().callback_payload(payment.token, "succeeded")))
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.state == "expired" and "not charged" in payment.failure_reason
    assert booking.status == Booking.Status.HELD  # released by the next locker of the inventory
    response = client_for.post(f"/api/bookings/{booking.pnr}/pay", "{}", content_type="application/json")
    assert response.status_code == 409


def test_gateway_timeout_is_a_real_state_and_payment_can_be_retried(network, client_for):
    booking, payment = held(client_for)
    response = client_for.post(f"/payments/{payment.token}", {"action": "timeout"})
    assert response.status_code == 302 and response["Location"] == f"/bookings/{booking.pnr}"
    payment.refresh_from_db()
    assert payment.state == "expired"
    page = client_for.get(f"/bookings/{booking.pnr}")
    assert b"timed out" in page.content
    retry = client_for.post(f"/bookings/{booking.pnr}/pay")
    new_payment = Payment.objects.exclude(pk=payment.pk).get()
    assert retry["Location"] == f"/payments/{new_payment.token}"
    client_for.post(f"/payments/{new_payment.token}", {"action": "pay"})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


def test_gateway_page_has_pay_and_fail_buttons_and_works_without_javascript(network, client_for):
    _booking, payment = held(client_for)
    page = client_for.get(f"/payments/{payment.token}")
    assert page.status_code == 200
    assert b'value="pay"' in page.content and b'value="fail"' in page.content
    # Plain form buttons: no inline script needed (site-wide modules with src= may be present).
    assert not re.search(rb"<script(?![^>]*\bsrc=)", page.content)
    assert client_for.post(f"/payments/{payment.token}", {"action": "bogus"}).status_code == 400
    client_for.post(f"/payments/{payment.token}", {"action": "fail"})
    payment.refresh_from_db()
    assert payment.state == "failed"
    # Pressing a button again on a settled payment does nothing.
    client_for.post(f"/payments/{payment.token}", {"action": "pay"})
    payment.refresh_from_db()
    assert payment.state == "failed"


def test_database_refuses_a_second_succeeded_payment(network, client_for, user):
    booking, payment = held(client_for)
    Payment.objects.filter(pk=payment.pk).update(state="succeeded")
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(booking=booking, user=user, amount=1, token="x2", state="succeeded")


def test_gateway_interface():
    gateway = get_gateway("simulated")
    assert isinstance(gateway, SimulatedGateway)
    with pytest.raises(ValueError):
        gateway.callback_payload("t", "maybe")


def test_a_booking_without_an_open_payment_gets_one_when_paid(network, client_for):
    booking, _payment = held(client_for)
    Payment.objects.all().delete()  # as if opening the payment after the hold had failed
    page = client_for.get(f"/bookings/{booking.pnr}")
    assert f'action="/bookings/{booking.pnr}/pay"'.encode() in page.content
    response = client_for.post(f"/api/bookings/{booking.pnr}/pay", "{}", content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "BOOKED"
    assert Payment.objects.get().state == "succeeded"
