"""Booking and payment outcomes -> notification tasks, queued once the change has committed (a
rolled-back change tells nobody; the task reads the committed state). Connected in
NotificationsConfig.ready() with dispatch_uids."""

from functools import partial
from typing import Any

from django.db import transaction

from booking import events
from payments.models import Payment
from payments.signals import payment_settled

from . import tasks


def _after_commit(task: Any, *, using: str | None, **kwargs: Any) -> None:
    """Enqueue after the commit of the transaction that made the change, on the booking's partition
    `using` (booking/partitions.py); the task queue is global, so the task is told where to read."""
    using = using or "default"
    if using != "default":  # the task's default: with one database its arguments are as before
        kwargs["using"] = using
    transaction.on_commit(partial(task.enqueue, **kwargs), using=using, robust=True)


def on_payment_settled(sender: Any, payment: Payment, **kwargs: Any) -> None:
    using = payment._state.db
    if payment.state == Payment.State.SUCCEEDED:
        _after_commit(tasks.booking_confirmed, using=using, booking_id=payment.booking_id)
    elif payment.state == Payment.State.FAILED:
        _after_commit(tasks.payment_failed, using=using, payment_id=payment.pk)


def on_booking_cancelled(
    sender: Any, booking: Any, passenger_ids: list[int], refund_total: Any, **kwargs: Any
) -> None:
    _after_commit(
        tasks.booking_cancelled,
        using=booking._state.db,
        booking_id=booking.pk,
        passenger_ids=passenger_ids,
        refund_total=str(refund_total),
    )


def on_passengers_promoted(
    sender: Any, passenger_ids: list[int], using: str | None = None, **kwargs: Any
) -> None:
    _after_commit(tasks.passengers_promoted, using=using, passenger_ids=passenger_ids)


def on_chart_prepared(sender: Any, inventory_id: int, using: str | None = None, **kwargs: Any) -> None:
    _after_commit(tasks.chart_prepared, using=using, inventory_id=inventory_id)


def connect() -> None:
    payment_settled.connect(on_payment_settled, dispatch_uid="notifications.payment_settled")
    events.booking_cancelled.connect(on_booking_cancelled, dispatch_uid="notifications.booking_cancelled")
    events.passengers_promoted.connect(
        on_passengers_promoted, dispatch_uid="notifications.passengers_promoted"
    )
    events.chart_prepared.connect(on_chart_prepared, dispatch_uid="notifications.chart_prepared")
