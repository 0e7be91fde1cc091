"""Admission: every booking request waits in a durable queue in front of its inventory's one writer.

Why: in the Tatkal rush thousands of passengers book one train, date and class in the same
second. One transaction per booking, each queuing on the inventory row lock for several round
trips, gave p95 answers of seconds. Here a request is written to the queue (QueuedBookingRequest,
in PostgreSQL: Redis is never its only copy), and whoever holds the inventory's writer role
allocates the waiting requests in arrival order, up to BOOKING_BATCH_SIZE per transaction, under
one lock acquisition (reservations.hold_batch).

Why it is correct:
- One writer per inventory: the writer role IS the inventory row lock that every other change to
  that train, date and class already takes (SELECT ... FOR NO KEY UPDATE; cancellation, expiry,
  chart: see reservations).
  A would-be writer asks for it with SKIP LOCKED: it gets it, or learns someone else has it.
- Consistent seat map: the batch reads the seat map once, under that lock, and allocates request
  after request on it in memory; what it writes is what it read plus its own decisions.
- FIFO: requests are taken by id (the order their INSERTs got their ids), a party as one request.
- Nothing lost: a request's outcome (its booking, or its refusal) is written in the same
  transaction as the booking itself. A writer that dies mid-batch rolls back (PostgreSQL aborts
  the transaction of a dropped connection) and its requests are still QUEUED, to be taken by the
  next writer: the next arrival for that inventory, or the next status poll of any waiting
  request (GET on its URL), or the waiting request's own loop. No daemon is needed.
- Idempotency: (user, Idempotency-Key) is unique on the queue row; a retry finds the row and gets
  its state (queued, or the same outcome).

A request that is decided within BOOKING_ADMISSION_WAIT_MS is answered at once (201); otherwise
the API answers 202 with the request's URL, where the outcome can be fetched. On SQLite the same
code runs: the IMMEDIATE transaction serialises writers, so there is no waiting for a writer.

Every database access of the queue and the allocation goes to `database_for(train_id=...)`, the
train's partition (booking/partitions.py), and the batch runs pinned to it: the bookings, their
passengers, payments and queue rows of one train commit in one transaction on one database.
"""

import datetime
import json
import math
import time
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, Exists, Min, OuterRef, Value, When
from django.db.models import Q as Where
from django.utils import timezone
from prometheus_client import Histogram

from . import partitions, reservations
from .booking_requests import BookingRequest, parse_booking_request
from .booking_rules import IdempotencyKeyReused, Refusal, RuleError, coded_error, refusal_text
from .models import Booking, Inventory, QueuedBookingRequest
from .reservations import HoldItem, HoldResult
from .tatkal_rules import check_tatkal_eligibility

Q = QueuedBookingRequest.Status
# PNRs are random: a batch that drew a taken one rolls back and runs again with new ones.
PNR_ATTEMPTS = 8

QUEUE_WAIT_SECONDS = Histogram(
    "railconnect_booking_queue_wait_seconds",
    "From a booking request's arrival in the queue to its outcome (allocated or refused)",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0),
)
BATCH_SIZE = Histogram(
    "railconnect_booking_batch_size",
    "Requests allocated per writer transaction",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)


def database_for(*, train_id: int) -> str:
    """The database alias holding a train's inventories, booking queue and bookings: the train's
    partition (booking/partitions.py; "default" with one database)."""
    return partitions.database_for(train_id=train_id)


def payload_of(request: BookingRequest) -> dict[str, object]:
    """The request in the API's JSON shape, which parse_booking_request reads back in the batch."""
    journey = request.journey
    return {
        "train": journey.route.number,
        "date": journey.boarding_date.isoformat(),
        "from": journey.board.code,
        "to": journey.alight.code,
        "class": request.travel_class,
        "quota": request.quota,
        "passengers": [
            {
                "name": p.name,
                "age": p.age,
                "gender": p.gender,
                "berth_preference": p.berth_preference,
                "no_berth": p.no_berth,
                "pregnant": p.pregnant,
            }
            for p in request.passengers
        ],
        "only_if_confirmed": request.only_if_confirmed,
        "auto_upgrade": request.auto_upgrade,
        # A string, so the Decimal comes back exactly (Premium Tatkal's fare the passenger was shown).
        "shown_fare": None if request.shown_fare is None else str(request.shown_fare),
    }


@dataclass
class Admission:
    """A request's place in the queue, and its outcome when it has one."""

    entry: QueuedBookingRequest
    replayed: bool  # the Idempotency-Key was seen before: this answers an earlier request
    held: HoldResult | None = None  # allocated by this process: the booking as written
    refused: RuleError | None = None  # refused by this process: the refusal as raised

    @property
    def queued(self) -> bool:
        return self.entry.status == Q.QUEUED

    def refusal(self) -> RuleError:
        """The refusal of a REFUSED request (as raised here, or as stored by another process)."""
        if self.refused is not None:
            return self.refused
        stored = self.entry.refusal or {}
        code, params = stored.get("code"), stored.get("params") or {}
        return Refusal(
            str(stored.get("field", "")),
            # Worded now, in the asker's language, not the deciding process's (booking_rules).
            refusal_text(code, params, str(stored.get("error", ""))),
            status=int(stored.get("status", 400)),
            outcome=stored.get("outcome"),
            details=stored.get("details"),
            code=code,
            params=params,
        )

    def position(self) -> int:
        """1 for the next request the writer takes; 0 once decided."""
        if not self.queued:
            return 0
        entry = self.entry
        return (
            QueuedBookingRequest.objects.using(entry._state.db)
            .filter(inventory_id=entry.inventory_id, status=Q.QUEUED, id__lte=entry.pk)
            .count()
        )


# Milliseconds per request of this process's recent batches (an exponential average of what its
# writers measured), or None before its first batch. Under a rush on a busy machine a request costs
# the writer far more than BOOKING_QUEUE_MS_PER_REQUEST: the estimate follows what it really takes,
# so a request that cannot be decided within the admission wait answers 202 at once instead of
# holding one of the server's few threads, which the next arrivals need.
_pace_ms: float | None = None


def _measured_pace(batch_ms: float, requests: int) -> None:
    global _pace_ms
    sample = batch_ms / max(1, requests)
    _pace_ms = sample if _pace_ms is None else 0.7 * _pace_ms + 0.3 * sample


def estimated_wait_ms(position: int) -> int:
    """The wait of the request at `position`: BOOKING_QUEUE_MS_PER_REQUEST per request ahead, or
    this process's measured pace when slower."""
    return math.ceil(position * max(settings.BOOKING_QUEUE_MS_PER_REQUEST, _pace_ms or 0.0))


def retry_after_seconds(position: int) -> int:
    return max(1, math.ceil(estimated_wait_ms(position) / 1000))


# --- The writer role as this process last found it ---------------------------------------------
# In a rush every arrival and every look tried the writer role (a transaction: BEGIN, a SKIP LOCKED
# SELECT, COMMIT) and nearly all found it taken: three of a queued POST's eight statements, and of a
# look's. So once a request of this process finds the role taken, the next ones in this process
# queue (or look) without trying it for BOOKING_WRITER_BUSY_MS. Safe: a request is queued either
# way (durable, in arrival order), and the role is tried again by the next arrival or look after
# that window, so a writer that died (its lock goes with its connection) is replaced at most that
# much later. Kept per process, like the pace above; a few milliseconds old at most.


class _BusyWriters:
    def __init__(self) -> None:
        self.by_inventory: dict[tuple[str, int], float] = {}  # (database, inventory id) -> seen at
        self.by_key: dict[tuple[str, int, datetime.date, str], int] = {}  # (db, train, date, class) -> id

    def note(self, using: str, inventory_id: int, key: tuple[int, datetime.date, str] | None = None) -> None:
        if len(self.by_inventory) > 10_000:  # inventories seen busy over a long run: keep it small
            self.by_inventory.clear()
            self.by_key.clear()
        self.by_inventory[(using, inventory_id)] = time.monotonic()
        if key is not None:
            self.by_key[(using, *key)] = inventory_id

    def busy(self, using: str, inventory_id: int) -> bool:
        seen = self.by_inventory.get((using, inventory_id))
        return seen is not None and time.monotonic() - seen < settings.BOOKING_WRITER_BUSY_MS / 1000

    def busy_inventory(self, using: str, key: tuple[int, datetime.date, str]) -> int | None:
        """The id of the inventory with this (train, date, class), if its role was seen taken just now."""
        inventory_id = self.by_key.get((using, *key))
        return inventory_id if inventory_id is not None and self.busy(using, inventory_id) else None

    def taken_here(self, using: str, inventory_id: int) -> None:
        self.by_inventory.pop((using, inventory_id), None)


_busy_writers = _BusyWriters()


# --- Arrival -----------------------------------------------------------------------------------


def submit(
    *,
    user: User,
    request: BookingRequest,
    idempotency_key: str | None = None,
    request_hash: str = "",
    now: datetime.datetime | None = None,
    wait_seconds: float | None,
) -> Admission:
    """Queue a checked booking request and wait up to `wait_seconds` (None: however long it takes)
    for its outcome, allocating the queue itself whenever nobody else holds the writer role.

    Raises tatkal_rules.TatkalRefused for a Tatkal request this account may not make (now).
    A key seen before for this user answers with that request (replayed=True), as it now stands,
    after the same wait. Raises IdempotencyKeyReused for a key used with a different request.
    """
    now = now or timezone.now()
    key = (idempotency_key or "").strip()[:100] or None
    using = database_for(train_id=request.journey.route.train_id)
    earlier = _earlier_request(user, key, request_hash, using)
    if earlier is None and key:
        _key_unused_elsewhere(user, key, using)
    if earlier is None:
        # Who may book Tatkal is known here, before queuing: refused at once (403), never queued.
        check_tatkal_eligibility(
            user=user,
            quota=request.quota,
            travel_class=request.travel_class,
            journey_date=request.journey.journey_date,
            now=now,
        )
        journey = request.journey
        seen_busy = _busy_writers.busy_inventory(
            using, (journey.route.train_id, journey.journey_date, request.travel_class)
        )
        at_once = (
            seen_busy
            if seen_busy is not None
            else _decide_at_once(user=user, request=request, key=key, request_hash=request_hash, now=now)
        )
        if isinstance(at_once, Admission):
            return at_once
        # An int: the inventory's id, whose writer role another process holds.
        writer_busy = at_once is not None
        inventory_id = at_once if at_once is not None else _inventory_id(request, using)
        try:
            # One INSERT, in autocommit (a savepoint only inside a caller's transaction, which a
            # failed INSERT must not break): the row is durable before anything waits on it.
            in_transaction = transaction.get_connection(using).in_atomic_block
            with transaction.atomic(using=using) if in_transaction else nullcontext():
                entry = QueuedBookingRequest.objects.using(using).create(
                    user=user,
                    inventory_id=inventory_id,
                    payload=payload_of(request),
                    idempotency_key=key,
                    request_hash=request_hash,
                    created_at=now,
                )
        except IntegrityError:
            # A concurrent request with the same key was queued first: answer as its replay.
            earlier = _earlier_request(user, key, request_hash, using)
            if earlier is None:
                raise
    if earlier is not None:
        admission, writer_busy = Admission(earlier, True), False
    else:
        admission = Admission(entry, False)
    deadline = None if wait_seconds is None else time.monotonic() + wait_seconds
    return advance(admission, deadline=deadline, writer_busy=writer_busy)


def _decide_at_once(
    *, user: User, request: BookingRequest, key: str | None, request_hash: str, now: datetime.datetime
) -> Admission | int | None:
    """The uncontended path: when nobody holds the writer role of the request's inventory, take it,
    queue the request and decide it with those waiting before it, in one transaction (the request
    is the batch's last: first come, first served still holds). With nothing written: the
    inventory's id when another process holds its writer role (the request's first look at the
    queue then only weighs the wait); None when the queue ahead fills a batch, or the transaction
    failed on a unique key (a taken PNR, or the same Idempotency-Key sent twice at once). The
    caller then queues the request and waits its turn. The inventory's first booking makes its row.

    Why it is as safe as the queue: the request is written in the same transaction as its outcome,
    so a process that dies here leaves neither (its client got no answer and retries with the same
    Idempotency-Key). What it saves: the queue row's own transaction, the inventory id's lookup,
    re-reading and re-parsing the request under the lock, and the UPDATE of its queue row.
    """
    journey = request.journey
    using = database_for(train_id=journey.route.train_id)
    entry = QueuedBookingRequest(
        user=user,
        payload=payload_of(request),
        idempotency_key=key,
        request_hash=request_hash,
        created_at=now,
    )
    # Its row will be written on the train's partition: say so now, as Model.from_db would, for the
    # partition router lets a row relate only to rows of its own database (the inventory, the booking).
    entry._state.db = using
    rows = Inventory.objects.using(using).filter(
        train_id=journey.route.train_id, journey_date=journey.journey_date, travel_class=request.travel_class
    )
    writer_role = rows.select_for_update(skip_locked=True, no_key=True).annotate(
        # Whether anything waits, in the same statement: usually nothing does.
        waiting=Exists(QueuedBookingRequest.objects.filter(inventory=OuterRef("pk"), status=Q.QUEUED))
    )
    try:
        with partitions.pinned(using), transaction.atomic(using=using):
            inventory = writer_role.first()
            if inventory is None:
                locked_by_its_writer = rows.values_list("id", flat=True).first()
                if locked_by_its_writer is not None:
                    inventory_key = (journey.route.train_id, journey.journey_date, request.travel_class)
                    _busy_writers.note(using, locked_by_its_writer, inventory_key)
                    return locked_by_its_writer  # its id, for queuing the request
                # The first booking of this train, date and class: make its row (a concurrent first
                # booking's INSERT makes this one wait for it, then do nothing) and take the role.
                Inventory.objects.using(using).bulk_create(
                    [reservations.new_inventory(journey.route, journey.journey_date, request.travel_class)],
                    ignore_conflicts=True,
                )
                inventory = writer_role.first()
                if inventory is None:
                    return rows.values_list("id", flat=True).get()
            entry.inventory = inventory
            _busy_writers.taken_here(using, inventory.pk)
            waiting = []
            if inventory.waiting:
                waiting = list(
                    QueuedBookingRequest.objects.using(using)
                    .filter(inventory_id=inventory.pk, status=Q.QUEUED)
                    .order_by("id")[: settings.BOOKING_BATCH_SIZE]
                )
            if len(waiting) >= settings.BOOKING_BATCH_SIZE:
                return None  # a long queue: this request waits its turn behind it
            decided = _decide(inventory, [*waiting, entry], using, arriving=(entry, request))
    except IntegrityError:
        return None
    _observe(decided)
    admission = Admission(entry, False)
    outcome = decided[-1][1]
    if isinstance(outcome, HoldResult):
        admission.held = outcome
    else:
        admission.refused = outcome
    return admission


def _earlier_request(
    user: User, key: str | None, request_hash: str, using: str
) -> QueuedBookingRequest | None:
    if not key:
        return None
    entry = QueuedBookingRequest.objects.using(using).filter(user=user, idempotency_key=key).first()
    if entry is not None and request_hash and entry.request_hash and entry.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "Idempotency-Key", "This Idempotency-Key was already used for a different booking request."
        )
    return entry


def _key_unused_elsewhere(user: User, key: str, using: str) -> None:
    """Raise IdempotencyKeyReused when this key already named a request on another partition (a
    request for another train: the same request is always on the same partition). One indexed
    lookup per other partition, none with one database. Two requests with one key sent at the same
    instant for trains on two partitions are not caught (no constraint spans two databases)."""
    for other in partitions.aliases():
        if (
            other != using
            and QueuedBookingRequest.objects.using(other).filter(user=user, idempotency_key=key).exists()
        ):
            raise IdempotencyKeyReused(
                "Idempotency-Key", "This Idempotency-Key was already used for a different booking request."
            )


def _inventory_id(request: BookingRequest, using: str) -> int:
    """The id of the request's inventory row, created on first use (no lock: the writer locks it)."""
    journey = request.journey
    rows = Inventory.objects.using(using).filter(
        train_id=journey.route.train_id, journey_date=journey.journey_date, travel_class=request.travel_class
    )
    found = rows.values_list("id", flat=True).first()
    if found is None:
        Inventory.objects.using(using).bulk_create(
            [reservations.new_inventory(journey.route, journey.journey_date, request.travel_class)],
            ignore_conflicts=True,
        )
        found = rows.values_list("id", flat=True).get()
    return found


# --- Waiting and writing -------------------------------------------------------------------------


def advance(admission: Admission, *, deadline: float | None, writer_busy: bool = False) -> Admission:
    """Drive a queued request towards its outcome until `deadline` (time.monotonic(); None: until
    decided): take the writer role whenever it is free and drain the queue, else look again every
    BOOKING_QUEUE_POLL_MS. `writer_busy`: the role was just found taken and the request just
    queued, so the first look only weighs the wait. Returns the admission with the entry as it
    now stands."""
    using = admission.entry._state.db or "default"
    poll = settings.BOOKING_QUEUE_POLL_MS / 1000
    while admission.queued:
        if writer_busy:
            was_writer, writer_busy = False, False
        else:
            was_writer = _drain(admission, using, deadline)
            if not admission.queued:
                break
            # Another writer may have decided our request (before we got the role, or while we waited).
            admission.entry.refresh_from_db(
                using=using, fields=["status", "booking", "refusal", "decided_at"]
            )
            if not admission.queued:
                break
        if deadline is not None and (
            time.monotonic() >= deadline
            # Another writer has the role and the queue ahead will not be through by the deadline:
            # answer now (202) rather than hold a server thread that others need.
            or (
                not was_writer
                and time.monotonic() + estimated_wait_ms(admission.position()) / 1000 > deadline
            )
        ):
            break
        if not was_writer:
            time.sleep(poll)
    return admission


def _drain(admission: Admission, using: str, deadline: float | None) -> bool:
    """Be the inventory's writer for as long as there are queued requests (once ours is decided, for
    at most BOOKING_WRITER_MAX_MS more, and never past our own deadline once decided): batch after
    batch, each its own transaction. False if another process holds the writer role."""
    entry = admission.entry
    started = time.monotonic()
    limit = settings.BOOKING_WRITER_MAX_MS / 1000
    was_writer = False
    while True:
        batch = _write_batch(entry.inventory_id, using)
        if batch is None:
            return was_writer
        was_writer = True
        for decided, outcome in batch:
            if decided.pk == entry.pk:
                admission.entry = decided
                if isinstance(outcome, HoldResult):
                    admission.held = outcome
                else:
                    admission.refused = outcome
        if not batch:
            return True
        if not admission.queued:
            now = time.monotonic()
            # A batch short of the batch size took every request there was: those that came since
            # are taken by their own threads (or polls) without another look here.
            if len(batch) < settings.BOOKING_BATCH_SIZE or now - started >= limit:
                return True
            if deadline is not None and now >= deadline:
                return True


def _write_batch(
    inventory_id: int, using: str
) -> list[tuple[QueuedBookingRequest, HoldResult | RuleError]] | None:
    """Take the writer role of one inventory and decide up to BOOKING_BATCH_SIZE waiting requests,
    oldest first, in one transaction: their bookings and their queue rows commit together. None when
    another process holds the role; an empty list when nothing waits."""
    if _busy_writers.busy(using, inventory_id):
        return None  # another process had the role a moment ago: not tried again yet
    started = time.monotonic()
    for attempt in range(PNR_ATTEMPTS):
        try:
            with partitions.pinned(using), transaction.atomic(using=using):
                inventory = (
                    Inventory.objects.using(using)
                    .select_for_update(skip_locked=True, no_key=True)
                    .filter(pk=inventory_id)
                    .first()
                )
                if inventory is None:
                    _busy_writers.note(using, inventory_id)
                    return None
                _busy_writers.taken_here(using, inventory_id)
                entries = list(
                    QueuedBookingRequest.objects.using(using)
                    .filter(inventory_id=inventory_id, status=Q.QUEUED)
                    .order_by("id")[: settings.BOOKING_BATCH_SIZE]
                )
                if not entries:
                    return []
                decided = _decide(inventory, entries, using)
            break
        except IntegrityError:
            # A random PNR was taken: everything rolled back, the requests are still queued.
            if attempt == PNR_ATTEMPTS - 1:
                raise
    _measured_pace((time.monotonic() - started) * 1000, len(decided))
    _observe(decided)
    return decided


def _observe(decided: list[tuple[QueuedBookingRequest, HoldResult | RuleError]]) -> None:
    BATCH_SIZE.observe(len(decided))
    for entry, _outcome in decided:
        assert entry.decided_at is not None
        QUEUE_WAIT_SECONDS.observe(max(0.0, (entry.decided_at - entry.created_at).total_seconds()))


def _decide(
    inventory: Inventory,
    entries: list[QueuedBookingRequest],
    using: str,
    *,
    arriving: tuple[QueuedBookingRequest, BookingRequest] | None = None,
) -> list[tuple[QueuedBookingRequest, HoldResult | RuleError]]:
    """Decide `entries` (oldest first) on the locked inventory and write their outcomes. `arriving`:
    the last entry, not saved yet, with its request as just parsed (_decide_at_once): it is
    inserted already decided rather than read back, parsed again and updated."""
    # The batch's clock: the writer's, but never before an arrival it decides (clocks of processes,
    # and of tests, may differ a little).
    now = max(timezone.now(), max(entry.created_at for entry in entries))
    outcomes: dict[int, HoldResult | RuleError] = {}  # by id(entry): the arriving one has no pk yet
    items: list[tuple[QueuedBookingRequest, HoldItem]] = []
    for entry in entries:
        if arriving is not None and entry is arriving[0]:
            request = arriving[1]
        else:
            try:
                # Judged as it arrived (Tatkal opening, horizon): parsing is cheap and deterministic.
                request = parse_booking_request(entry.payload, now=entry.created_at)
            except RuleError as refusal:
                # It parsed when it arrived, with the same clock: the timetable changed since. Coded,
                # so it is worded in the asker's language, not this writer's (booking_rules).
                outcomes[id(entry)] = coded_error(RuleError, refusal.field, "REQUEST_NO_LONGER_VALID")
                continue
        item = HoldItem(entry.user_id, request, entry.idempotency_key, entry.request_hash, entry.created_at)
        items.append((entry, item))
    results = reservations.hold_batch(
        inventory=inventory, items=[item for _e, item in items], now=now, using=using
    )
    for (entry, _item), result in zip(items, results, strict=True):
        outcomes[id(entry)] = result
    decided: list[tuple[QueuedBookingRequest, HoldResult | RuleError]] = []
    for entry in entries:
        outcome = outcomes[id(entry)]
        entry.decided_at = now
        if isinstance(outcome, HoldResult):
            entry.status, entry.booking = Q.ALLOCATED, outcome.booking
        else:
            entry.status = Q.REFUSED
            entry.refusal = {
                "status": outcome.status,
                "field": outcome.field,
                # The code and its parameters are what is answered (worded in the asker's language);
                # the message, in the deciding request's language, only for a refusal without a code.
                "code": outcome.code,
                "params": outcome.params,
                "error": outcome.message,
                "outcome": getattr(outcome, "outcome", None),
                "details": getattr(outcome, "details", None),  # FARE_CHANGED: the new fare
            }
        decided.append((entry, outcome))
    _write_outcomes(
        [entry for entry in entries if arriving is None or entry is not arriving[0]], now=now, using=using
    )
    if arriving is not None:
        arriving[0].save(using=using, force_insert=True)
    return decided


def _write_outcomes(entries: list[QueuedBookingRequest], *, now: datetime.datetime, using: str) -> None:
    """Write decided queue rows (saved ones, decided at `now`): one UPDATE for the allocated ones
    (a CASE for their bookings) and one per refusal the refused ones share. bulk_update would build
    a CASE per row and field: 40% of a writer's CPU in a 100-request batch (profiled), where in a
    rush most rows share one outcome, REGRET. Each row gets the fields bulk_update wrote: a
    refused row's booking and an allocated row's refusal stay as they were (unset)."""
    table = QueuedBookingRequest.objects.using(using)
    allocated = [entry for entry in entries if entry.status == Q.ALLOCATED]
    if allocated:
        bookings = (
            allocated[0].booking
            if len(allocated) == 1
            else Case(
                *(When(pk=entry.pk, then=Value(entry.booking_id)) for entry in allocated),
                output_field=QueuedBookingRequest._meta.get_field("booking"),
            )
        )
        table.filter(pk__in=[entry.pk for entry in allocated]).update(
            status=Q.ALLOCATED, decided_at=now, booking=bookings
        )
    refused: dict[str, list[QueuedBookingRequest]] = {}
    for entry in entries:
        if entry.status == Q.REFUSED:
            refused.setdefault(json.dumps(entry.refusal, sort_keys=True, default=str), []).append(entry)
    for same in refused.values():
        table.filter(pk__in=[entry.pk for entry in same]).update(
            status=Q.REFUSED, refusal=same[0].refusal, decided_at=now
        )


# --- Synchronous holding (pages' fallbacks, tests, scripts) -------------------------------------


def hold_booking(
    user: User,
    request: BookingRequest,
    idempotency_key: str | None = None,
    request_hash: str = "",
    now: datetime.datetime | None = None,
) -> HoldResult:
    """Hold berths (or RAC/waitlist places) for a BookingRequest, pending payment, waiting for the
    queue however long it takes. Returns HoldResult(created=False) with the earlier booking when
    `idempotency_key` was seen before for this user. Raises the RuleError refusing the request."""
    admission = submit(
        user=user,
        request=request,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        now=now,
        wait_seconds=None,
    )
    return outcome_of(admission)


def outcome_of(admission: Admission) -> HoldResult:
    """The HoldResult of a decided admission, or its refusal raised."""
    if admission.entry.status == Q.REFUSED:
        raise admission.refusal()
    if admission.held is not None:
        admission.held.created = not admission.replayed
        return admission.held
    booking_id = admission.entry.booking_id
    assert booking_id is not None, "an ALLOCATED request has its booking"
    using = partitions.home(admission.entry)
    booking = partitions.with_journey_objects(Booking.objects.using(using), "train").get(pk=booking_id)
    partitions.attach_journey_objects([booking], fields=["train"])
    return HoldResult(booking, False)


def request_id(entry: QueuedBookingRequest) -> int:
    """The number of a request in its URLs (partitions.public_request_id)."""
    return partitions.public_request_id(entry.pk, entry._state.db or partitions.DEFAULT)


def find_request(*, request_id: int, user: User) -> QueuedBookingRequest | None:
    """The passenger's own queued request by its URL number (request_id), on its partition."""
    location = partitions.request_location(request_id)
    if location is None:
        return None
    pk, using = location
    return QueuedBookingRequest.objects.using(using).filter(pk=pk, user=user).first()


def find_draft_request(*, draft_id: str, user: User) -> QueuedBookingRequest | None:
    """The latest request a review draft became (its idempotency key is draft:<id>[:<fare>]), on any
    partition (the draft is gone, and with it its train)."""
    latest: QueuedBookingRequest | None = None
    for using in partitions.aliases():
        entry = (
            QueuedBookingRequest.objects.using(using)
            .filter(
                Where(idempotency_key=f"draft:{draft_id}")
                | Where(idempotency_key__startswith=f"draft:{draft_id}:"),
                user=user,
            )
            .order_by("-pk")
            .first()
        )
        if entry is not None and (latest is None or entry.created_at > latest.created_at):
            latest = entry
    return latest


def queue_state(*, using: str) -> tuple[int, datetime.datetime | None]:
    """(requests waiting, the oldest one's arrival) over every inventory of database `using`."""
    state = (
        QueuedBookingRequest.objects.using(using)
        .filter(status=Q.QUEUED)
        .aggregate(depth=Count("id"), oldest=Min("created_at"))
    )
    return state["depth"], state["oldest"]
