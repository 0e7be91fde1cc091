"""Booking services the pages and the API share: paying and the session drafts of the booking pages.

Holding is admission.py (the queue) and reservations.hold_batch; cancelling is
reservations.cancel_booking, which owns the inventory lock. Lock order, everywhere (see
reservations): the inventory row, then (new holds only, hold_limits) the passengers' user rows, then
bookings, then payments. Views and API views only translate HTTP into these calls and a RuleError
into an answer (responses.py).
"""

import secrets
from typing import Any

from django.contrib.auth.models import User
from django.contrib.sessions.backends.base import SessionBase
from django.utils.translation import gettext

from payments import services as payments
from payments.gateway import OUTCOMES
from payments.models import Payment

from . import reservations
from .booking_rules import BookingConflict, RuleError
from .models import Booking

DRAFTS_KEY = "booking_drafts"
MAX_DRAFTS = 5  # a passenger with more tabs open than this loses the oldest draft


def pay_booking(*, booking: Booking, user: User, outcome: str) -> Payment | None:
    """Settle `booking` through the simulated gateway with `outcome`; returns its latest payment.

    A paid booking is left alone. An unpaid one is settled through its open payment, or a new one
    (reservations.retry_payment). Locks: opening a payment locks the booking row; settling locks the
    booking, then the payment (payments.services.settle); no inventory lock, so the order holds.
    Raises RuleError for an unknown outcome, BookingConflict when the booking cannot be paid (its
    hold expired, or it was cancelled). `booking` is refreshed from the database.
    """
    if outcome not in OUTCOMES:
        raise RuleError("outcome", f"outcome is one of {', '.join(OUTCOMES)}.")
    if booking.status != Booking.Status.BOOKED:
        payment = payments.open_payment(booking_id=booking.pk, using=booking._state.db)
        if payment is None:
            payment, _url = reservations.retry_payment(booking=booking, user=user)
        payment = payments.settle_simulated(payment=payment, outcome=outcome)
        # What settling changes, re-read without dropping the train the caller selected with it.
        booking.refresh_from_db(fields=[*PAYMENT_FIELDS])
        if payment.state == Payment.State.EXPIRED and booking.status != Booking.Status.BOOKED:
            # The stored reason is English (payments/services.py); shown in the passenger's language.
            reason = (
                gettext(payment.failure_reason) if payment.failure_reason else gettext("The hold expired.")
            )
            raise BookingConflict("booking", reason)
        return payment  # the latest: the open payment, or the one retry_payment just opened
    return booking.payments.order_by("-id").first()


# The booking's fields a payment (or a hold expiring meanwhile) changes.
PAYMENT_FIELDS = ("status", "hold_expires_at", "paid_at", "fare_total", "refunded_amount")


# --- Drafts: a booking request the passenger is reviewing, kept in the session ------------------
# No database and no lock: a session belongs to one browser, and confirming a draft is idempotent
# on its id (admission.submit with idempotency_key "draft:<id>").


def save_draft(*, session: SessionBase, data: dict[str, Any]) -> str:
    """Keep a checked booking request for review; returns its id. The oldest go past MAX_DRAFTS."""
    draft_id = secrets.token_urlsafe(9)
    drafts = dict(session.get(DRAFTS_KEY, {}))
    while len(drafts) >= MAX_DRAFTS:
        drafts.pop(next(iter(drafts)))
    drafts[draft_id] = data
    session[DRAFTS_KEY] = drafts
    return draft_id


def get_draft(*, session: SessionBase, draft_id: str) -> dict[str, Any] | None:
    # The session holds what save_draft put there (JSON-serialised, hence untyped).
    draft: dict[str, Any] | None = session.get(DRAFTS_KEY, {}).get(draft_id)
    return draft


def drop_draft(*, session: SessionBase, draft_id: str) -> None:
    drafts = dict(session.get(DRAFTS_KEY, {}))
    drafts.pop(draft_id, None)
    session[DRAFTS_KEY] = drafts
