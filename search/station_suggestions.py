"""Station suggestions for the autocomplete: prefix matches on code, name and city.

Ranked by exact code first, then by how many trains call at the station, because a passenger
typing "pun" almost always means Pune Junction, not a village halt.
"""

from typing import TypedDict

from django.conf import settings
from django.db.models import Case, IntegerField, Q, Value, When

from caching.tiered import tiered_cache
from timetable.models import Station
from timetable.version import timetable_version


class StationSuggestion(TypedDict):
    code: str
    name: str
    city: str
    state: str


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
