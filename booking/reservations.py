"""Holding, cancelling, expiring and charting bookings: the transactional side of allocation.

Every path that changes the bookings of a train, date and class starts by locking that
Inventory row (SELECT ... FOR NO KEY UPDATE; on SQLite the IMMEDIATE transaction serialises
writers), so allocation decisions are made on a consistent seat map. NO KEY: the lock excludes
every other writer of the row but not the key-share locks of foreign-key checks, so a booking
request can still be queued (its queue row references the inventory) while a writer works.
New holds are made in batches by the inventory's writer (hold_batch, driven by admission.py).
Lock order, everywhere: inventory, then (new holds only: hold_limits) the passengers' user rows
in id order, then bookings, then payments (payments.services.settle takes booking then
payment), so no two paths can wait on each other in a cycle: no path locks an inventory row
after anything else, and none holds two inventory rows.

Unpaid holds expire lazily: whoever locks an inventory row next releases the holds whose time
has run out before doing anything else (and `manage.py expire_holds` sweeps the rest).
"""

import datetime
import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from payments import services as payments
from payments.models import Payment
from timetable.train_routes import TrainRoute, route_for

from . import booking_rules, coach_layouts, events, fares, hold_limits, partitions, quotas, refunds
from .allocation import (
    CNF,
    RAC,
    Need,
    SeatMap,
    Waiting,
    allocate_party,
    leg_mask,
    plan_upgrade,
    promote,
)
from .booking_requests import BookingRequest, wants_lower
from .booking_rules import MIN_AGE_ALONE, BookingConflict, RuleError
from .coach_layouts import Unit
from .models import (
    WL_COUNT_FIELDS,
    Booking,
    BookingPassenger,
    CoachComposition,
    Inventory,
    QuotaShare,
    RefundRule,
    status_text,
)

P = BookingPassenger.Status
QUEUE_FIELDS = ["status", "number", "unit", "coach", "berth_number", "berth_type"]


# --- Inventory -------------------------------------------------------------------------------


def coach_count_for(route: TrainRoute, travel_class: str) -> int:
    override = CoachComposition.objects.filter(train_id=route.train_id, travel_class=travel_class).first()
    if override is not None:
        return override.coaches
    return coach_layouts.default_coach_count(route.train_type, travel_class)


def quota_shares_for(travel_class: str) -> quotas.QuotaShares:
    """The shares a new inventory of this class copies: the admin's QuotaShare row, or the default."""
    row = QuotaShare.objects.filter(travel_class=travel_class).first()
    return row.shares if row is not None else quotas.default_shares(travel_class)


def new_inventory(
    route: TrainRoute, journey_date: datetime.date, travel_class: str, coach_count: int | None = None
) -> Inventory:
    coach_count = coach_count if coach_count is not None else coach_count_for(route, travel_class)
    departs_at = route.departure_from_origin(journey_date)
    return Inventory(
        train_id=route.train_id,
        journey_date=journey_date,
        travel_class=travel_class,
        coach_count=coach_count,
        legs=route.legs,
        departs_at=departs_at,
        chart_due_at=departs_at - datetime.timedelta(hours=settings.CHART_HOURS_BEFORE_DEPARTURE),
        quota_shares=quota_shares_for(travel_class).as_json(),
        occupancy=[0] * len(coach_layouts.units(travel_class, coach_count)),
    )


def is_charted(inventory: Inventory, now: datetime.datetime) -> bool:
    return inventory.chart_prepared_at is not None or now >= inventory.chart_due_at


def seat_map(inventory: Inventory) -> SeatMap:
    return SeatMap(inventory.units, inventory.occupancy)


def _save_inventory(inventory: Inventory, seatmap: SeatMap) -> None:
    inventory.occupancy = seatmap.occupied
    inventory.save(
        update_fields=[
            "occupancy",
            "rac_count",
            "gnwl_count",
            *WL_COUNT_FIELDS.values(),
            "earliest_hold_expiry",
            "chart_prepared_at",
            "updated_at",
        ]
    )


# --- Queues ------------------------------------------------------------------------------------


def _place(row: BookingPassenger, units: Sequence[Unit], unit_index: int | None) -> None:
    row.unit = unit_index
    if unit_index is None:
        row.coach, row.berth_number, row.berth_type = "", None, ""
    else:
        unit = units[unit_index]
        row.coach, row.berth_number, row.berth_type = unit.coach, unit.berth, unit.berth_type


def reorganise_queues(
    inventory: Inventory, seatmap: SeatMap, charting: bool = False
) -> list[BookingPassenger]:
    """Promote RAC and waitlisted passengers into free units, in order, and renumber the queues."""
    rows = list(BookingPassenger.objects.filter(inventory=inventory, status__in=[P.RAC, P.WAITLIST]))
    waiting = [
        Waiting(
            row,
            row.quota,
            row.status,
            row.number or 0,
            leg_mask(row.board_sequence, row.alight_sequence),
            row.unit,
            row.berth_preference,
            wants_lower(row.age, row.gender),
        )
        for row in rows
    ]
    rac_count, wl_counts = promote(seatmap, waiting, charting=charting)
    changed: list[BookingPassenger] = []
    promoted: list[int] = []
    for item in waiting:
        if item.changed:
            row = item.key
            if item.status != row.status:
                promoted.append(row.pk)
            row.status, row.number = item.status, item.number
            _place(row, inventory.units, item.unit)
            changed.append(row)
    if changed:
        BookingPassenger.objects.bulk_update(changed, QUEUE_FIELDS, batch_size=500)
    if promoted and not charting:
        events.passengers_promoted.send(sender=Inventory, passenger_ids=promoted, using=inventory._state.db)
    inventory.rac_count = rac_count
    for quota in WL_COUNT_FIELDS:
        inventory.set_wl_count(quota, wl_counts.get(quota, 0))
    return changed


def _vacate(
    inventory: Inventory,
    seatmap: SeatMap,
    rows: Sequence[BookingPassenger],
    now: datetime.datetime,
    charges: Mapping[int, refunds.RefundQuote] | None = None,
) -> None:
    """Cancel passenger rows: free their units. `charges` maps row id -> RefundQuote."""
    for row in rows:
        # An upgraded passenger's berth is in the higher class's inventory, charted already: left as is.
        if row.status in (P.CONFIRMED, P.RAC) and row.unit is not None and row.inventory_id == inventory.id:
            seatmap.release(row.unit, leg_mask(row.board_sequence, row.alight_sequence))
        row.cancelled_status = row.status
        row.status = P.CANCELLED
        row.number = None
        row.cancelled_at = now
        quote = (charges or {}).get(row.id)
        if quote is not None:
            row.cancellation_charge, row.refund_amount = quote.charge, quote.refund
    BookingPassenger.objects.bulk_update(
        rows, ["status", "cancelled_status", "number", "cancelled_at", "cancellation_charge", "refund_amount"]
    )


def release_expired_holds(
    inventory: Inventory, seatmap: SeatMap, now: datetime.datetime, everything: bool = False
) -> list[Booking]:
    """Release unpaid holds whose time ran out (all unpaid holds if `everything`, as at charting)."""
    held = Booking.objects.select_for_update().filter(inventory=inventory, status=Booking.Status.HELD)
    expired = list(held if everything else held.filter(hold_expires_at__lte=now))
    if expired:
        ids = [booking.id for booking in expired]
        rows = list(BookingPassenger.objects.filter(booking_id__in=ids).exclude(status=P.CANCELLED))
        _vacate(inventory, seatmap, rows, now)
        Booking.objects.filter(id__in=ids).update(status=Booking.Status.EXPIRED, hold_expires_at=None)
        payments.expire_open_payments(ids)
        if not inventory.chart_prepared_at:
            reorganise_queues(inventory, seatmap)
    inventory.earliest_hold_expiry = Booking.objects.filter(
        inventory=inventory, status=Booking.Status.HELD
    ).aggregate(m=Min("hold_expires_at"))["m"]
    return expired


def _release_due(inventory: Inventory, seatmap: SeatMap, now: datetime.datetime) -> None:
    if inventory.earliest_hold_expiry is not None and inventory.earliest_hold_expiry <= now:
        release_expired_holds(inventory, seatmap, now)


# --- Booking: a batch of queued requests, allocated by the inventory's writer ------------------


def _new_pnr(using: str) -> str:
    """A random PNR whose first digit names partition `using` (partitions.pnr_first_digits; any of
    1-9 with one database)."""
    return f"{secrets.choice(partitions.pnr_first_digits(using))}{secrets.randbelow(10**9):09d}"


@dataclass
class HoldResult:
    booking: Booking
    created: bool
    payment_url: str = ""
    passengers: list[BookingPassenger] = field(default_factory=list)
    train_number: str = ""  # known without a query when the booking was just made


@dataclass(frozen=True)
class HoldItem:
    """One queued request, as the writer allocates it (admission.py builds them, in arrival order)."""

    user_id: int
    request: BookingRequest
    idempotency_key: str | None
    request_hash: str
    arrived_at: datetime.datetime


def hold_batch(
    *, inventory: Inventory, items: Sequence[HoldItem], now: datetime.datetime, using: str
) -> list[HoldResult | RuleError]:
    """Hold berths (or RAC/waitlist places) for queued requests, in order: one outcome per item,
    a HoldResult with the booking, its passengers and its payment URL, or the RuleError refusing it
    (hold limit, REGRET, chart prepared). Nothing is committed here: the caller's transaction
    commits the bookings and its queue rows together, or neither.

    Call it in a transaction on `using` holding `inventory` locked (SELECT ... FOR UPDATE). Locks,
    in this order: the passengers' user rows (hold limits, see hold_limits), then it writes the
    bookings, their passengers and their payments. Raises IntegrityError if a random PNR was taken:
    the caller rolls back and runs the batch again (the requests are still queued).
    """
    if not items:
        return []
    if is_charted(inventory, now):
        closed = booking_rules.coded_error(RuleError, "date", "CHART_PREPARED")
        return [closed for _item in items]
    seatmap = seat_map(inventory)
    _release_due(inventory, seatmap, now)
    user_ids = sorted({item.user_id for item in items})
    hold_limits.lock_holders(user_ids=user_ids, using=using)
    counts = hold_limits.hold_counts(
        user_ids=user_ids,
        train_id=inventory.train_id,
        journey_date=inventory.journey_date,
        now=now,
        using=using,
    )
    outcomes: list[HoldResult | RuleError] = []
    for item in items:
        try:
            hold_limits.check_hold_count(counts[item.user_id])
            outcomes.append(_allocate_one(inventory, seatmap, item, now))
        except RuleError as refusal:
            outcomes.append(refusal)
        else:
            counts[item.user_id].add(now)
    held = [outcome for outcome in outcomes if isinstance(outcome, HoldResult)]
    if held:
        Booking.objects.using(using).bulk_create([result.booking for result in held])
        BookingPassenger.objects.using(using).bulk_create(
            [row for result in held for row in result.passengers]
        )
        urls = payments.start_payments(
            [result.booking for result in held],
            amounts=[result.booking.amount_due for result in held],
            using=using,
        )
        for result, url in zip(held, urls, strict=True):
            result.payment_url = url
            earliest = inventory.earliest_hold_expiry
            expiry = result.booking.hold_expires_at
            if expiry is not None and (earliest is None or expiry < earliest):
                inventory.earliest_hold_expiry = expiry
    _save_inventory(inventory, seatmap)
    return outcomes


def _allocate_one(
    inventory: Inventory, seatmap: SeatMap, item: HoldItem, now: datetime.datetime
) -> HoldResult:
    """The one place a batch allocates one request: its party together, on the batch's seat map.

    Takes the units it gives from `seatmap` and numbers RAC/WL on `inventory`; builds (does not
    save) the booking and its passenger rows. A refusal (REGRET) leaves both as they were.
    """
    request, journey = item.request, item.request.journey
    fare = request.fare()
    mask = leg_mask(journey.board.sequence, journey.alight.sequence)
    quotas.check_offered(request.quota, inventory.capacity)
    fare = request.fare_under_lock(seatmap, mask, fare)  # Premium Tatkal: priced here, 409 if not as shown
    needs = [
        Need(i, p.berth_preference, p.wants_lower) for i, p in enumerate(request.passengers) if p.needs_berth
    ]
    placements = allocate_party(seatmap, needs, mask, request.quota)
    try:
        booking_rules.check_allocation(
            quota=request.quota,
            travel_class=inventory.travel_class,
            berths=coach_layouts.berth_count(inventory.travel_class, inventory.coach_count),
            waitlisted_now=inventory.waitlisted,
            statuses=[placement.status for placement in placements.values()],
            only_if_confirmed=request.only_if_confirmed,
        )
    except RuleError:
        # Refused (REGRET, NOT_CONFIRMED): the batch's seat map goes back to what it was, so the
        # requests after this one get what they would have got without it.
        for given in placements.values():
            if given.unit is not None:
                seatmap.release(given.unit, mask)
        raise
    booking = Booking(
        pnr=_new_pnr(partitions.home(inventory)),
        user_id=item.user_id,
        idempotency_key=item.idempotency_key,
        inventory=inventory,
        train_id=journey.route.train_id,
        journey_date=journey.journey_date,
        travel_class=request.travel_class,
        quota=request.quota,
        board_station_id=journey.board.station_id,
        alight_station_id=journey.alight.station_id,
        board_sequence=journey.board.sequence,
        alight_sequence=journey.alight.sequence,
        departs_at=journey.departs,
        arrives_at=journey.arrives,
        distance_km=journey.distance_km,
        status=Booking.Status.HELD,
        hold_expires_at=now + datetime.timedelta(minutes=settings.BOOKING_HOLD_MINUTES),
        fare_total=fare.total,
        fare_breakdown=fare.as_dict(),
        request_hash=item.request_hash,
        only_if_confirmed=request.only_if_confirmed,
        auto_upgrade=request.auto_upgrade,
    )
    rows: list[BookingPassenger] = []
    units = inventory.units
    for i, (passenger, line) in enumerate(zip(request.passengers, fare.lines, strict=True)):
        row = BookingPassenger(
            booking=booking,
            inventory=inventory,
            quota=request.quota,
            board_sequence=journey.board.sequence,
            alight_sequence=journey.alight.sequence,
            position=i + 1,
            name=passenger.name,
            age=passenger.age,
            gender=passenger.gender,
            berth_preference=passenger.berth_preference,
            no_berth=passenger.no_berth,
            fare=Decimal(line.total),
        )
        placement = placements.get(i)
        if placement is None:
            row.status = P.NO_BERTH
        elif placement.status == CNF:
            row.status = P.CONFIRMED
            _place(row, units, placement.unit)
        elif placement.status == RAC:
            inventory.rac_count += 1
            row.status, row.number = P.RAC, inventory.rac_count
            _place(row, units, placement.unit)
        else:
            inventory.set_wl_count(request.quota, inventory.wl_count(request.quota) + 1)
            row.status, row.number = P.WAITLIST, inventory.wl_count(request.quota)
        row.booking_status = status_text(
            row.status, row.quota, row.number, row.coach, row.berth_number, row.berth_type
        )
        rows.append(row)
    return HoldResult(booking, True, "", rows, journey.route.number)


# --- Payment ---------------------------------------------------------------------------------


def retry_payment(
    *,
    booking: Booking,
    user: User,
    now: datetime.datetime | None = None,
) -> tuple[Payment, str]:
    """A fresh pending payment for a held booking (earlier open ones are closed): (payment, payer's URL).

    Locks the booking row, then (closing the open ones) its payment rows; no inventory row.
    Raises BookingConflict when the booking is not awaiting payment.
    """
    now = now or timezone.now()
    using = partitions.home(booking)
    with partitions.pinned(using), transaction.atomic(using=using):
        booking = Booking.objects.select_for_update().get(pk=booking.pk, user=user)
        if not booking.payment_due(now):
            raise BookingConflict(
                "booking", "This booking is not awaiting payment (its hold may have expired)."
            )
        payments.expire_open_payments([booking.id], "Replaced by a new payment attempt.")
        payment, url = payments.start_payment(booking, user, booking.amount_due)
    return payment, url


# --- Cancellation ------------------------------------------------------------------------------


@dataclass
class CancellationResult:
    booking: Booking
    cancelled: list[BookingPassenger]
    refund_total: Decimal
    quotes: dict[int, refunds.RefundQuote]
    payment_url: str = ""  # a booking still unpaid after a partial cancellation: its new payment


def _hours_left(booking: Booking, now: datetime.datetime) -> float:
    return (booking.departs_at - now).total_seconds() / 3600


def quote_cancellation(
    booking: Booking,
    rows: Sequence[BookingPassenger],
    now: datetime.datetime,
    charted: bool,
    rules: Sequence[RefundRule] | None = None,
) -> dict[int, refunds.RefundQuote]:
    """{row id: RefundQuote} for cancelling `rows` of a booking now (nothing paid: nothing back)."""
    rules = rules if rules is not None else refunds.active_rules()
    quotes: dict[int, refunds.RefundQuote] = {}
    for row in rows:
        if booking.status != Booking.Status.BOOKED:
            quotes[row.id] = refunds.RefundQuote(row.fare, Decimal("0"), Decimal("0"), "not paid")
        else:
            quotes[row.id] = refunds.quote_refund(
                rules,
                row.fare,
                row.status,
                booking.quota,
                booking.travel_class,
                _hours_left(booking, now),
                charted,
            )
    return quotes


def cancellation_targets(
    active: Sequence[BookingPassenger], passenger_ids: Collection[int]
) -> tuple[list[BookingPassenger], list[BookingPassenger]]:
    """(cancelled, remaining) when a passenger asks to cancel `passenger_ids` of the `active` rows;
    the cancel page's confirmation step shows the same list. RuleError when none of them is active."""
    wanted = set(passenger_ids)
    targets = [row for row in active if row.id in wanted]
    if not targets:
        raise RuleError("passengers", _("Choose at least one passenger to cancel."))
    remaining = [row for row in active if row.id not in wanted]
    # Children cannot travel alone: cancelling the last grown-up cancels everyone.
    if remaining and not any(row.age >= MIN_AGE_ALONE for row in remaining):
        return list(active), []
    return targets, remaining


def cancel_booking(
    *,
    booking: Booking,
    user: User | None,
    passenger_ids: Collection[int] | None = None,
    positions: Collection[int] | None = None,
    now: datetime.datetime | None = None,
    full_refund: bool = False,
    reason: str = "Cancelled by passenger",
) -> "CancellationResult":
    """Cancel some passengers (by row id, `passenger_ids`, or by position on the ticket, `positions`:
    1, 2, ...) or, given neither, the whole booking, refunding by the rules. `user` None: the system
    (chart preparation); otherwise only that user's booking is found.

    Locks: the inventory row, then the booking row, then (refunds, payments.services) the payment
    row, in one transaction; no user row. Freed berths go at once to RAC and waitlisted passengers
    (unless the chart is prepared). Passengers cancelled before payment are refunded nothing and
    charged nothing: the booking's amount due (fare_total) falls by their fares and its payment is
    reopened for the new amount, after the commit.
    """
    now = now or timezone.now()
    using = partitions.home(booking)
    with partitions.pinned(using):
        return _cancel(booking, user, passenger_ids, positions, now, full_refund, reason, using)


def _cancel(
    booking: Booking,
    user: User | None,
    passenger_ids: Collection[int] | None,
    positions: Collection[int] | None,
    now: datetime.datetime,
    full_refund: bool,
    reason: str,
    using: str,
) -> "CancellationResult":
    with transaction.atomic(using=using):
        inventory = Inventory.objects.select_for_update(no_key=True).get(pk=booking.inventory_id)
        bookings = Booking.objects.select_for_update()
        booking = (bookings.filter(user=user) if user is not None else bookings).get(pk=booking.pk)
        seatmap = seat_map(inventory)
        _release_due(inventory, seatmap, now)
        booking.refresh_from_db()
        if positions is not None:
            by_position = dict(booking.passengers.values_list("position", "id"))
            unknown = [p for p in positions if p not in by_position]
            if unknown or not positions:
                raise RuleError(
                    "passengers",
                    _("No passenger at position %(position)s.")
                    % {"position": unknown[0] if unknown else "(none)"},
                )
            passenger_ids = [by_position[p] for p in positions]
        if booking.status not in (Booking.Status.HELD, Booking.Status.BOOKED):
            raise BookingConflict(
                "booking",
                _("This booking is already %(status)s.") % {"status": booking.get_status_display().lower()},
            )
        if booking.departs_at <= now:
            raise BookingConflict(
                "booking", _("The train has left: a ticket cannot be cancelled after departure.")
            )
        active = list(booking.passengers.exclude(status=P.CANCELLED))
        if passenger_ids is not None:
            targets, remaining = cancellation_targets(active, passenger_ids)
        else:
            targets, remaining = active, []
        charted = is_charted(inventory, now)
        if full_refund:
            quotes = {row.id: refunds.full_refund(row.fare) for row in targets}
        else:
            quotes = quote_cancellation(booking, targets, now, charted)
        _vacate(inventory, seatmap, targets, now, quotes)
        if not charted:
            reorganise_queues(inventory, seatmap)
        refund_total = sum((quote.refund for quote in quotes.values()), Decimal("0"))
        repriced = booking.status == Booking.Status.HELD and bool(remaining)
        if repriced:
            # Cancelled before payment: those passengers are not charged. The amount due falls to
            # the fares of the passengers left, and a payment already opened at the gateway for the
            # old amount is voided (a new one is opened after the commit; settle also refuses a
            # payment whose amount is not the amount due).
            booking.fare_total = sum((row.fare for row in remaining), Decimal("0"))
            booking.fare_breakdown = fares.cancel_lines(
                booking.fare_breakdown, {row.position - 1 for row in targets}
            )
            payments.expire_open_payments([booking.id], "Passengers were cancelled: the amount due changed.")
        if not remaining:
            booking.status = Booking.Status.CANCELLED
            payments.expire_open_payments([booking.id], "The booking was cancelled.")
        booking.refunded_amount += refund_total
        booking.hold_expires_at = booking.hold_expires_at if remaining else None
        booking.save(
            update_fields=["status", "refunded_amount", "hold_expires_at", "fare_total", "fare_breakdown"]
        )
        if refund_total > 0:
            payments.refund(booking, refund_total, f"{reason}: PNR {booking.pnr}")
        events.booking_cancelled.send(
            sender=Booking,
            booking=booking,
            passenger_ids=[row.pk for row in targets],
            refund_total=refund_total,
        )
        if inventory.earliest_hold_expiry is not None and not remaining:
            inventory.earliest_hold_expiry = Booking.objects.filter(
                inventory=inventory, status=Booking.Status.HELD
            ).aggregate(m=Min("hold_expires_at"))["m"]
        _save_inventory(inventory, seatmap)
    result = CancellationResult(booking, targets, refund_total, quotes)
    if repriced:
        # As for a new hold, the payment is opened after the commit (should this fail, the ticket
        # page and the pay API open one: retry_payment).
        _payment, result.payment_url = payments.start_payment(
            booking, user or booking.user, booking.amount_due
        )
    return result


# --- Sweeps: expiry and chart ------------------------------------------------------------------


def expire_holds(now: datetime.datetime | None = None) -> int:
    """Release every unpaid hold that has run out. Returns the number of bookings expired."""
    now = now or timezone.now()
    count = 0
    for using in partitions.aliases():  # each partition's inventories, each in its own transaction
        with partitions.pinned(using):
            due = Inventory.objects.filter(earliest_hold_expiry__lte=now).values_list("id", flat=True)
            for inventory_id in list(due):
                with transaction.atomic(using=using):
                    inventory = Inventory.objects.select_for_update(no_key=True).get(pk=inventory_id)
                    seatmap = seat_map(inventory)
                    count += len(release_expired_holds(inventory, seatmap, now))
                    _save_inventory(inventory, seatmap)
    return count


@dataclass
class ChartResult:
    inventory: Inventory
    expired_holds: int = 0
    cancelled_bookings: list[str] = field(default_factory=list)  # their PNRs
    upgraded: list[BookingPassenger] = field(default_factory=list)


def _upgrade_target(inventory_id: int, now: datetime.datetime) -> int | None:
    """The id of the inventory one class up (quotas.UPGRADE_TO) on the same train and date, created if
    the train carries that class, and charted first, so its own waitlist has had its berths."""
    lower = Inventory.objects.get(pk=inventory_id)  # its train from "default" (no join: partitions)
    upper_class = quotas.UPGRADE_TO.get(lower.travel_class)
    route = route_for(lower.train.number) if upper_class else None
    if upper_class is None or route is None or upper_class not in route.classes:
        return None
    rows = Inventory.objects.filter(
        train_id=lower.train_id, journey_date=lower.journey_date, travel_class=upper_class
    )
    if not rows.exists():
        Inventory.objects.bulk_create(
            [new_inventory(route, lower.journey_date, upper_class)], ignore_conflicts=True
        )
    upper = rows.get()
    if upper.chart_prepared_at is None:
        prepare_chart(upper.pk, now, using=upper._state.db)
    return upper.pk


def _auto_upgrade(lower: Inventory, lower_seatmap: SeatMap, upper: Inventory) -> list[BookingPassenger]:
    """Move the confirmed passengers of paid bookings that opted in to the charted class above, in
    booking order, each party together (allocation.plan_upgrade); their berths below are freed for
    the queues. Both inventory rows are locked by the caller."""
    upper_seatmap = seat_map(upper)
    candidates = BookingPassenger.objects.filter(
        inventory=lower, status=P.CONFIRMED, booking__auto_upgrade=True, booking__status=Booking.Status.BOOKED
    ).order_by("booking_id", "position")
    moved: list[BookingPassenger] = []
    for _booking_id, rows in groupby(candidates, key=lambda row: row.booking_id):
        party = list(rows)
        mask = leg_mask(party[0].board_sequence, party[0].alight_sequence)
        needs = [Need(row.id, row.berth_preference, wants_lower(row.age, row.gender)) for row in party]
        chosen = plan_upgrade(upper_seatmap, needs, mask)
        for row in party if chosen else ():
            if row.unit is not None:
                lower_seatmap.release(row.unit, mask)
            row.inventory, row.upgraded_from = upper, lower.travel_class
            _place(row, upper.units, chosen[row.id])
            moved.append(row)
    if moved:
        BookingPassenger.objects.bulk_update(moved, ["inventory", "upgraded_from", *QUEUE_FIELDS[2:]])
        upper.occupancy = upper_seatmap.occupied
        upper.save(update_fields=["occupancy", "updated_at"])
    return moved


def prepare_chart(
    inventory_id: int, now: datetime.datetime | None = None, *, using: str | None = None
) -> ChartResult:
    """Freeze allocation for one inventory (on partition `using`; default: the pinned one):
    unpaid holds released, passengers who opted for auto-upgradation moved up a class where it has
    vacant berths, the berths they freed and every quota's unsold berths given to the queues in
    order, tickets still entirely waitlisted cancelled with a full refund. Both classes of a train
    are on the train's partition: one transaction there."""
    now = now or timezone.now()
    using = using or partitions.current()
    with partitions.pinned(using):
        return _prepare_chart(inventory_id, now, using)


def _prepare_chart(inventory_id: int, now: datetime.datetime, using: str) -> ChartResult:
    upper_id = _upgrade_target(inventory_id, now)
    with transaction.atomic(using=using):
        # Two inventories are locked in one fixed order, ascending id (one SELECT ... ORDER BY id FOR
        # UPDATE), and every other path locks one inventory only: no two paths wait on each other.
        ids = [inventory_id] if upper_id is None else [inventory_id, upper_id]
        locked = {
            row.pk: row
            for row in Inventory.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
        }
        inventory = locked[inventory_id]
        result = ChartResult(inventory)
        if inventory.chart_prepared_at is not None:
            return result
        seatmap = seat_map(inventory)
        result.expired_holds = len(release_expired_holds(inventory, seatmap, now, everything=True))
        if upper_id is not None:
            result.upgraded = _auto_upgrade(inventory, seatmap, locked[upper_id])
        reorganise_queues(inventory, seatmap, charting=True)
        inventory.chart_prepared_at = now
        _save_inventory(inventory, seatmap)
        waitlisted = (
            Booking.objects.filter(inventory=inventory, status=Booking.Status.BOOKED)
            .exclude(passengers__status__in=[P.CONFIRMED, P.RAC])
            .filter(passengers__status=P.WAITLIST)
            .distinct()
        )
        for booking in waitlisted:
            cancel_booking(
                booking=booking,
                user=None,
                now=now,
                full_refund=True,
                reason="Waitlisted at chart preparation",
            )
            result.cancelled_bookings.append(booking.pnr)
        events.chart_prepared.send(sender=Inventory, inventory_id=inventory.pk, using=using)
    return result


def charts_due(now: datetime.datetime | None = None, *, using: str | None = None) -> QuerySet[Inventory, int]:
    """The ids of partition `using`'s inventories (default: the pinned one) whose chart is due."""
    now = now or timezone.now()
    return (
        Inventory.objects.using(using or partitions.current())
        .filter(chart_prepared_at__isnull=True, chart_due_at__lte=now)
        .values_list("id", flat=True)
    )
