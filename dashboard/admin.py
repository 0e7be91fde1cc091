from django.contrib import admin

from .models import SavedPassenger


@admin.register(SavedPassenger)
class SavedPassengerAdmin(admin.ModelAdmin):
    list_display = ["name", "age", "gender", "berth_preference", "user", "updated_at"]
    search_fields = ["name", "user__username", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
