"""Turns what a passenger typed into the stations they mean.

Accepted, in order: a station code ("MMCT"), the autocomplete's label ("Mumbai Central (MMCT)"),
a city ("Mumbai": every station of the city, also as the autocomplete's city label "Mumbai (all
stations)"), or a station's full name ("Mumbai Central").
"""

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from caching.tiered import tiered_cache
from timetable.models import Station
from timetable.version import timetable_version

LABEL_WITH_CODE = re.compile(r"\(([A-Za-z0-9-]{1,10})\)\s*$")
PRINTABLE = re.compile(r"^[\w .,'()&/-]+$")
# The autocomplete's label for a city (station_suggestions.city_label): "Mumbai (all stations)".
ALL_STATIONS = " (all stations)"
# The same label as the autocomplete shows it in the page's language ("Mumbai (सभी स्टेशन)"): the
# page hands the script this template (data-city-text, search/_form.html); the search accepts it
# in every language.
CITY_LABEL = gettext_noop("{city} (all stations)")


@cache
def _city_label_parts() -> tuple[tuple[str, str], ...]:
    """(before, after) the city in CITY_LABEL, lower-cased, in each language."""
    parts = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            before, _city, after = _(CITY_LABEL).partition("{city}")
        parts.add((before.lower(), after.lower()))
    return tuple(sorted(parts))


def city_of_label(text: str) -> str | None:
    """The city named by the autocomplete's city label in any language, else None."""
    lowered = text.lower()
    for before, after in _city_label_parts():
        if lowered.startswith(before) and lowered.endswith(after) and len(text) > len(before) + len(after):
            return text[len(before) : len(text) - len(after)].strip() or None
    return None


class PlaceError(ValueError):
    pass


@dataclass(frozen=True)
class PlaceStation:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class Place:
    label: str
    stations: tuple[PlaceStation, ...]

    @property
    def ids(self) -> list[int]:
        return [station.id for station in self.stations]

    @property
    def is_city(self) -> bool:
        return len(self.stations) > 1


def _lookup(text: str) -> Place | None:
    """One query for every reading of `text`; the most specific reading wins."""
    city_only = text.lower().endswith(ALL_STATIONS)
    if city_only:
        text = text[: -len(ALL_STATIONS)]
    code_match = LABEL_WITH_CODE.search(text)
    code = (code_match.group(1) if code_match else text).upper()
    rows = list(
        Station.objects.filter(Q(code=code) | Q(city__iexact=text) | Q(name__iexact=text))
        .order_by("-train_count", "code")
        .values_list("id", "code", "name", "city")
    )
    by_code = [PlaceStation(*row[:3]) for row in rows if row[1] == code]
    if by_code and not city_only:
        return Place(f"{by_code[0].name} ({by_code[0].code})", tuple(by_code))
    lowered = text.lower()
    by_city = tuple(PlaceStation(*row[:3]) for row in rows if row[3].lower() == lowered)
    if by_city:
        return Place(text.title() if text.islower() else text, by_city)
    by_name = [PlaceStation(*row[:3]) for row in rows if row[2].lower() == lowered]
    if by_name and not city_only:
        return Place(f"{by_name[0].name} ({by_name[0].code})", (by_name[0],))
    return None


def clean_place_text(text: str | None, field_label: str) -> str:
    """`text` with its spaces collapsed, or PlaceError if it cannot name a place."""
    text = " ".join((text or "").split())
    city = city_of_label(text)
    if city is not None:
        text = city + ALL_STATIONS  # "Mumbai (सभी स्टेशन)": the city's every station, as in English
    if not text:
        raise PlaceError(_("%(field)s: enter a station code, station name or city.") % {"field": field_label})
    if len(text) > settings.SEARCH_MAX_QUERY_LENGTH:
        raise PlaceError(
            _("%(field)s: at most %(limit)d characters.")
            % {"field": field_label, "limit": settings.SEARCH_MAX_QUERY_LENGTH}
        )
    if not PRINTABLE.match(text):
        raise PlaceError(
            _("%(field)s: use letters, digits, spaces and simple punctuation only.") % {"field": field_label}
        )
    return text


def resolve_place(text: str | None, field_label: str = "Station") -> Place:
    """The Place for `text`, or PlaceError with a message fit to show the passenger."""
    text = clean_place_text(text, field_label)
    place: Place | Literal[False] = tiered_cache.get_or_set(
        "place", (timetable_version(), text.lower()), lambda: _lookup(text) or False
    )
    if not place:
        raise PlaceError(
            _("%(field)s: no station or city called “%(text)s”.") % {"field": field_label, "text": text}
        )
    return place


def city_around(place: Place) -> Place:
    """The city of a single station, when that city has other stations (they serve the same
    passengers: Mumbai Central's city is every Mumbai station); else `place` itself."""
    if place.is_city:
        return place
    city = Station.objects.filter(id=place.ids[0]).values_list("city", flat=True).first()
    if not city:
        return place
    try:
        return resolve_place(city)
    except PlaceError:
        return place
