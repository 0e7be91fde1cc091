"""What search warms (`warm_cache`, caching/warming.py), through the code paths a search takes:

- popular routes: the station pairs most booked recently (as ranked by booking), topped up from
  the timetable's most served origin-destination pairs, each also between the two cities;
- the station list behind the autocomplete (its stations and "all stations" cities): every one-
  and two-letter prefix of the busiest stations' codes, names and cities.
"""

from django.db.models import Count

from caching.warming import Warmer, most_popular, register, topped_up
from timetable.models import Station, Train

from .places import PlaceError, resolve_place
from .station_suggestions import suggest_places
from .train_search import services_between


def popular_routes(limit: int, days: int = 14) -> list[tuple[str, str]]:
    """Up to `limit` (board code, alight code) pairs, most popular first."""
    served = (
        Train.objects.values_list("origin__code", "destination__code")
        .annotate(n=Count("id"))
        .order_by("-n", "origin__code", "destination__code")
        .values_list("origin__code", "destination__code")[: limit * 2]
    )
    return topped_up(most_popular("routes", limit, days), list(served), limit)


def suggestion_prefixes(limit: int) -> list[str]:
    prefixes: set[str] = set()
    for code, name, city in Station.objects.order_by("-train_count").values_list("code", "name", "city")[
        :limit
    ]:
        for text in (code, name, city):
            for length in (1, 2):
                if len(text) >= length:
                    prefixes.add(text[:length].lower())
    return sorted(prefixes)


def warm_route(origin_code: str, destination_code: str) -> int:
    """Warm a station pair and the pair of their cities; returns how many searches were cached."""
    warmed = 0
    for origin_text, destination_text in _route_texts(origin_code, destination_code):
        try:
            origin, destination = resolve_place(origin_text), resolve_place(destination_text)
        except PlaceError:
            continue
        if not set(origin.ids) & set(destination.ids):
            services_between(origin.ids, destination.ids)
            warmed += 1
    return warmed


def _route_texts(origin_code: str, destination_code: str) -> list[tuple[str, str]]:
    cities = dict(
        Station.objects.filter(code__in=[origin_code, destination_code]).values_list("code", "city")
    )
    pairs = [(origin_code, destination_code)]
    if cities.get(origin_code) and cities.get(destination_code):
        pairs.append((cities[origin_code], cities[destination_code]))
    return pairs


def register_warmers() -> None:
    register(
        Warmer(
            "routes",
            200,
            "popular routes to warm",
            lambda limit: [(warm_route, route) for route in popular_routes(limit)],
        )
    )
    register(
        Warmer(
            "stations",
            200,
            "busiest stations whose prefixes to warm",
            lambda limit: [(suggest_places, (prefix,)) for prefix in suggestion_prefixes(limit)],
        )
    )
