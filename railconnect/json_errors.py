"""One shape for every JSON error, and the pieces that keep /api/ answering JSON whatever fails.

The shape: {"error": "<message for a person>"} plus, where they apply, "field" (the input to
change), "code" (a stable name a program can test), "retry_after" (seconds, also sent as the
Retry-After header) and what a refusal carries besides (`extra`: a booking's {"status": "REGRET"},
a changed fare). `json_error` builds it; every JSON endpoint answers its errors with it.

Errors Django raises before or around a view would otherwise be HTML pages. Under /api/:
- `ApiErrorsMiddleware` refuses a body over API_MAX_BODY_BYTES with 413 before anything reads it
  (CSRF checking reads form bodies), and turns any error response that is not JSON (Django's 404
  and 405, a 400 for a suspicious request, a 500 for a bug) into this shape, same status;
- `error_pages.csrf_failure` (settings.CSRF_FAILURE_VIEW) says what the CSRF check wants, as JSON;
- `bad_request` (handler400) answers a body over DATA_UPLOAD_MAX_MEMORY_SIZE with 413 (Django's
  RequestDataTooBig), JSON under /api/ and a page elsewhere, instead of a bare 400.
"""

from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults

API_PREFIX = "/api/"
# Error responses of these statuses that do not come from an API view itself: their code and message.
STANDARD_ERRORS = {
    400: ("bad_request", "Bad request."),
    403: ("forbidden", "Forbidden."),
    404: ("not_found", "Not found: no such endpoint or object."),
    405: ("method_not_allowed", "Method {method} is not allowed here (allowed: {allow})."),
    413: ("body_too_large", "The request body is too large: at most {limit} bytes."),
    500: (
        "server_error",
        "Something went wrong on our side; the request was not completed. Please try again.",
    ),
}
# Headers of the replaced response that still say something true about the JSON one.
KEPT_HEADERS = ("Allow", "Retry-After", "Cache-Control", "Vary")


def json_error(
    message: object,
    *,
    status: int,
    field: str | None = None,
    code: str | None = None,
    retry_after: int | None = None,
    extra: dict[str, object] | None = None,
) -> JsonResponse:
    """The one JSON error body; `message` is sent as text whatever it is (an exception, a lazy string)."""
    body: dict[str, object] = {**(extra or {}), "error": str(message)}
    if field is not None:
        body["field"] = field
    if code is not None:
        body["code"] = code
    if retry_after is not None:
        body["retry_after"] = retry_after
    response = JsonResponse(body, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def is_api(request):
    return request.path.startswith(API_PREFIX)


def standard_error(request, status, *, limit=None, allow=""):
    code, message = STANDARD_ERRORS.get(status, (None, f"{HTTPStatus(status).phrase}."))
    message = message.format(method=request.method, allow=allow or "none", limit=limit)
    return json_error(message, status=status, code=code)


def body_too_large(request, limit):
    if is_api(request):
        return standard_error(request, 413, limit=limit)
    return render(request, "413.html", {"limit": limit}, status=413)


def declared_length(request):
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0  # Django reads such a body as empty too


class ApiErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api(request):
            return self.get_response(request)
        if declared_length(request) > settings.API_MAX_BODY_BYTES:
            return body_too_large(request, settings.API_MAX_BODY_BYTES)
        response = self.get_response(request)
        if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
            return response
        replacement = standard_error(request, response.status_code, allow=response.get("Allow", ""))
        for header in KEPT_HEADERS:
            if header in response:
                replacement[header] = response[header]
        replacement.cookies = response.cookies
        # Django logs each 4xx/5xx once; the replaced response may have been logged already.
        replacement._has_been_logged = getattr(response, "_has_been_logged", False)
        return replacement


def bad_request(request, exception):
    """handler400. Django raises RequestDataTooBig when a body passes DATA_UPLOAD_MAX_MEMORY_SIZE:
    that is 413 Content Too Large, not the 400 Django answers for other suspicious requests."""
    if isinstance(exception, RequestDataTooBig):
        return body_too_large(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return defaults.bad_request(request, exception)
