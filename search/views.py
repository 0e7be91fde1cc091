import datetime

from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from railconnect.http_caching import public_page

from .forms import SearchForm
from .places import PlaceError, clean_place_text
from .station_suggestions import suggest_stations
from .train_search import DEPARTURE_BANDS, SORT_ORDERS, find_journeys


@require_GET
@public_page
def home(request):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    form = SearchForm(initial={"date": tomorrow.isoformat()})
    return render(request, "search/home.html", {"form": form})


@require_GET
@public_page
def search_page(request):
    form = SearchForm(request.GET)
    if not form.is_valid():
        return render(request, "search/results.html", {"form": form}, status=400)
    options = form.result_options()
    journeys = find_journeys(form.cleaned_data["from"], form.cleaned_data["to"], form.cleaned_data["date"], options)
    context = {
        "form": form,
        "origin": form.cleaned_data["from"],
        "destination": form.cleaned_data["to"],
        "date": form.cleaned_data["date"],
        "options": options,
        "journeys": journeys,
        "bands": DEPARTURE_BANDS,
        "sorts": SORT_ORDERS,
    }
    return render(request, "search/results.html", context)


def _journey_json(journey):
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


def _json_error(field, message, status=400):
    return JsonResponse({"error": message, "field": field}, status=status)


@require_GET
@public_page
def search_api(request):
    form = SearchForm(request.GET)
    if not form.is_valid():
        return _json_error(*form.first_error())
    journeys = find_journeys(
        form.cleaned_data["from"], form.cleaned_data["to"], form.cleaned_data["date"], form.result_options()
    )
    return JsonResponse({"routes": [_journey_json(journey) for journey in journeys]})


@require_GET
@public_page
def stations_api(request):
    try:
        query = clean_place_text(request.GET.get("q"), "q")
    except PlaceError as error:
        return _json_error("q", str(error))
    return JsonResponse({"stations": suggest_stations(query)})
