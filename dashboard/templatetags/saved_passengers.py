"""Saved passengers in the booking passenger form (booking/templates/booking/passengers.html).

Two tags, so the booking view needs no change:

    {% load saved_passengers %}
    {% saved_passenger_picker %}                  {# before the booking <form>: a GET form #}
    {% saved_passenger_rows rows as rows %}       {# before the rows loop #}

`saved_passenger_picker` renders dashboard/_saved_passenger_picker.html: the signed-in passenger's
saved passengers as checkboxes in a small GET form ("Fill in"), and loads
static/js/components/saved-passengers.js, which fills a row as soon as a box is ticked (and clears
it when unticked). Without JavaScript, "Fill in" reloads the page with `?saved=<id>&saved=<id>`;
`saved_passenger_rows` then fills the form's empty rows, in the order ticked, from those saved
passengers (only the signed-in passenger's own: other ids are ignored). Rows already holding
typed or posted data are never overwritten. Rows are the booking view's `(index, dict)` pairs.
The form starts with one row, so chosen passengers beyond the empty rows get new rows (up to the
view's `max_rows`). One query per page (the list is read once per request).
"""

from django import template

from ..models import SavedPassenger

register = template.Library()


def _saved(request):
    if request is None or not request.user.is_authenticated:
        return []
    cached = getattr(request, "_saved_passengers", None)
    if cached is None:
        cached = list(SavedPassenger.objects.filter(user=request.user))
        request._saved_passengers = cached
    return cached


def _chosen_ids(request):
    # isdecimal(), not isdigit(): "²" is a digit that int() refuses (a 500).
    return [int(value) for value in request.GET.getlist("saved") if value.isdecimal()]


@register.inclusion_tag("dashboard/_saved_passenger_picker.html", takes_context=True)
def saved_passenger_picker(context):
    request = context.get("request")
    passengers = _saved(request)
    chosen = set(_chosen_ids(request)) if request is not None else set()
    data = context.get("data") or {}
    return {
        "passengers": passengers,
        "chosen": chosen,
        "quota": data.get("quota", ""),
        "request": request,
        "signed_in": bool(request and request.user.is_authenticated),
    }


@register.simple_tag(takes_context=True)
def saved_passenger_rows(context, rows):
    request = context.get("request")
    if request is None or request.method != "GET" or not request.GET.getlist("saved"):
        return rows
    by_id = {passenger.pk: passenger for passenger in _saved(request)}
    chosen = [by_id[pk] for pk in dict.fromkeys(_chosen_ids(request)) if pk in by_id]
    filled = []
    for index, row in rows:
        if chosen and not any(row.get(key) for key in ("name", "age")):
            row = {**row, **chosen.pop(0).as_booking_row()}
        filled.append((index, row))
    # The form starts with one row: the saved passengers left over get rows of their own, up to the
    # quota's limit (the view's `max_rows`).
    limit = context.get("max_rows", len(filled))
    while chosen and len(filled) < limit:
        filled.append((len(filled), chosen.pop(0).as_booking_row()))
    return filled
