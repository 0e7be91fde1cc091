"""Seat inventory, bookings, passengers, coach compositions and refund rules.

One Inventory row per (train, journey date, class) holds the compact occupancy of every unit
(berth or RAC slot: see coach_layouts.units) as a list of leg bitmasks, plus the queue lengths.
Every change to the bookings of that train, date and class locks that row first
(`select_for_update`), so a booking is one locked read and a few writes. Passengers also record
their coach, berth and stop sequences, so double selling can be checked from rows alone.
"""

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timetable.models import TRAVEL_CLASSES, Station, Train

from . import coach_layouts
from .booking_rules import QUOTAS
from .quotas import GENERAL, LADIES, SENIOR, TATKAL, QuotaShares, default_shares

QUOTA_CHOICES = list(QUOTAS.items())
# What a passenger of an unpaid hold is shown instead of CNF / RAC / WL (BookingPassenger.shown_status).
UNPAID_HOLD = _("Not confirmed: awaiting payment")
UNPAID_HOLD_LAPSED = _("Not confirmed: not paid in time")


class CoachComposition(models.Model):
    """Overrides how many coaches of a class a train carries (default: coach_layouts.COMPOSITIONS).

    Read when a train's inventory for a date is first created; existing inventories keep theirs.
    """

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="+")
    travel_class = models.CharField(max_length=2, choices=TRAVEL_CLASSES)
    coaches = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["train", "travel_class"], name="composition_train_class_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.train_id} {self.travel_class} x{self.coaches}"


class QuotaShare(models.Model):
    """Berths earmarked per quota in a class (default: quotas.DEFAULT_SHARES; a migration seeds one row
    per class). Copied into an inventory when it is created: an edit applies to inventories created
    afterwards and never moves a berth of an existing one."""

    travel_class = models.CharField(max_length=2, choices=TRAVEL_CLASSES, unique=True)
    tatkal = models.PositiveSmallIntegerField("Tatkal berths per coach", default=0)
    premium_tatkal = models.PositiveSmallIntegerField("Premium Tatkal berths per coach", default=0)
    senior_lower = models.PositiveSmallIntegerField("lower berth quota (SS) per coach", default=0)
    ladies = models.PositiveSmallIntegerField("Ladies berths per train", default=0)

    def __str__(self) -> str:
        return f"{self.travel_class} quotas"

    def clean(self) -> None:
        layout = coach_layouts.LAYOUTS.get(self.travel_class)
        if layout is None:
            return
        saleable = layout.size - len(layout.rac_berth_numbers())
        if self.tatkal + self.premium_tatkal + self.senior_lower > saleable:
            raise ValidationError(
                f"A {self.travel_class} coach has {saleable} berths outside RAC: the shares exceed it."
            )
        lower = sum(1 for kind in layout.berth_types() if kind == "LB")
        if self.senior_lower > lower:
            raise ValidationError({"senior_lower": f"A {self.travel_class} coach has {lower} lower berths."})

    @property
    def shares(self) -> QuotaShares:
        return QuotaShares(self.tatkal, self.premium_tatkal, self.senior_lower, self.ladies)


class TrainPartition(models.Model):
    """Which primary holds a train's inventories, queue, bookings and payments (booking/partitions.py).

    Global (on "default" only). Written the first time the train is booked, or set here by hand
    before that; never changed by the site afterwards: the train's rows are on that partition."""

    train = models.OneToOneField(Train, on_delete=models.CASCADE, primary_key=True, related_name="+")
    database = models.CharField(max_length=40, help_text="A DATABASE_PARTITIONS alias.")

    def __str__(self) -> str:
        return f"{self.train_id} on {self.database}"


# Partitioned rows (booking/partitions.py) refer to global ones (users, trains, stations) by id: no
# foreign-key constraint can cross databases, so none is declared (db_constraint=False) on any of
# them, and no query joins them on a partition other than "default".


class Inventory(models.Model):
    train = models.ForeignKey(Train, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    journey_date = models.DateField(help_text="The date the train leaves its first station.")
    travel_class = models.CharField(max_length=2, choices=TRAVEL_CLASSES)
    coach_count = models.PositiveSmallIntegerField()
    legs = models.PositiveSmallIntegerField()
    departs_at = models.DateTimeField(help_text="Departure from the first station.")
    chart_due_at = models.DateTimeField(db_index=True)
    chart_prepared_at = models.DateTimeField(null=True, blank=True)
    # The quota shares (quotas.QuotaShares.as_json) this inventory was created with. The columns this
    # issue added have database defaults too, so rows inserted by plain SQL (test data) stay valid.
    quota_shares = models.JSONField(default=dict, db_default={})
    # Leg bitmask per unit, in coach_layouts.units(travel_class, coach_count, shares) order.
    occupancy = models.JSONField(default=list)
    rac_count = models.PositiveIntegerField(default=0)
    gnwl_count = models.PositiveIntegerField(default=0)
    tqwl_count = models.PositiveIntegerField(default=0)
    ldwl_count = models.PositiveIntegerField(default=0, db_default=0)
    sswl_count = models.PositiveIntegerField(default=0, db_default=0)
    # The earliest expiry among unpaid holds: the next booking releases expired holds first.
    earliest_hold_expiry = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "inventories"
        constraints = [
            models.UniqueConstraint(fields=["train", "journey_date", "travel_class"], name="inventory_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.train_id} {self.journey_date} {self.travel_class}"

    @property
    def shares(self) -> QuotaShares:
        if not self.quota_shares:
            return default_shares(self.travel_class)
        return QuotaShares.from_json(self.quota_shares)

    @property
    def units(self) -> tuple[coach_layouts.Unit, ...]:
        return coach_layouts.units(self.travel_class, self.coach_count, self.shares)

    @property
    def capacity(self) -> dict[str, int]:
        return coach_layouts.capacity(self.travel_class, self.coach_count, self.shares)

    def wl_count(self, quota: str) -> int:
        return int(getattr(self, WL_COUNT_FIELDS[quota]))

    def set_wl_count(self, quota: str, value: int) -> None:
        setattr(self, WL_COUNT_FIELDS[quota], value)

    @property
    def waitlisted(self) -> int:
        """Waitlisted passengers over all quotas: what the class's waitlist cap counts."""
        return sum(self.wl_count(quota) for quota in WL_COUNT_FIELDS)


# Each waitlisted quota's counter (quotas.WAITLISTED_QUOTAS; Premium Tatkal has no waitlist).
WL_COUNT_FIELDS = {GENERAL: "gnwl_count", TATKAL: "tqwl_count", LADIES: "ldwl_count", SENIOR: "sswl_count"}


class Booking(models.Model):
    class Status(models.TextChoices):
        HELD = "HELD", _("Awaiting payment")
        BOOKED = "BOOKED", _("Booked")
        CANCELLED = "CANCELLED", _("Cancelled")
        EXPIRED = "EXPIRED", _("Expired (not paid)")

    pnr = models.CharField("PNR", max_length=10, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings", db_constraint=False
    )
    inventory = models.ForeignKey(Inventory, on_delete=models.PROTECT, related_name="bookings")
    train = models.ForeignKey(Train, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    journey_date = models.DateField(help_text="The date the train leaves its first station.")
    travel_class = models.CharField(max_length=2, choices=TRAVEL_CLASSES)
    quota = models.CharField(max_length=2, choices=QUOTA_CHOICES, default="GN")
    board_station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    alight_station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    board_sequence = models.PositiveSmallIntegerField()
    alight_sequence = models.PositiveSmallIntegerField()
    departs_at = models.DateTimeField(help_text="Departure from the boarding station.")
    arrives_at = models.DateTimeField()
    distance_km = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    # The fares of the passengers charged (or to be charged): those cancelled before payment are not.
    fare_total = models.DecimalField(max_digits=10, decimal_places=2)
    fare_breakdown = models.JSONField(default=dict)
    refunded_amount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    # NULL rather than "": the unique (user, key) constraint below applies only to bookings with a key.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    request_hash = models.CharField(max_length=64, blank=True)
    # The passenger's options on the form: book only if every berth is confirmed; consider for
    # auto-upgradation at chart preparation (reservations.prepare_chart).
    only_if_confirmed = models.BooleanField(default=False, db_default=False)
    auto_upgrade = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="booking_user_idempotency_uniq",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="booking_user_recent_idx"),
            models.Index(fields=["inventory", "status", "hold_expires_at"], name="booking_hold_idx"),
            models.Index(fields=["journey_date"], name="booking_journey_date_idx"),
            models.Index(fields=["status", "-id"], name="booking_status_idx"),
            # The passenger dashboard's queries (owned by dashboard/: see dashboard/journeys.py and
            # dashboard/travel_stats.py, each query names the index it uses; EXPLAIN-checked by
            # tests/test_dashboard_query_plans.py and benchmarks/bench_dashboard.py).
            models.Index(
                fields=["user", "departs_at", "id"],
                condition=models.Q(status__in=["HELD", "BOOKED"]),
                name="booking_dash_upcoming_idx",
            ),
            models.Index(fields=["user", "departs_at", "id", "status"], name="booking_dash_history_idx"),
            models.Index(
                fields=["user", "status"],
                name="booking_dash_summary_idx",
                include=[
                    "departs_at",
                    "paid_at",
                    "fare_total",
                    "refunded_amount",
                    "distance_km",
                    "board_station",
                    "alight_station",
                ],
            ),
        ]

    def __str__(self) -> str:
        return self.pnr

    def get_absolute_url(self) -> str:
        return reverse("booking:eticket", args=[self.pnr])

    # The interface payments.services uses to settle a payment for this booking.
    def payment_due(self, now: datetime.datetime) -> bool:
        """Can a payment for this booking succeed now?"""
        return (
            self.status == self.Status.HELD
            and self.hold_expires_at is not None
            and now < self.hold_expires_at
        )

    @property
    def amount_due(self) -> Decimal:
        """What a payment for this booking must be for: the fares of its passengers not cancelled
        before payment (reservations.cancel_booking lowers it)."""
        return self.fare_total

    def mark_paid(self, now: datetime.datetime) -> None:
        self.status = self.Status.BOOKED
        self.paid_at = now
        self.hold_expires_at = None
        self.save(update_fields=["status", "paid_at", "hold_expires_at"])

    @property
    def is_held(self) -> bool:
        return self.status == self.Status.HELD

    @property
    def shown_status(self) -> str:
        """The booking's status as every passenger page shows it, derived here only: a hold whose
        time to pay has passed reads as expired before the sweeper (reservations.expire_holds) marks
        it so. Each passenger's line is BookingPassenger.shown_status."""
        if self.is_held and not self.payment_due(timezone.now()):
            return str(self.Status.EXPIRED.label)
        return str(self.get_status_display())

    @property
    def quota_name(self) -> str:
        return str(QUOTAS.get(self.quota, self.quota))  # in the active language


class QueuedBookingRequest(models.Model):
    """A booking request waiting for its inventory's writer (booking/admission.py), then its outcome.

    The queue's only durable copy: a request is written here before any allocation starts, and the
    writer decides it (ALLOCATED with its booking, or REFUSED with the answer the API gives) in the
    same transaction that writes the booking, so a writer that dies mid-batch leaves it QUEUED.
    """

    class Status(models.TextChoices):
        QUEUED = "QUEUED", "Waiting"
        ALLOCATED = "ALLOCATED", "Allocated"
        REFUSED = "REFUSED", "Refused"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="+")
    # The request as the API's JSON shape (booking_requests.parse_booking_request reads it back).
    payload = models.JSONField()
    # NULL rather than "": the unique (user, key) constraint below applies only to requests with a key.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    request_hash = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    booking = models.OneToOneField(
        Booking, on_delete=models.CASCADE, null=True, blank=True, related_name="queued_request"
    )
    # A refusal: {"status": HTTP status, "field": ..., "code": its wording's code, "params": {...},
    # "error": message (as worded when decided: answered only for a refusal without a code),
    # "outcome": "REGRET" or null, "details": what the outcome carries besides (FARE_CHANGED:
    # {"fare": ...}) or null}. Worded at answer time in the asker's language (booking_rules).
    refusal = models.JSONField(null=True, blank=True)
    # Arrival: the rules (Tatkal opening, horizon, hold windows) are judged at this instant.
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="queued_request_idempotency_uniq",
            ),
        ]
        indexes = [
            # The writer's FIFO scan and the queue position: waiting requests of one inventory by id.
            models.Index(
                fields=["inventory", "id"],
                condition=models.Q(status="QUEUED"),
                name="queued_request_waiting_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"request {self.pk} {self.status}"


class BookingPassenger(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "CNF", _("Confirmed")
        RAC = "RAC", "RAC"
        WAITLIST = "WL", _("Waitlisted")
        NO_BERTH = "NOSB", _("No berth (child)")
        CANCELLED = "CAN", _("Cancelled")

    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")
        TRANSGENDER = "T", _("Transgender")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="passengers")
    # Copied from the booking so queues and double-selling checks need no join.
    inventory = models.ForeignKey(Inventory, on_delete=models.PROTECT, related_name="+")
    quota = models.CharField(max_length=2, choices=QUOTA_CHOICES, default="GN")
    board_sequence = models.PositiveSmallIntegerField()
    alight_sequence = models.PositiveSmallIntegerField()
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=40)
    age = models.PositiveSmallIntegerField()
    gender = models.CharField(max_length=1, choices=Gender.choices)
    berth_preference = models.CharField(max_length=2, blank=True)
    no_berth = models.BooleanField(default=False)
    fare = models.DecimalField(max_digits=10, decimal_places=2)
    status = models.CharField(max_length=4, choices=Status.choices)
    # RAC or waitlist number, kept contiguous from 1 per queue.
    number = models.PositiveIntegerField(null=True, blank=True)
    # The unit held (confirmed berth or RAC slot), its coach and berth.
    unit = models.PositiveIntegerField(null=True, blank=True)
    coach = models.CharField(max_length=4, blank=True)
    berth_number = models.PositiveSmallIntegerField(null=True, blank=True)
    berth_type = models.CharField(max_length=2, blank=True)
    booking_status = models.CharField(max_length=20, help_text="Status when booked, e.g. GNWL 12.")
    cancelled_status = models.CharField(max_length=4, blank=True)
    cancellation_charge = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    refund_amount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The class booked, when auto-upgradation moved the passenger up (inventory is then the higher one).
    upgraded_from = models.CharField(max_length=2, blank=True, choices=TRAVEL_CLASSES, db_default="")

    class Meta:
        ordering = ["booking", "position"]
        indexes = [
            models.Index(fields=["inventory", "status", "quota", "number"], name="passenger_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} #{self.position} {self.current_status}"

    @property
    def current_status(self) -> str:
        """As a PNR enquiry shows it: CNF B3/45/LB, RAC 4, GNWL 12, NOSB, CAN."""
        return status_text(
            self.status, self.quota, self.number, self.coach, self.berth_number, self.berth_type
        )

    @property
    def shown_status(self) -> str:
        """current_status as passenger-facing pages show it (PNR enquiry, e-ticket, dashboard): a berth
        held for an unpaid booking is not a confirmed ticket until the payment succeeds."""
        return self._unpaid_label() or self.current_status

    @property
    def shown_booking_status(self) -> str:
        return self._unpaid_label() or self.booking_status

    def _unpaid_label(self) -> str | None:
        if self.status == self.Status.CANCELLED or not self.booking.is_held:
            return None
        return str(UNPAID_HOLD if self.booking.payment_due(timezone.now()) else UNPAID_HOLD_LAPSED)

    @property
    def needs_berth(self) -> bool:
        return not self.no_berth


def status_text(
    status: str,
    quota: str,
    number: int | None = None,
    coach: str = "",
    berth: int | None = None,
    berth_type: str = "",
) -> str:
    if status == "CNF":
        return f"CNF {coach}/{berth}/{berth_type}"
    if status == "RAC":
        return f"RAC {number}"
    if status == "WL":
        return f"{quota}WL {number}"
    return status


class RefundRule(models.Model):
    """One line of a cancellation rule set (data: the rules change often; edit them in the admin).

    For a passenger being cancelled, the rules of the active set (settings.REFUND_RULESET) that
    match the passenger's status, quota and class and the time left are candidates; the most
    specific one (quota, then class given) wins. The charge is the larger of `flat_charge` and
    `percent_charge` of the passenger's fare, at most the fare; the rest is refunded.
    """

    class AppliesTo(models.TextChoices):
        CONFIRMED = "CNF", _("Confirmed")
        RAC_WAITLIST = "RACWL", "RAC or waitlisted"

    ruleset = models.CharField(max_length=20, default="2015", db_index=True)
    applies_to = models.CharField(max_length=5, choices=AppliesTo.choices)
    quota = models.CharField(max_length=2, blank=True, choices=QUOTA_CHOICES, help_text="Blank: any quota.")
    travel_class = models.CharField(
        max_length=2, blank=True, choices=TRAVEL_CLASSES, help_text="Blank: any class."
    )
    after_chart = models.BooleanField(
        default=False, help_text="Applies once the chart is prepared (hours ignored)."
    )
    min_hours_before = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
        help_text="Applies when more than this many hours are left before departure...",
    )
    max_hours_before = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="...and at most this many. Blank: no limit.",
    )
    flat_charge = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    percent_charge = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["ruleset", "applies_to", "after_chart", "-min_hours_before", "quota", "travel_class"]

    def __str__(self) -> str:
        return f"{self.ruleset} {self.applies_to} {self.quota or '*'} {self.travel_class or '*'}: {self.note}"


PNR_LENGTH = 10
PNR_DIGITS = re.compile(r"[0-9]{10}")


def with_pnr(bookings: models.QuerySet[Booking], pnr: str) -> models.QuerySet[Booking]:
    """`bookings` narrowed to the one with PNR `pnr` (its first 10 characters, as the pages have always
    read it). A PNR is 10 ASCII digits: anything else matches nothing without asking the database,
    which refuses some characters (NUL) in a comparison."""
    candidate = pnr[:PNR_LENGTH]
    if not PNR_DIGITS.fullmatch(candidate):
        return bookings.none()
    return bookings.filter(pnr=candidate)
