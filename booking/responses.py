"""The one translation of a refused request (RuleError) into an HTTP answer, for pages and the API.

The status is the error's own (`RuleError.status`: 400, 409 for a booking whose state forbids the
request, 422 for a reused Idempotency-Key; see booking_rules), so a rule refuses alike on a page
and in JSON. The JSON body is the site's one error shape (railconnect/json_errors.py):
{"error": message, "field": the input to change}, plus the error's `body` where it has one
({"status": "REGRET"}, a changed fare). A page gets the error as `error` in its context
(`{{ error }}` is its message).
"""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from railconnect.json_errors import json_error

from .booking_rules import RuleError


def rule_error_json(error: RuleError) -> JsonResponse:
    outcome = getattr(error, "outcome", None)
    # A refusal that is the booking's outcome, not a mistake in it (REGRET, NOT_CONFIRMED,
    # FARE_CHANGED): the error shape plus the outcome's name under "status", as a booking document
    # names its own, and what the passenger needs to go on (FARE_CHANGED: the new fare).
    extra = {"status": outcome, **getattr(error, "details", {})} if outcome else None
    return json_error(error.message, status=error.status, field=error.field, extra=extra)


def rule_error_page(
    request: HttpRequest, template: str, context: dict[str, Any], error: RuleError
) -> HttpResponse:
    return render(request, template, {**context, "error": error}, status=error.status)
