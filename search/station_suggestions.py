"""Station suggestions for the autocomplete: prefix matches on code, name and city.

Ranked by exact code first, then by how many trains call at the station, because a passenger
typing "pun" almost always means Pune Junction, not a village halt. Cities with more than one
station whose name starts with the prefix are offered too, as "Mumbai (all stations)", busiest
first (the response format: docs/search.md).
"""

from typing import TypedDict

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Min, Q, Sum, Value, When

from caching.tiered import tiered_cache
from timetable.models import Station
from timetable.version import timetable_version

from .places import ALL_STATIONS


class StationSuggestion(TypedDict):
    code: str
    name: str
    city: str
    state: str


class CitySuggestion(TypedDict):
    label: str  # what the search form takes: "Mumbai (all stations)"
    city: str
    state: str
    station_count: int


def _query(prefix: str, limit: int) -> list[StationSuggestion]:
    code = prefix.upper()
    matches = (
        Station.objects.filter(
            Q(code__startswith=code) | Q(name__istartswith=prefix) | Q(city__istartswith=prefix)
        )
        .annotate(exact=Case(When(code=code, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("exact", "-train_count", "name")
        .values("code", "name", "city", "state")[:limit]
    )
    return list(matches)


def suggest_stations(prefix: str, limit: int | None = None) -> list[StationSuggestion]:
    """Up to `limit` stations matching `prefix` (already validated), as plain dicts."""
    limit = limit or settings.STATION_SUGGESTION_LIMIT
    parts = (timetable_version(), limit, prefix.lower())
    return tiered_cache.get_or_set("suggest", parts, lambda: _query(prefix, limit))


def _city_query(prefix: str, limit: int) -> list[CitySuggestion]:
    cities = (
        Station.objects.filter(city__istartswith=prefix)
        .values("city")
        .annotate(station_count=Count("id"), trains=Sum("train_count"), state=Min("state"))
        .filter(station_count__gt=1)
        .order_by("-trains", "city")[:limit]
    )
    return [
        {
            "label": f"{row['city']}{ALL_STATIONS}",
            "city": row["city"],
            "state": row["state"],
            "station_count": row["station_count"],
        }
        for row in cities
    ]


def suggest_cities(prefix: str, limit: int | None = None) -> list[CitySuggestion]:
    """Up to `limit` cities of several stations matching `prefix` (already validated)."""
    limit = limit or settings.CITY_SUGGESTION_LIMIT
    parts = (timetable_version(), "cities", limit, prefix.lower())
    return tiered_cache.get_or_set("suggest", parts, lambda: _city_query(prefix, limit))


class Suggestions(TypedDict):
    stations: list[StationSuggestion]
    cities: list[CitySuggestion]


def suggest_places(prefix: str) -> Suggestions:
    """The autocomplete's answer for `prefix` (already validated): what /api/stations returns and
    what the cache warmer warms."""
    return {"stations": suggest_stations(prefix), "cities": suggest_cities(prefix)}
