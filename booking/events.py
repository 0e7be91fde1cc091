"""What happened to bookings, as Django signals other apps listen to (notifications/ sends mail
and SMS on them). Sent inside the transaction that made the change: a receiver that acts outside
the database waits for the commit (transaction.on_commit), so nothing is told of a rolled-back
change. Booking imports none of its listeners.

- booking_cancelled(booking, passenger_ids, refund_total): passengers cancelled (by the passenger,
  or at chart preparation), refund_total refunded now;
Each carries the partition it happened on (booking/partitions.py): the booking's `_state.db`, or
`using`, so a receiver waits for that database's commit and its task reads there.

- passengers_promoted(passenger_ids, using): RAC or waitlisted passengers moved up (RAC->CNF, WL->RAC,
  WL->CNF) when berths were freed; renumbering within a queue is not a promotion; not sent at
  charting (chart_prepared covers it);
- chart_prepared(inventory_id, using): the chart of one train, date and class is final.
(A confirmed booking is payments' payment_settled: payments/signals.py.)
"""

from django.dispatch import Signal

booking_cancelled = Signal()
passengers_promoted = Signal()
chart_prepared = Signal()
