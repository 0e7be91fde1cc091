"""Admin for the timetable, built to stay fast with the full network (9,000 stations, 60,000+ stops).

Foreign keys use autocomplete widgets instead of <select>s of every station, list pages select
their related rows in the same query, and every change bumps the timetable version so cached
searches never outlive an edit.
"""

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest

from .models import Station, Stop, Train
from .version import bump_timetable_version


class TimetableAdmin[ModelT: Model](admin.ModelAdmin[ModelT]):
    """Every change through the admin bumps the timetable version (cached searches go stale)."""

    def save_model(self, request: HttpRequest, obj: ModelT, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        bump_timetable_version()

    def delete_model(self, request: HttpRequest, obj: ModelT) -> None:
        super().delete_model(request, obj)
        bump_timetable_version()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ModelT]) -> None:
        super().delete_queryset(request, queryset)
        bump_timetable_version()

    def save_related(
        self, request: HttpRequest, form: ModelForm[ModelT], formsets: list[BaseFormSet[Any]], change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        bump_timetable_version()


@admin.register(Station)
class StationAdmin(TimetableAdmin[Station]):
    list_display = ["code", "name", "city", "state", "zone", "train_count"]
    search_fields = ["code", "name", "city"]
    list_filter = ["zone"]
    ordering = ["code"]
    readonly_fields = ["train_count"]
    show_full_result_count = False


class StopInline(admin.TabularInline[Stop, Train]):
    model = Stop
    fields = ["sequence", "station", "arrival_minute", "departure_minute", "distance_km"]
    autocomplete_fields = ["station"]
    ordering = ["sequence"]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Stop]:
        return super().get_queryset(request).select_related("station")


@admin.register(Train)
class TrainAdmin(TimetableAdmin[Train]):
    list_display = [
        "number",
        "name",
        "train_type",
        "origin",
        "destination",
        "running_days_display",
        "classes",
    ]
    list_select_related = ["origin", "destination"]
    list_filter = ["train_type"]
    search_fields = ["number", "name"]
    autocomplete_fields = ["origin", "destination"]
    inlines = [StopInline]
    show_full_result_count = False


@admin.register(Stop)
class StopAdmin(TimetableAdmin[Stop]):
    list_display = ["train", "sequence", "station", "arrival_minute", "departure_minute", "distance_km"]
    list_select_related = ["train", "station"]
    search_fields = ["train__number", "station__code"]
    autocomplete_fields = ["train", "station"]
    show_full_result_count = False
