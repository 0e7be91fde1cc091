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

Concurrency: a hold is written by its inventory's writer (admission.py, reservations.hold_batch),
which locks the inventory row, then the user rows of every passenger in its batch (`lock_holders`,
SELECT ... FOR NO KEY UPDATE, in id order), then counts all their holds in one query
(`hold_counts`) and keeps the counts up to date in memory while it allocates the batch. Two
writers of different inventories with a passenger in common so count that passenger's holds one
after the other. Lock order of a hold: inventory, then users (ascending id), then bookings, then
payments. No path locks an inventory row after a user row, and a writer holds one inventory, so
the order has no cycle (see reservations). On SQLite the IMMEDIATE transaction serialises writers.
"""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.checks import CheckMessage, Error, register
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext

from . import partitions
from .booking_rules import RuleError, coded_error, wording
from .models import Booking


class HoldLimitReached(RuleError):
    """The passenger already has as many unpaid holds as allowed (HTTP 409 Conflict)."""

    status = 409


# The advisory-lock class of a passenger's holds on a partition other than "default" (any constant
# unused elsewhere; pg_advisory_xact_lock(class, user id)).
HOLDERS_LOCK_CLASS = 16


def lock_holders(*, user_ids: Sequence[int], using: str) -> None:
    """Lock these passengers until the end of the transaction on `using`, in ascending id order.

    On "default" (where the user rows are): their user rows, FOR NO KEY UPDATE, not FOR UPDATE:
    inserts that reference the users (bookings, payments) by other transactions are not blocked by
    it. On another partition (booking/partitions.py), which has no user table: a transaction-level
    advisory lock per passenger on that partition, which serialises that passenger's batches there
    the same way (SQLite: its IMMEDIATE transaction serialises every writer already).
    """
    if using != partitions.DEFAULT:
        connection = connections[using]
        if connection.vendor == "postgresql" and user_ids:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(pg_advisory_xact_lock(%s, holder))"
                    " FROM (SELECT DISTINCT unnest(%s::integer[]) AS holder ORDER BY 1) AS holders",
                    [HOLDERS_LOCK_CLASS, sorted(user_ids)],
                )
        return
    list(
        get_user_model()
        .objects.using(using)
        .select_for_update(no_key=True)
        .filter(pk__in=sorted(user_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@dataclass
class HoldCount:
    """One passenger's unpaid holds that count against the limits: everywhere and on one train/date."""

    everywhere: int = 0
    here: int = 0
    oldest_everywhere: datetime.datetime | None = None
    oldest_here: datetime.datetime | None = None

    def add(self, created_at: datetime.datetime) -> None:
        """Count a hold just made on the train and date these counts are for."""
        self.everywhere += 1
        self.here += 1
        self.oldest_everywhere = self.oldest_everywhere or created_at
        self.oldest_here = self.oldest_here or created_at


def hold_counts(
    *, user_ids: Sequence[int], train_id: int, journey_date: datetime.date, now: datetime.datetime, using: str
) -> dict[int, HoldCount]:
    """{user id: HoldCount} for these passengers at `now`, on `train_id` and `journey_date` (one query
    per partition).

    Call it inside the transaction, after lock_holders. The train and date are on `using`, so the
    per-train limit is exact there. The limit in all also counts the holds on the other partitions
    (booking/partitions.py), read without their locks (no transaction spans two databases): two
    batches of one passenger running at the same instant on two partitions may each miss the
    other's hold, so that limit can be passed by one hold per other partition in that race.
    """
    since = now - datetime.timedelta(minutes=settings.HOLDS_WINDOW_MINUTES)
    counts = {user_id: HoldCount() for user_id in user_ids}
    for alias in [using, *(other for other in partitions.aliases() if other != using)]:
        # The few rows themselves, counted here: a plain SELECT is cheaper to build than the grouped,
        # filtered aggregate, and the hold limits keep the rows per passenger few.
        rows = (
            Booking.objects.using(alias)
            .filter(user_id__in=list(counts), paid_at__isnull=True, created_at__gt=since)
            .values_list("user_id", "train_id", "journey_date", "created_at")
            .order_by()
        )
        for user_id, row_train_id, row_date, created_at in rows:
            count = counts[user_id]
            count.everywhere += 1
            count.oldest_everywhere = _earliest(count.oldest_everywhere, created_at)
            if alias == using and row_train_id == train_id and row_date == journey_date:
                count.here += 1
                count.oldest_here = _earliest(count.oldest_here, created_at)
    return counts


def _earliest(first: datetime.datetime | None, second: datetime.datetime | None) -> datetime.datetime | None:
    return min((moment for moment in (first, second) if moment is not None), default=None)


def check_hold_count(count: HoldCount) -> None:
    """Raise HoldLimitReached if a passenger with these counts may not hold another booking here."""
    per_train, overall = settings.HOLDS_PER_TRAIN_LIMIT, settings.HOLDS_LIMIT
    if count.here >= per_train:
        scope, limit, oldest = "train", per_train, count.oldest_here
    elif count.everywhere >= overall:
        scope, limit, oldest = "all", overall, count.oldest_everywhere
    else:
        return
    assert oldest is not None  # a count above zero has an oldest hold
    free_at = timezone.localtime(oldest + datetime.timedelta(minutes=settings.HOLDS_WINDOW_MINUTES))
    raise coded_error(
        HoldLimitReached,
        "passengers",
        "HOLD_LIMIT",
        limit=limit,
        scope=scope,
        minutes=settings.HOLDS_WINDOW_MINUTES,
        time=f"{free_at:%H:%M}",
    )


@wording("HOLD_LIMIT")
def _hold_limit_text(params: Mapping[str, Any]) -> str:
    return gettext(
        "You already have %(limit)d unpaid bookings %(scope)s (the most allowed; an unpaid booking "
        "counts for %(minutes)d minutes even if cancelled). Pay for one, or book again after %(time)s."
    ) % {
        "limit": params["limit"],
        "scope": gettext("on this train and date") if params["scope"] == "train" else gettext("in all"),
        "minutes": params["minutes"],
        "time": params["time"],
    }


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
