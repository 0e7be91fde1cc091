"""The RUM document a page sends (static/js/rum.js), and its strict validation.

    {"v": 1, "id": "3f9c...", "route": "/trains/<number>", "nav": "navigate", "device": "phone",
     "ect": "4g",
     "metrics": {"LCP": {"value": 1840.2, "rating": "good",
                         "attribution": {"target": "main>img.hero", "url": "/media/...", "ttfb": 120.5,
                                         "loadDelay": 30.1, "loadDuration": 410.0, "renderDelay": 12.3}},
                 "INP": {...}, "CLS": {...}, "FCP": {...}, "TTFB": {...}},
     "server": {"total": 12.5, "db": 3.1, "cache": 0.4}}

Every key is known, every number finite and in range, every string short and printable, every
rating the one the value deserves; anything else rejects the whole document (InvalidDocument),
so nothing from it is stored. `parse` turns the bytes of a request body into the model row.
"""

import json
import math
import re

from django.utils import timezone

from .models import PageView
from .routes import is_known_route
from .vitals import (
    BY_NAME,
    CONNECTION_TYPES,
    DEVICE_CLASSES,
    MAX_MS,
    NAVIGATION_TYPES,
    RATINGS,
    SERVER_TIMINGS,
)

VERSION = 1
VIEW_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
# Printable text only: no control characters (PostgreSQL refuses NUL), no lone surrogates.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
TOP_LEVEL = {"v", "id", "route", "nav", "device", "ect", "metrics", "server"}
REQUIRED = TOP_LEVEL - {"server"}
METRIC_KEYS = {"value", "rating", "attribution"}


class InvalidDocument(ValueError):
    """The document is rejected; the message says why (it is returned to the client)."""


def _reject_constant(name):
    raise InvalidDocument(f"{name} is not a number")


def _no_duplicate_keys(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise InvalidDocument(f"duplicate key {key!r}")
        result[key] = value
    return result


def _number(value, where, maximum):
    # bool is an int in Python, but true is not a measurement.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidDocument(f"{where} must be a number")
    # Compared before float(): an integer of 400 digits would overflow it.
    if (isinstance(value, float) and not math.isfinite(value)) or value < 0 or value > maximum:
        raise InvalidDocument(f"{where} must be between 0 and {maximum:g}")
    return float(value)


def _text(value, where, max_length):
    if not isinstance(value, str):
        raise InvalidDocument(f"{where} must be a string")
    if len(value) > max_length:
        raise InvalidDocument(f"{where} is longer than {max_length} characters")
    if _CONTROL.search(value):
        raise InvalidDocument(f"{where} contains control characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidDocument(f"{where} is not valid text") from None
    return value


def _choice(value, where, choices):
    if not isinstance(value, str) or value not in choices:
        raise InvalidDocument(f"{where} must be one of {', '.join(choices)}")
    return value


def _object(value, where, allowed, required=()):
    if not isinstance(value, dict):
        raise InvalidDocument(f"{where} must be an object")
    unknown = set(value) - set(allowed)
    if unknown:
        raise InvalidDocument(f"{where}: unknown key {sorted(unknown)[0]!r}")
    missing = set(required) - set(value)
    if missing:
        raise InvalidDocument(f"{where}: missing {sorted(missing)[0]!r}")
    return value


def decode(body):
    """Bytes -> the JSON object, or InvalidDocument. Never lets a parser error through."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidDocument("body is not UTF-8") from None
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant)
    except InvalidDocument:
        raise
    except (ValueError, RecursionError):  # malformed JSON, too deeply nested, numbers too long
        raise InvalidDocument("body is not JSON") from None
    if not isinstance(document, dict):
        raise InvalidDocument("document must be a JSON object")
    return document


def _metric(vital, data, row):
    where = f"metrics.{vital.name}"
    _object(data, where, METRIC_KEYS, required=("value", "rating"))
    value = _number(data["value"], f"{where}.value", vital.maximum)
    rating = RATINGS.get(_choice(data["rating"], f"{where}.rating", tuple(RATINGS)))
    if rating != vital.rating(value):
        raise InvalidDocument(f"{where}.rating does not match its value")
    row[vital.column] = value
    row[vital.rating_column] = rating
    attribution = data.get("attribution", {})
    attributes = {attribute.key: attribute for attribute in vital.attributes}
    _object(attribution, f"{where}.attribution", attributes)
    for key, raw in attribution.items():
        attribute = attributes[key]
        field = f"{where}.attribution.{key}"
        if attribute.kind in ("ms", "number"):
            row[attribute.column] = _number(raw, field, attribute.maximum)
        elif attribute.kind == "text":
            row[attribute.column] = _text(raw, field, attribute.max_length)
        else:
            row[attribute.column] = _choice(raw, field, attribute.choices)


def validate(document):
    """A decoded document -> the PageView fields, or InvalidDocument."""
    _object(document, "document", TOP_LEVEL, required=REQUIRED)
    if isinstance(document["v"], bool) or document["v"] != VERSION:
        raise InvalidDocument(f"v must be {VERSION}")
    view_id = document["id"]
    if not isinstance(view_id, str) or not VIEW_ID.fullmatch(view_id):
        raise InvalidDocument("id must be 8 to 64 letters, digits, - or _")
    route = _text(document["route"], "route", 200)
    if not is_known_route(route):
        raise InvalidDocument("route is not a route of this site")
    row = {
        "view_id": view_id,
        "route": route,
        "navigation_type": _choice(document["nav"], "nav", NAVIGATION_TYPES),
        "device_class": _choice(document["device"], "device", DEVICE_CLASSES),
        "connection_type": _choice(document["ect"], "ect", CONNECTION_TYPES),
    }
    metrics = _object(document["metrics"], "metrics", BY_NAME)
    if not metrics:
        raise InvalidDocument("metrics is empty")
    for name, data in metrics.items():
        _metric(BY_NAME[name], data, row)
    server = _object(document.get("server", {}), "server", SERVER_TIMINGS)
    for key, value in server.items():
        row[SERVER_TIMINGS[key]] = _number(value, f"server.{key}", MAX_MS)
    return row


def parse(body, now=None):
    """Request body bytes -> an unsaved PageView, or InvalidDocument."""
    row = validate(decode(body))
    now = now or timezone.now()
    return PageView(received_at=now, updated_at=now, day=timezone.localdate(now), **row)
