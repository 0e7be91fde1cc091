"""Creating payments, settling gateway outcomes and refunding: the payment state machine at work.

Settling locks the booking row first, then the payment row (the same order as every other path
that touches both), and does nothing to a payment that is already in a terminal state: a
replayed or duplicated callback changes nothing and never charges twice. A success reported for
a booking that can no longer be paid (its hold ran out, or another payment already succeeded)
is not captured: the payment is marked expired instead; so is one whose amount is no longer the
booking's amount due (passengers cancelled before payment lowered it).
"""

import secrets
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils import timezone

# Failure reasons are stored in English and translated when shown (booking/templates/booking/ticket.html).
from django.utils.translation import gettext_noop

from .gateway import FAILED, SUCCEEDED, GatewayResult, SimulatedGateway, get_gateway
from .models import PayableBooking, Payment, Refund
from .signals import payment_settled


class UnknownPayment(LookupError):
    pass


def start_payment(
    booking: models.Model, user: User, amount: Decimal, gateway_name: str = "simulated"
) -> tuple[Payment, str]:
    """A new pending payment for `booking` (call inside the caller's transaction)."""
    gateway = get_gateway(gateway_name)
    payment = Payment(
        booking_id=booking.pk, user=user, amount=amount, gateway=gateway.name, token=secrets.token_urlsafe(18)
    )
    redirect_url = gateway.start(payment)
    payment.save()
    return payment, redirect_url


def start_payments(
    bookings: Sequence[models.Model],
    *,
    amounts: Sequence[Decimal],
    using: str,
    gateway_name: str = "simulated",
) -> list[str]:
    """A new pending payment for each of `bookings` (its user's, for the matching amount), in one
    INSERT, inside the caller's transaction: the payers' URLs, in order."""
    gateway = get_gateway(gateway_name)
    new = [
        Payment(
            booking_id=booking.pk,
            user_id=booking.user_id,  # type: ignore[attr-defined]  # a Booking (payments may not name it)
            amount=amount,
            gateway=gateway.name,
            token=secrets.token_urlsafe(18),
        )
        for booking, amount in zip(bookings, amounts, strict=True)
    ]
    urls = [gateway.start(payment) for payment in new]
    Payment.objects.using(using).bulk_create(new)
    return urls


def find_payment(queryset: "models.QuerySet[Payment]") -> Payment | None:
    """The first payment `queryset` finds on any inventory partition (a payment lives with its
    booking on the train's partition, booking/partitions.py; one query with one database)."""
    for alias in settings.DATABASE_PARTITIONS:
        payment = queryset.using(alias).first()
        if payment is not None:
            return payment
    return None


def settle(result: GatewayResult) -> Payment:
    """Apply a GatewayResult. Returns the payment as it now stands.

    One transaction on the partition of the payment's booking (found by the token)."""
    found = find_payment(Payment.objects.filter(token=result.token).only("id", "booking_id"))
    if found is None:
        raise UnknownPayment(result.token)
    payment_id, booking_id, using = found.pk, found.booking_id, found._state.db
    booking_model = Payment._meta.get_field("booking").related_model
    with transaction.atomic(using=using):
        # The FK's model is booking.Booking, which payments may not name (it sits a layer below).
        booking = cast(
            PayableBooking,
            booking_model._default_manager.using(using).select_for_update().get(pk=booking_id),
        )
        payment = Payment.objects.using(using).select_for_update().get(pk=payment_id)
        if not payment.is_open:
            return payment
        now = timezone.now()
        if result.outcome == SUCCEEDED:
            if not booking.payment_due(now):
                payment.transition(
                    Payment.State.EXPIRED,
                    gettext_noop("The booking was no longer awaiting payment: not charged."),
                )
            elif payment.amount != booking.amount_due:
                payment.transition(
                    Payment.State.EXPIRED, gettext_noop("The amount due changed: not charged.")
                )
            else:
                payment.transition(Payment.State.SUCCEEDED)
                booking.mark_paid(now)
        elif result.outcome == FAILED:
            payment.transition(Payment.State.FAILED, gettext_noop("The payment was declined."))
        else:
            payment.transition(Payment.State.EXPIRED, gettext_noop("The gateway timed out: not charged."))
        payment.gateway_reference = result.reference[:64]
        payment.settled_at = now
        payment.save(
            update_fields=["state", "failure_reason", "gateway_reference", "settled_at", "updated_at"]
        )
        payment_settled.send(sender=Payment, payment=payment)
    return payment


def expire_open_payments(
    booking_ids: Collection[int],
    reason: str = gettext_noop("The booking hold expired."),
    *,
    using: str | None = None,
) -> int:
    """Expire the open payments of these bookings (on partition `using`; None: the router's)."""
    payments = Payment.objects.using(using)
    return payments.filter(booking_id__in=booking_ids, state__in=Payment.OPEN_STATES).update(
        state=Payment.State.EXPIRED, failure_reason=reason, updated_at=timezone.now()
    )


def refund(booking: models.Model, amount: Decimal, reason: str) -> Refund | None:
    """Refund `amount` of the booking's succeeded payment (call inside the caller's transaction)."""
    using = booking._state.db  # the booking's partition: the caller's transaction is there
    payment = (
        Payment.objects.using(using)
        .select_for_update()
        .filter(booking_id=booking.pk, state=Payment.State.SUCCEEDED)
        .first()
    )
    if payment is None or amount <= 0:
        return None
    reference = get_gateway(payment.gateway).refund(payment, amount)
    payment.refunded_amount += amount
    payment.save(update_fields=["refunded_amount", "updated_at"])
    return Refund.objects.using(using).create(
        payment=payment, amount=amount, reason=reason[:200], gateway_reference=reference
    )


def open_payment(*, booking_id: int, using: str | None = None) -> Payment | None:
    """The booking's newest payment still open at the gateway, if any (no lock: a read), on the
    booking's partition `using` (None: the router's)."""
    return (
        Payment.objects.using(using)
        .filter(booking_id=booking_id, state__in=Payment.OPEN_STATES)
        .order_by("-id")
        .first()
    )


def settle_simulated(*, payment: Payment, outcome: str) -> Payment:
    """What the simulated gateway does when its payer presses a button: it posts its signed callback,
    settled like any other (settle's locks: the booking row, then the payment row)."""
    gateway = get_gateway(payment.gateway)
    if not isinstance(gateway, SimulatedGateway):
        raise ValueError(f"payment {payment.token} is not a simulated-gateway payment")
    return settle(gateway.parse_callback(gateway.callback_payload(payment.token, outcome)))
