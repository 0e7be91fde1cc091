"""What `warm_cache` loads before passengers ask for it: the same code paths a request takes,
so the cache holds exactly what pages read.

- popular routes: the station pairs most booked recently, topped up from the timetable's most
  served origin-destination pairs, each also between the two cities;
- the station list behind the autocomplete: every one- and two-letter prefix of the busiest
  stations' codes, names and cities;
- the schedules of the busiest trains.
"""

import datetime

from django.apps import apps
from django.db.models import Count
from django.utils import timezone

from search.places import PlaceError, resolve_place
from search.train_search import services_between
from timetable.models import Station, Train


def _most_booked(fields, limit, days):
    """The values of `fields` on the most bookings made in the last `days`, most booked first."""
    if not apps.is_installed("booking"):
        return []
    Booking = apps.get_model("booking", "Booking")
    since = timezone.now() - datetime.timedelta(days=days)
    rows = (
        Booking.objects.filter(created_at__gte=since)
        .values_list(*fields)
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list(*fields)[:limit]
    )
    return [row if len(fields) > 1 else row[0] for row in rows]


def _topped_up(chosen, more, limit):
    return chosen + [item for item in more if item not in chosen][: limit - len(chosen)]


def popular_routes(limit, days=14):
    """Up to `limit` (board code, alight code) pairs, most popular first."""
    routes = _most_booked(("board_station__code", "alight_station__code"), limit, days)
    served = (
        Train.objects.values_list("origin__code", "destination__code")
        .annotate(n=Count("id"))
        .order_by("-n", "origin__code", "destination__code")
        .values_list("origin__code", "destination__code")[: limit * 2]
    )
    return _topped_up(routes, list(served), limit)


def busiest_trains(limit, days=14):
    numbers = _most_booked(("train__number",), limit, days)
    by_stops = Train.objects.annotate(n=Count("stops")).order_by("-n", "number").values_list("number", flat=True)
    return _topped_up(numbers, list(by_stops[: limit * 2]), limit)


def suggestion_prefixes(limit):
    prefixes = set()
    for code, name, city in Station.objects.order_by("-train_count").values_list("code", "name", "city")[:limit]:
        for text in (code, name, city):
            for length in (1, 2):
                if len(text) >= length:
                    prefixes.add(text[:length].lower())
    return sorted(prefixes)


def warm_route(origin_code, destination_code):
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


def _route_texts(origin_code, destination_code):
    cities = dict(Station.objects.filter(code__in=[origin_code, destination_code]).values_list("code", "city"))
    pairs = [(origin_code, destination_code)]
    if cities.get(origin_code) and cities.get(destination_code):
        pairs.append((cities[origin_code], cities[destination_code]))
    return pairs


