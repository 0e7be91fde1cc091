"""The messages, each sent by a task (queued after the commit by notifications/receivers.py),
never on a request's path. Each is retried (railconnect/task_retries.py) and idempotent: it
reads the booking as it is when it runs and sends once per key."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.tasks import task

from accounts.languages import language_of
from booking import partitions
from booking.models import Booking, BookingPassenger
from etickets import slip
from etickets.references import verify_url
from payments.models import Payment
from railconnect.task_retries import retried

from .sending import already_sent, notify

P = BookingPassenger.Status


def _booking(booking_id: int, using: str) -> Booking | None:
    """The booking on its partition `using` (ids are per partition), with its global rows."""
    bookings = Booking.objects.using(using)
    if using == partitions.DEFAULT:  # the user is there too: joined, as with one database
        bookings = bookings.select_related("user")
    booking = partitions.with_journey_objects(bookings).filter(pk=booking_id).first()
    if booking is not None:
        partitions.attach_journey_objects([booking])
    return booking


def _context(booking: Booking, **extra: Any) -> dict[str, Any]:
    return {
        "booking": booking,
        "passengers": list(booking.passengers.order_by("position")),
        **extra,
    }


@task
@retried(attempts=5, first_delay=30)
def booking_confirmed(*, booking_id: int, using: str = "default") -> None:
    """Paid: the ticket, with the Electronic Reservation Slip attached."""
    booking = _booking(booking_id, using)
    key = f"confirmed:{booking_id}"
    if booking is None or booking.status != Booking.Status.BOOKED or already_sent(key):
        return
    # In the passenger's remembered language, as the mail it is attached to (notify renders that).
    pdf = slip.render(
        booking=booking,
        verify_url=verify_url(base_url=settings.SITE_URL, pnr=booking.pnr),
        language=language_of(user=booking.user),
    )
    notify(
        user=booking.user,
        event="booking_confirmed",
        context=_context(booking),
        key=key,
        attachments=[(f"eticket-{booking.pnr}.pdf", pdf, "application/pdf")],
    )


@task
@retried(attempts=5, first_delay=30)
def payment_failed(*, payment_id: int, using: str = "default") -> None:
    payment = Payment.objects.using(using).filter(pk=payment_id, state=Payment.State.FAILED).first()
    booking = _booking(payment.booking_id, using) if payment else None
    if payment is None or booking is None:
        return
    notify(
        user=booking.user,
        event="payment_failed",
        context=_context(booking, payment=payment, can_retry=booking.status == Booking.Status.HELD),
        key=f"payment-failed:{payment_id}",
    )


@task
@retried(attempts=5, first_delay=30)
def booking_cancelled(
    *, booking_id: int, passenger_ids: list[int], refund_total: str, using: str = "default"
) -> None:
    booking = _booking(booking_id, using)
    if booking is None or booking.paid_at is None:
        return  # an unpaid hold cancelled by its passenger: nothing was charged, nothing to tell
    cancelled = list(booking.passengers.filter(pk__in=passenger_ids).order_by("position"))
    notify(
        user=booking.user,
        event="booking_cancelled",
        context=_context(booking, cancelled=cancelled, refund=Decimal(refund_total)),
        key=f"cancelled:{booking_id}:{','.join(str(pk) for pk in sorted(passenger_ids))}",
    )


@task
@retried(attempts=5, first_delay=30)
def passengers_promoted(*, passenger_ids: list[int], using: str = "default") -> None:
    """One message per booking whose passengers moved up, with their status as it is now."""
    rows = BookingPassenger.objects.using(using).filter(
        pk__in=passenger_ids, booking__status=Booking.Status.BOOKED
    )
    for booking_id in sorted(set(rows.values_list("booking_id", flat=True))):
        booking = _booking(booking_id, using)
        if booking is None:
            continue
        moved = [p for p in booking.passengers.order_by("position") if p.pk in set(passenger_ids)]
        statuses = ",".join(f"{p.pk}={p.current_status}" for p in moved)
        notify(
            user=booking.user,
            event="passengers_promoted",
            context=_context(booking, moved=moved),
            key=f"promoted:{booking_id}:{statuses}"[:200],
        )


@task
@retried(attempts=5, first_delay=30)
def chart_prepared(*, inventory_id: int, using: str = "default") -> None:
    """The final status of every paid ticket on the train, date and class (tickets cancelled at
    charting got their cancellation message instead)."""
    bookings = (
        Booking.objects.using(using)
        .filter(inventory_id=inventory_id, status=Booking.Status.BOOKED)
        .values_list("pk", flat=True)
    )
    for booking_id in list(bookings):
        booking = _booking(booking_id, using)
        if booking is not None:
            notify(
                user=booking.user,
                event="chart_prepared",
                context=_context(booking),
                key=f"chart:{booking_id}",
            )
