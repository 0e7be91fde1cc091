from django.contrib import admin

from railconnect.admin_tables import PartitionedAdmin

from .models import Payment, Refund


@admin.register(Payment)
class PaymentAdmin(PartitionedAdmin[Payment]):
    list_display = ["token", "booking", "user", "amount", "state", "gateway", "refunded_amount", "created_at"]
    list_select_related = ["booking", "user"]
    list_filter = ["state", "gateway"]
    search_fields = ["=token", "=booking__pnr", "=gateway_reference"]
    ordering = ["-id"]
    raw_id_fields = ["booking", "user"]
    readonly_fields = ["token", "state", "amount", "gateway_reference", "refunded_amount", "settled_at"]


@admin.register(Refund)
class RefundAdmin(PartitionedAdmin[Refund]):
    list_display = ["payment", "amount", "reason", "created_at"]
    list_select_related = ["payment"]
    search_fields = ["=payment__booking__pnr"]
    ordering = ["-id"]
    raw_id_fields = ["payment"]
