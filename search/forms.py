"""Validation of a search request, shared by the search page and the JSON API."""

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from timetable.journeys import booking_window, parse_journey_date
from timetable.models import CLASS_CODES, Train

from .places import Place, PlaceError, resolve_place
from .train_search import DEPARTURE_BANDS, SORT_ORDERS, ResultOptions


class JourneyDateField(forms.DateField):
    """A date field that takes YYYY-MM-DD only (strptime's %m and %d also take 1-digit numbers)."""

    def strptime(self, value: str, format: str) -> datetime.date:
        date = parse_journey_date(value)
        if date is None:
            raise ValueError(value)
        return date


class SearchForm(forms.Form):
    date = JourneyDateField(
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": _("Choose a journey date."),
            "invalid": _("Give the date as YYYY-MM-DD."),
        },
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    travel_class = forms.ChoiceField(
        required=False, choices=[("", _("Any class")), *[(code, code) for code in CLASS_CODES]]
    )
    band = forms.ChoiceField(
        required=False,
        choices=[("", _("Any time")), *[(key, label) for key, (label, _, _) in DEPARTURE_BANDS.items()]],
    )
    train_type = forms.ChoiceField(required=False, choices=[("", _("Any train")), *Train.Type.choices])
    sort = forms.ChoiceField(required=False, choices=list(SORT_ORDERS.items()))

    # "from" is a Python keyword, so the two place fields are added by name.
    # Form's own arguments, passed through as they are.
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in (("from", _("From")), ("to", _("To"))):
            self.fields[name] = forms.CharField(
                label=label,
                max_length=settings.SEARCH_MAX_QUERY_LENGTH,
                error_messages={
                    "required": format_lazy(
                        _("{label}: enter a station code, station name or city."), label=label
                    )
                },
            )
        self.order_fields(["from", "to", "date"])

    def _clean_place(self, name: str) -> Place:
        try:
            return resolve_place(self.cleaned_data[name], str(self.fields[name].label))
        except PlaceError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_from(self) -> Place:
        return self._clean_place("from")

    def clean_to(self) -> Place:
        return self._clean_place("to")

    def clean_date(self) -> datetime.date:
        date: datetime.date = self.cleaned_data["date"]
        first, last = booking_window()
        if date < first:
            raise forms.ValidationError("That date has passed: choose today or a later date.")
        if date > last:
            raise forms.ValidationError(
                f"Tickets open {settings.BOOKING_HORIZON_DAYS} days ahead: "
                f"choose a date up to {last:%d %b %Y}."
            )
        return date

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns
        origin, destination = data.get("from"), data.get("to")
        if origin and destination and set(origin.ids) & set(destination.ids):
            self.add_error("to", "From and To are the same place: choose a different destination.")
        return data

    def result_options(self) -> ResultOptions:
        data = self.cleaned_data
        return ResultOptions(
            travel_class=data.get("travel_class") or "",
            band=data.get("band") or "",
            train_type=data.get("train_type") or "",
            sort=data.get("sort") or "departure",
        )

    def first_error(self) -> tuple[str, str]:
        """(field, message) of the first problem, for the JSON API."""
        field, messages = next(iter(self.errors.items()))
        return field, str(messages[0])  # a message, or a lazy translation of one
