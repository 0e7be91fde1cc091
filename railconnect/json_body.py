"""Reading a JSON API request's body: one object, nested at most API_MAX_JSON_DEPTH deep.

Python's json module parses nesting by recursion: a body of 8,000 "[" (16 KB) raised
RecursionError, a 500. The nesting is measured first, in one pass over the bracket and quote
characters (no recursion, no regular expression that could backtrack), and a body deeper than
any request of ours needs is refused with 400. The size is bounded before this runs
(ApiErrorsMiddleware: API_MAX_BODY_BYTES, 413). Also refused: invalid UTF-8, NaN and Infinity
(not JSON), integers too long for Python to convert (ValueError), anything but an object.
"""

import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, JsonResponse

from railconnect.json_errors import json_error

_STRUCTURE = re.compile(r'[\[\]{}"\\]')


class BadBody(ValueError):
    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


def deeper_than(text, limit):
    """Whether the arrays and objects in `text` nest more than `limit` deep (strings skipped)."""
    depth, in_string, escaped_at = 0, False, -1
    for match in _STRUCTURE.finditer(text):
        position, char = match.start(), match.group()
        if position == escaped_at:
            continue
        if in_string:
            if char == "\\":
                escaped_at = position + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _not_json(constant):
    raise ValueError(f"{constant} is not JSON")


def parse_object(body, *, required=True):
    """The JSON object in `body` (bytes), {} for an empty optional body; BadBody says what is wrong."""
    if not body.strip():
        if required:
            raise BadBody("Send a JSON object.", "not_an_object")
        return {}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBody("The body is not valid UTF-8.", "not_utf8") from None
    if deeper_than(text, settings.API_MAX_JSON_DEPTH):
        raise BadBody(
            f"The JSON is nested too deeply (at most {settings.API_MAX_JSON_DEPTH} levels).", "too_deep"
        )
    try:
        data = json.loads(text, parse_constant=_not_json)
    except ValueError:  # JSONDecodeError, NaN/Infinity, an integer of thousands of digits
        raise BadBody("The body is not valid JSON.", "not_json") from None
    if not isinstance(data, dict):
        raise BadBody("Send a JSON object.", "not_an_object")
    return data


# The view gets an extra `data=` argument, which ParamSpec cannot express: views are Callable[..., R].
def json_object_body[R: HttpResponseBase](
    required: bool = True,
) -> Callable[[Callable[..., R]], Callable[..., R | JsonResponse]]:
    """Hands the view the request's JSON object as `data=`; a bad body answers 400 (field "body")."""

    def decorator(view: Callable[..., R]) -> Callable[..., R | JsonResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> R | JsonResponse:
            try:
                data = parse_object(request.body, required=required)
            except BadBody as error:
                return json_error(str(error), status=400, field="body", code=error.code)
            return view(request, *args, data=data, **kwargs)

        return wrapper

    return decorator
