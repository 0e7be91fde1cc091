"""POST /rum: one page view's Web Vitals (static/js/rum.js sends it with navigator.sendBeacon).

A beacon cannot set headers and sends a string body as text/plain, so the endpoint is exempt from
CSRF (there is no session state to protect: it only appends measurements) and relies instead on:
- the Origin header, which browsers always send on a POST: it must be this site's own origin
  (plus RUM_ALLOWED_ORIGINS), and Sec-Fetch-Site, when sent, must say same-origin;
- a per-client rate limit (RUM_RATE_LIMIT documents per RUM_RATE_WINDOW seconds, counted in the
  cache by railconnect/rate_limits.py like the site's other limits);
- a size limit (RUM_MAX_BODY_BYTES, checked on Content-Length before the body is read);
- strict validation of the document (rum/documents.py).
Answers: 204 stored; 400 rejected (nothing stored, the reason in {"error": ...}); 405 not a POST;
429 over the limit (Retry-After); 503 if the database is unavailable. Never 500: storing is one
INSERT (an upsert on the page view's id), with no other query.
"""

import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from observability.metrics import RUM_DOCUMENTS
from railconnect.json_errors import json_error
from railconnect.rate_limits import client_address, hit

from . import documents
from .models import PageView

logger = logging.getLogger("rum")
CONTENT_TYPES = {"text/plain", "application/json"}


def _rejected(reason, status=400, retry_after=None):
    RUM_DOCUMENTS.labels(outcome="rejected" if status == 400 else "rate_limited").inc()
    return json_error(reason, status=status, retry_after=retry_after)


def _check_origin(request):
    origin = request.headers.get("Origin", "").lower()
    if not origin:
        raise documents.InvalidDocument("no Origin header")
    own = f"{request.scheme}://{request.get_host()}".lower()
    if origin != own and origin not in settings.RUM_ALLOWED_ORIGINS:
        raise documents.InvalidDocument("cross-origin document")
    if request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
        raise documents.InvalidDocument("cross-site document")


def _read_body(request):
    if request.content_type not in CONTENT_TYPES:
        raise documents.InvalidDocument("Content-Type must be text/plain or application/json")
    charset = request.content_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise documents.InvalidDocument("charset must be UTF-8")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise documents.InvalidDocument("bad Content-Length") from None
    if length <= 0:
        raise documents.InvalidDocument("empty body")
    if length > settings.RUM_MAX_BODY_BYTES:
        raise documents.InvalidDocument(f"body larger than {settings.RUM_MAX_BODY_BYTES} bytes")
    body = request.read(settings.RUM_MAX_BODY_BYTES + 1)
    if len(body) > settings.RUM_MAX_BODY_BYTES:
        raise documents.InvalidDocument(f"body larger than {settings.RUM_MAX_BODY_BYTES} bytes")
    return body


@csrf_exempt
def collect(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    allowed, retry_after = hit(
        "rum", client_address(request), settings.RUM_RATE_LIMIT, settings.RUM_RATE_WINDOW
    )
    if not allowed:
        return _rejected("too many documents", status=429, retry_after=retry_after)
    try:
        _check_origin(request)
        page_view = documents.parse(_read_body(request))
    except documents.InvalidDocument as problem:
        return _rejected(str(problem))
    try:
        PageView.objects.bulk_create(
            [page_view],
            update_conflicts=True,
            unique_fields=["view_id"],
            update_fields=PageView.metric_fields(),
        )
    except DatabaseError:
        logger.exception("storing a RUM document failed")
        RUM_DOCUMENTS.labels(outcome="error").inc()
        return json_error("not stored, try later", status=503)
    RUM_DOCUMENTS.labels(outcome="stored").inc()
    return HttpResponse(status=204)
