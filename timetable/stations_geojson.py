"""Reads stations from the open-data GeoJSON FeatureCollection into StationRecords."""

import json
from collections.abc import Mapping
from typing import IO, Any

from .models import Station, text_limit
from .records import StationRecord
from .station_cities import city_for


def _field(properties: Mapping[str, object], name: str) -> str:
    value = properties.get(name)
    limit = text_limit(Station, name)
    return str(value).strip()[:limit] if value not in (None, "") else ""


# Parsed JSON is Any until each value is checked (the isinstance tests below).
def read_stations(stream: IO[str]) -> tuple[list[StationRecord], list[str]]:
    """Returns (records, problems): features without a usable code are reported, not loaded."""
    try:
        document: Any = json.load(stream)
    except json.JSONDecodeError as error:
        raise ValueError(f"the stations file is not valid JSON: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("features"), list):
        raise ValueError("the stations file is not a GeoJSON FeatureCollection")
    records: list[StationRecord] = []
    problems: list[str] = []
    seen: set[str] = set()
    for index, feature in enumerate(document["features"]):
        properties = (feature or {}).get("properties") or {}
        code = _field(properties, "code").upper()
        if not code or code in seen:
            problems.append(f"feature {index}: {'duplicate' if code else 'missing'} station code {code!r}")
            continue
        seen.add(code)
        name = _field(properties, "name") or code
        latitude = longitude = None
        geometry = feature.get("geometry") or {}
        coordinates = geometry.get("coordinates") if geometry.get("type") == "Point" else None
        if isinstance(coordinates, list) and len(coordinates) >= 2:
            longitude, latitude = float(coordinates[0]), float(coordinates[1])
        records.append(
            StationRecord(
                code=code,
                name=name,
                city=city_for(code, name),
                state=_field(properties, "state"),
                zone=_field(properties, "zone"),
                latitude=latitude,
                longitude=longitude,
            )
        )
    return records, problems
