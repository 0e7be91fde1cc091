"""Which city a station serves, so that "Mumbai" finds CSMT, MMCT, LTT and the rest.

Neither the open-data station file nor the timetable names the city. Stations the project knows
(`major_stations.py`) carry their city; for the rest the city is the station name
without the suffixes railways add to it ("Kanpur Central" -> "Kanpur").
"""

import re
from functools import cache

from .major_stations import MAJOR_STATIONS
from .records import StationRecord

SUFFIXES = re.compile(
    r"\s+(junction|jn\.?|central|cantt\.?|cantonment|city|terminus|terminal|main|town|halt)$",
    re.IGNORECASE,
)


@cache
def _known_stations() -> dict[str, StationRecord]:
    return {station.code: station for station in MAJOR_STATIONS}


def known_station(code: str) -> StationRecord | None:
    """The project's own record of a major station (name, city, coordinates), or None."""
    return _known_stations().get(code)


def city_for(code: str, name: str) -> str:
    known = known_station(code)
    if known:
        return known.city
    city = name.strip()
    while True:
        shorter = SUFFIXES.sub("", city)
        if shorter == city or not shorter:
            return city.title() if city.isupper() else city
        city = shorter
