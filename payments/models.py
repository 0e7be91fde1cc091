"""Payments and refunds, with the payment state machine.

    created --> pending --> succeeded
       |           |---> failed
       |           '---> expired      (the hold ran out, or the gateway timed out)
       '--> failed / expired

Terminal states never change again, which is what makes a replayed gateway callback harmless.
A booking has at most one succeeded payment (a partial unique index), so it is never charged twice.
"""

from datetime import datetime
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InvalidTransition(Exception):
    pass


class PayableBooking(Protocol):
    """What settling needs of the booking a payment is for. Payments sits below booking (it may
    not import booking.Booking, see tests/test_app_dependencies.py); Booking satisfies this."""

    @property
    def amount_due(self) -> Decimal: ...

    def payment_due(self, now: datetime) -> bool: ...

    def mark_paid(self, now: datetime) -> None: ...


class Payment(models.Model):
    class State(models.TextChoices):
        CREATED = "created", _("Created")
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    TRANSITIONS = {
        State.CREATED: {State.PENDING, State.FAILED, State.EXPIRED},
        State.PENDING: {State.SUCCEEDED, State.FAILED, State.EXPIRED},
        State.SUCCEEDED: set(),
        State.FAILED: set(),
        State.EXPIRED: set(),
    }
    OPEN_STATES = (State.CREATED, State.PENDING)

    booking = models.ForeignKey("booking.Booking", on_delete=models.PROTECT, related_name="payments")
    # On the booking's partition (booking/partitions.py): the user is global, referred to by id only.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    state = models.CharField(max_length=10, choices=State.choices, default=State.CREATED)
    gateway = models.CharField(max_length=20, default="simulated")
    # Our reference, given to the gateway and carried back in its callback.
    token = models.CharField(max_length=40, unique=True)
    # The gateway's transaction id, once it reports one.
    gateway_reference = models.CharField(max_length=64, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    refunded_amount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["booking"],
                condition=models.Q(state="succeeded"),
                name="payment_one_success_per_booking",
            ),
        ]
        indexes = [models.Index(fields=["booking", "state"], name="payment_booking_state_idx")]

    def __str__(self) -> str:
        return f"{self.token} {self.state}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    def transition(self, new_state: "Payment.State", reason: str = "") -> None:
        """Move to `new_state` (in memory) or raise InvalidTransition."""
        if new_state not in self.TRANSITIONS[self.State(self.state)]:
            raise InvalidTransition(f"payment {self.token}: {self.state} -> {new_state} is not allowed")
        self.state = new_state
        if reason:
            self.failure_reason = reason[:200]


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    reason = models.CharField(max_length=200)
    gateway_reference = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.amount} for {self.payment_id}"
