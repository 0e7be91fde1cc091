"""The passengers page's form: rows of passengers, read with a Django formset.

The fields are named as the page has always named them, p-<row>-name, -age, -gender,
-berth_preference, -no_berth and -pregnant (the saved-passengers picker fills them by those names). The row
count is not a hidden management field but the rows the browser sent: the page works without
JavaScript, and a row the passenger filled beyond the quota's limit is read, so the rules refuse
it with a message rather than drop it silently. The form only reads: every rule (how many
passengers, who may travel without a berth, the same passenger twice) is checked once, by
booking_requests.parse_booking_request, on the dicts `passengers` returns.
"""

import re
from typing import Any

from django import forms
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT
from django.http import QueryDict
from django.utils.translation import gettext as _

from .booking_rules import RuleError

PREFIX = "p"
MAX_ROWS = 1000  # the page has 4 or 6 rows; a 1,000th is far beyond any quota and caps the work
POSTED_ROW = re.compile(rf"{PREFIX}-(\d{{1,3}})-(?:name|age)", re.ASCII)


class PassengerForm(forms.Form):
    name = forms.CharField(required=False)
    age = forms.CharField(required=False)
    gender = forms.CharField(required=False, strip=False)
    berth_preference = forms.CharField(required=False, strip=False)
    no_berth = forms.BooleanField(required=False)
    # Pregnant women may book the senior citizen / lower berth quota (SS) and get lower berths first.
    pregnant = forms.BooleanField(required=False)

    def passenger(self) -> dict[str, Any] | None:
        """The row as a booking request's passenger, or None for a row left empty."""
        data = self.cleaned_data  # {} for a row the browser sent untouched (empty_permitted)
        if not data.get("name") and not data.get("age"):
            return None
        age = data["age"]
        return {
            "name": data["name"],
            "age": int(age) if age.isdecimal() else age,  # isdigit() also takes "²", which int() refuses
            "gender": data["gender"],
            "berth_preference": data["berth_preference"],
            "no_berth": data["no_berth"],
            "pregnant": data["pregnant"],
        }


PassengerFormSet = forms.formset_factory(PassengerForm, extra=0, max_num=MAX_ROWS, absolute_max=MAX_ROWS)


def posted_passengers(post: QueryDict) -> list[dict[str, Any]]:
    """Every passenger row the form sent, in order, or RuleError naming a row the form cannot read."""
    rows = [int(match[1]) for key in post if (match := POSTED_ROW.fullmatch(key))]
    data = post.copy()
    data[f"{PREFIX}-{TOTAL_FORM_COUNT}"] = str(max(rows, default=-1) + 1)
    data[f"{PREFIX}-{INITIAL_FORM_COUNT}"] = "0"
    formset = PassengerFormSet(data, prefix=PREFIX)
    for index, form in enumerate(formset):
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            raise RuleError(
                f"passengers[{index}].{field}",
                _("Passenger %(number)d: %(rule)s") % {"number": index + 1, "rule": errors[0]},
            )
    return [passenger for form in formset if (passenger := form.passenger()) is not None]
