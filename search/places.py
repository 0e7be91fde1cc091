"""Turns what a passenger typed into the stations they mean.

Accepted, in order: a station code ("MMCT"), the autocomplete's label ("Mumbai Central (MMCT)"),
a city ("Mumbai": every station of the city), or a station's full name ("Mumbai Central").
"""

import re
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from caching.tiered import tiered_cache
from timetable.models import Station
from timetable.version import timetable_version

LABEL_WITH_CODE = re.compile(r"\(([A-Za-z0-9-]{1,10})\)\s*$")
PRINTABLE = re.compile(r"^[\w .,'()&/-]+$")


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
    code_match = LABEL_WITH_CODE.search(text)
    code = (code_match.group(1) if code_match else text).upper()
    rows = list(
        Station.objects.filter(Q(code=code) | Q(city__iexact=text) | Q(name__iexact=text))
        .order_by("-train_count", "code")
        .values_list("id", "code", "name", "city")
    )
    by_code = [PlaceStation(*row[:3]) for row in rows if row[1] == code]
    if by_code:
        return Place(f"{by_code[0].name} ({by_code[0].code})", tuple(by_code))
    lowered = text.lower()
    by_city = tuple(PlaceStation(*row[:3]) for row in rows if row[3].lower() == lowered)
    if by_city:
        return Place(text.title() if text.islower() else text, by_city)
    by_name = [PlaceStation(*row[:3]) for row in rows if row[2].lower() == lowered]
    if by_name:
        return Place(f"{by_name[0].name} ({by_name[0].code})", (by_name[0],))
    return None


def clean_place_text(text: str | None, field_label: str) -> str:
    """`text` with its spaces collapsed, or PlaceError if it cannot name a place."""
    text = " ".join((text or "").split())
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
