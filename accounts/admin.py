from django.contrib import admin

from .models import Account


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin[Account]):
    """Where staff make an account an authorised agent (refused Tatkal in the first 30 minutes:
    booking/tatkal_rules.py) and see whether its mobile number is verified."""

    list_display = ("user", "kind", "mobile", "mobile_verified_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "user__email", "mobile")
    raw_id_fields = ("user",)
    readonly_fields = ("mobile_verified_at",)
