"""payment_settled(payment): the gateway's answer was applied (succeeded, failed or expired). Sent
inside settle's transaction; receivers that act outside the database use transaction.on_commit."""

from django.dispatch import Signal

payment_settled = Signal()
