"""How many unpaid holds one passenger may have: berths are scarce, an unpaid hold takes them from
everybody else.

- At most settings.HOLDS_PER_TRAIN_LIMIT unpaid holds on one train and journey date (any class),
  and settings.HOLDS_LIMIT in all.
- An unpaid booking counts for settings.HOLDS_WINDOW_MINUTES after it was made, whatever became of
  it (still held, cancelled or expired); a paid one never counts. So cancelling an unpaid hold, or
  letting it lapse, and holding the same berths again does not renew it: the slot comes back only
  when the window has passed, and in the meantime the berths are in the pool for everyone. (The
  window is at least the hold itself, BOOKING_HOLD_MINUTES: a live hold always counts; check
  booking.E001.)

Concurrency: `lock_holder` locks the passenger's user row (SELECT ... FOR NO KEY UPDATE) before
anything else, so two simultaneous requests of one passenger are counted one after the other and
cannot both pass. Lock order of a hold: user, then inventory, then bookings, then payments. No
other path locks a user row after an inventory row, so the order has no cycle (see reservations).
On SQLite the IMMEDIATE transaction already serialises writers.
"""

import datetime
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.checks import CheckMessage, Error, register
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from .booking_rules import RuleError
from .models import Booking


class HoldLimitReached(RuleError):
    """The passenger already has as many unpaid holds as allowed (HTTP 409 Conflict)."""

    status = 409


def lock_holder(user: User) -> None:
    """Lock the passenger's user row until the end of the transaction: holds of one user go one by one.

    FOR NO KEY UPDATE, not FOR UPDATE: inserts that reference the user (bookings, payments) by
    other transactions are not blocked by it.
    """
    list(
        get_user_model()
        .objects.select_for_update(no_key=True)
        .filter(pk=user.pk)
        .values_list("pk", flat=True)
    )


def counted_holds(user: User, now: datetime.datetime) -> QuerySet[Booking]:
    """The user's unpaid bookings that count against the limits at `now`."""
    since = now - datetime.timedelta(minutes=settings.HOLDS_WINDOW_MINUTES)
    return Booking.objects.filter(user=user, paid_at__isnull=True, created_at__gt=since)


def check_hold_limits(
    user: User, train_id: int, journey_date: datetime.date, now: datetime.datetime | None = None
) -> None:
    """Raise HoldLimitReached if `user` may not hold another booking on this train and date now.

    Call it inside the transaction, after lock_holder(user).
    """
    now = now or timezone.now()
    here = Q(train_id=train_id, journey_date=journey_date)
    counts = counted_holds(user, now).aggregate(
        everywhere=Count("id"),
        here=Count("id", filter=here),
        oldest_everywhere=Min("created_at"),
        oldest_here=Min("created_at", filter=here),
    )
    per_train, overall = settings.HOLDS_PER_TRAIN_LIMIT, settings.HOLDS_LIMIT
    if counts["here"] >= per_train:
        scope, limit, oldest = gettext("on this train and date"), per_train, counts["oldest_here"]
    elif counts["everywhere"] >= overall:
        scope, limit, oldest = gettext("in all"), overall, counts["oldest_everywhere"]
    else:
        return
    free_at = timezone.localtime(oldest + datetime.timedelta(minutes=settings.HOLDS_WINDOW_MINUTES))
    raise HoldLimitReached(
        "passengers",
        gettext(
            "You already have %(limit)d unpaid bookings %(scope)s (the most allowed; an unpaid booking "
            "counts for %(minutes)d minutes even if cancelled). Pay for one, or book again after %(time)s."
        )
        % {
            "limit": limit,
            "scope": scope,
            "minutes": settings.HOLDS_WINDOW_MINUTES,
            "time": f"{free_at:%H:%M}",
        },
    )


@register()
def window_covers_the_hold(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    if settings.HOLDS_WINDOW_MINUTES < settings.BOOKING_HOLD_MINUTES:
        return [
            Error(
                f"HOLDS_WINDOW_MINUTES ({settings.HOLDS_WINDOW_MINUTES}) is shorter than "
                f"BOOKING_HOLD_MINUTES ({settings.BOOKING_HOLD_MINUTES}): a hold still running would stop "
                "counting against the hold limits.",
                hint="Set HOLDS_WINDOW_MINUTES to at least BOOKING_HOLD_MINUTES (twice it is the default).",
                id="booking.E001",
            )
        ]
    if settings.HOLDS_PER_TRAIN_LIMIT < 1 or settings.HOLDS_LIMIT < 1:
        return [
            Error(
                "HOLDS_PER_TRAIN_LIMIT and HOLDS_LIMIT must be at least 1: nobody could book.",
                id="booking.E002",
            )
        ]
    return []
