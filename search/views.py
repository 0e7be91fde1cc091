import datetime
from collections.abc import Mapping
from typing import TypedDict

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from caching.page_cache import public_page_cache
from promotions.models import Picture
from railconnect.http_caching import public_page
from railconnect.json_errors import json_error
from timetable.journeys import booking_window
from timetable.version import timetable_version

from .forms import SearchForm
from .places import PlaceError, city_around, clean_place_text
from .station_suggestions import suggest_places
from .train_search import DEPARTURE_BANDS, SORT_ORDERS, Journey, find_journeys


@require_safe
@public_page
@public_page_cache(version=timetable_version)
def home(request: HttpRequest) -> HttpResponse:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    initial = {"date": tomorrow.isoformat()}
    # Links (destination pictures) may prefill the places: /?from=Mumbai&to=Madgaon
    for name in ("from", "to"):
        if value := request.GET.get(name, "").strip()[: settings.SEARCH_MAX_QUERY_LENGTH]:
            initial[name] = value
    form = SearchForm(initial=initial)
    pictures = list(Picture.objects.live())
    context = {
        "form": form,
        "banner": next((picture for picture in pictures if picture.kind == Picture.Kind.BANNER), None),
        "destinations": [picture for picture in pictures if picture.kind == Picture.Kind.DESTINATION][:4],
    }
    return render(request, "search/home.html", context)


def _invalid_search(form: SearchForm) -> HttpResponse:
    """A lazy fragment asked with a search the form refuses: 400, and why, in the page's language."""
    reasons = " ".join(str(error) for errors in form.errors.values() for error in errors)
    return HttpResponseBadRequest(
        _("This search is not valid: %(reasons)s") % {"reasons": reasons},
        content_type="text/plain; charset=utf-8",
    )


def nearby_dates(date: datetime.date, span: int = 3) -> list[datetime.date]:
    """Up to 2 * span + 1 dates around `date`, inside the booking window."""
    first, last = booking_window()
    start = max(first, date - datetime.timedelta(days=span))
    end = min(last, start + datetime.timedelta(days=2 * span))
    start = max(first, end - datetime.timedelta(days=2 * span))
    return [start + datetime.timedelta(days=offset) for offset in range((end - start).days + 1)]


class DateStripDay(TypedDict):
    date: datetime.date
    iso: str
    current: bool
    count: int | None


def _date_strip(date: datetime.date, counts: Mapping[datetime.date, int] | None = None) -> list[DateStripDay]:
    return [
        {
            "date": day,
            "iso": day.isoformat(),
            "current": day == date,
            "count": None if counts is None else counts[day],
        }
        for day in (counts or nearby_dates(date))
    ]


@require_safe
@public_page
@public_page_cache(version=timetable_version)
def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    if not form.is_valid():
        return render(request, "search/results.html", {"form": form}, status=400)
    options = form.result_options()
    journeys = find_journeys(
        form.cleaned_data["from"], form.cleaned_data["to"], form.cleaned_data["date"], options
    )
    context = {
        "form": form,
        "origin": form.cleaned_data["from"],
        "destination": form.cleaned_data["to"],
        "date": form.cleaned_data["date"],
        "options": options,
        "journeys": journeys,
        "bands": DEPARTURE_BANDS,
        "sorts": SORT_ORDERS,
        # Train counts on nearby dates arrive later, as a lazy fragment (search_dates).
        "dates": _date_strip(form.cleaned_data["date"]),
    }
    return render(request, "search/results.html", context)


@require_safe
@public_page
def search_dates(request: HttpRequest) -> HttpResponse:
    """The date strip with a train count per date: the lazy fragment of the results page."""
    form = SearchForm(request.GET)
    if not form.is_valid():
        return _invalid_search(form)
    date, options = form.cleaned_data["date"], form.result_options()
    counts = {
        day: len(find_journeys(form.cleaned_data["from"], form.cleaned_data["to"], day, options))
        for day in nearby_dates(date)
    }
    return render(request, "search/results.html#date_strip", {"dates": _date_strip(date, counts)})


# How many other trains the availability page suggests when a class is waitlisted.
ALTERNATIVES_SHOWN = 5


@require_safe
@public_page
@public_page_cache(version=timetable_version)
def search_alternatives(request: HttpRequest) -> HttpResponse:
    """Other trains between the same cities on the same date in the same class (`exclude` is the
    waitlisted train): the lazy fragment of the availability page, whose stations are widened to
    their cities (a passenger waitlisted from Mumbai Central can board at Bandra Terminus). Their
    availability is booking's fragment, inside each."""
    form = SearchForm(request.GET)
    if not form.is_valid():
        return _invalid_search(form)
    origin, destination = city_around(form.cleaned_data["from"]), city_around(form.cleaned_data["to"])
    excluded = request.GET.get("exclude", "")
    journeys = [
        journey
        for journey in find_journeys(origin, destination, form.cleaned_data["date"], form.result_options())
        if journey.service.number != excluded
    ]
    context = {
        "journeys": journeys[:ALTERNATIVES_SHOWN],
        "more": len(journeys) > ALTERNATIVES_SHOWN,
        "origin": origin,
        "destination": destination,
        "date": form.cleaned_data["date"],
        "travel_class": form.cleaned_data.get("travel_class"),
    }
    return render(request, "search/alternatives.html", context)


def _journey_json(journey: Journey) -> dict[str, str | int | list[str]]:
    return {
        "number": journey.service.number,
        "name": journey.service.name,
        "type": journey.service.train_type,
        "from": journey.board.code,
        "to": journey.alight.code,
        "departs": journey.departs.isoformat(),
        "arrives": journey.arrives.isoformat(),
        "duration_minutes": journey.duration_minutes,
        "classes": list(journey.service.classes),
    }


@require_safe
@public_page
@public_page_cache(version=timetable_version)
def search_api(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    if not form.is_valid():
        field, message = form.first_error()
        return json_error(message, status=400, field=field)
    journeys = find_journeys(
        form.cleaned_data["from"], form.cleaned_data["to"], form.cleaned_data["date"], form.result_options()
    )
    return JsonResponse({"routes": [_journey_json(journey) for journey in journeys]})


@require_safe
@public_page
def stations_api(request: HttpRequest) -> HttpResponse:
    try:
        query = clean_place_text(request.GET.get("q"), "q")
    except PlaceError as error:
        return json_error(str(error), status=400, field="q")
    return JsonResponse(suggest_places(query))
