"""Admin for bookings, inventory, compositions and refund rules: fast with a million bookings.

Lists select their related rows in the same query (no N+1), never run a full COUNT(*) over a
huge table (railconnect/admin_tables.py: CappedCountPaginator counts at most a few thousand rows, and
show_full_result_count is off), search bookings by exact PNR (the unique index), and filter by
status and journey date without a query for the filter choices.
"""

from django.contrib import admin
from django.http import HttpRequest

from railconnect.admin_tables import PartitionedAdmin

from .models import Booking, BookingPassenger, CoachComposition, Inventory, QuotaShare, RefundRule


class PassengerInline(admin.TabularInline[BookingPassenger, Booking]):
    model = BookingPassenger
    readonly_fields = [
        "position",
        "name",
        "age",
        "gender",
        "status",
        "number",
        "coach",
        "berth_number",
        "berth_type",
        "booking_status",
        "upgraded_from",
        "fare",
        "refund_amount",
    ]
    fields = tuple(readonly_fields)
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Booking | None = None) -> bool:
        return False


@admin.register(Booking)
class BookingAdmin(PartitionedAdmin[Booking]):
    list_display = [
        "pnr",
        "train",
        "journey_date",
        "travel_class",
        "quota",
        "board_station",
        "alight_station",
        "status",
        "fare_total",
        "user",
        "created_at",
    ]
    list_select_related = ["train", "board_station", "alight_station", "user"]
    list_filter = ["status", ("journey_date", admin.DateFieldListFilter), "travel_class", "quota"]
    # "=pnr": an exact match on the unique index, not a LIKE scan over a million rows.
    search_fields = ["=pnr"]
    search_help_text = "Exact 10-digit PNR"
    ordering = ["-id"]
    raw_id_fields = ["user", "inventory", "train", "board_station", "alight_station"]
    readonly_fields = ["pnr", "fare_breakdown", "request_hash", "idempotency_key", "created_at", "paid_at"]
    inlines = [PassengerInline]


@admin.register(Inventory)
class InventoryAdmin(PartitionedAdmin[Inventory]):
    list_display = [
        "train",
        "journey_date",
        "travel_class",
        "coach_count",
        "occupancy_display",
        "rac_count",
        "gnwl_count",
        "tqwl_count",
        "ldwl_count",
        "sswl_count",
        "chart_prepared_at",
    ]
    list_select_related = ["train"]
    list_filter = ["travel_class", ("journey_date", admin.DateFieldListFilter), "chart_prepared_at"]
    search_fields = ["=train__number"]
    ordering = ["-journey_date", "train_id", "travel_class"]
    raw_id_fields = ["train"]
    readonly_fields = [
        "occupancy_display",
        "occupancy_by_coach",
        "occupancy",
        "quota_shares",
        "legs",
        "coach_count",
        "departs_at",
        "chart_due_at",
        "earliest_hold_expiry",
    ]

    @admin.display(description="occupancy")
    def occupancy_display(self, obj: Inventory) -> str:
        used = sum(1 for mask in obj.occupancy if mask)
        total = len(obj.occupancy) or 1
        return f"{used}/{len(obj.occupancy)} places used ({100 * used // total}%)"

    @admin.display(description="by coach")
    def occupancy_by_coach(self, obj: Inventory) -> str:
        per_coach: dict[str, tuple[int, int]] = {}
        for unit, mask in zip(obj.units, obj.occupancy, strict=True):
            used, total = per_coach.get(unit.coach, (0, 0))
            per_coach[unit.coach] = (used + bool(mask), total + 1)
        return ", ".join(f"{coach}: {used}/{total}" for coach, (used, total) in per_coach.items())


@admin.register(CoachComposition)
class CoachCompositionAdmin(admin.ModelAdmin[CoachComposition]):
    list_display = ["train", "travel_class", "coaches"]
    list_select_related = ["train"]
    raw_id_fields = ["train"]
    search_fields = ["=train__number"]


@admin.register(QuotaShare)
class QuotaShareAdmin(admin.ModelAdmin[QuotaShare]):
    """Berths per quota in each class. An inventory copies the shares when it is created (its own
    read-only `quota_shares`): an edit here applies to trains and dates not booked yet."""

    list_display = ["travel_class", "tatkal", "premium_tatkal", "senior_lower", "ladies"]
    list_editable = ["tatkal", "premium_tatkal", "senior_lower", "ladies"]
    ordering = ["travel_class"]


@admin.register(RefundRule)
class RefundRuleAdmin(admin.ModelAdmin[RefundRule]):
    list_display = [
        "ruleset",
        "applies_to",
        "quota",
        "travel_class",
        "after_chart",
        "min_hours_before",
        "max_hours_before",
        "flat_charge",
        "percent_charge",
        "note",
    ]
    list_filter = ["ruleset", "applies_to"]
    list_editable = ["flat_charge", "percent_charge"]
