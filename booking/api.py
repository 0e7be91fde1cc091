"""JSON API for bookings, authenticated by the session (send Django's CSRF header: X-CSRFToken).

    POST /api/bookings                 hold berths -> 201 {"pnr", "passengers", "fare", "url", "payment_url"}
    GET  /api/bookings/<pnr>           the booking as it stands
    POST /api/bookings/<pnr>/pay       settle through the simulated gateway ({"outcome": "succeeded"})
    POST /api/bookings/<pnr>/cancel    cancel all, or {"passengers": [1, 3]} by position

An `Idempotency-Key` header on POST /api/bookings makes retries safe: the same key from the same
user answers with the same booking (and an `Idempotent-Replayed: true` header). Bad requests get
400 {"error": ..., "field": ...}; another user's PNR is 404, exactly like an unknown one. Every
error is JSON in that shape, including a body over API_MAX_BODY_BYTES (413), nesting past
API_MAX_JSON_DEPTH (400), a failed CSRF check (403) and 429 (railconnect/json_errors.py).
"""

import time
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, Concatenate, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from payments import services as payments
from payments.gateway import SUCCEEDED
from railconnect.http_types import AuthenticatedHttpRequest
from railconnect.json_body import json_object_body
from railconnect.json_errors import json_error
from railconnect.rate_limits import rate_limited, signed_in_user_or_address

from . import admission, partitions, reservations, services
from .booking_requests import parse_booking_request, request_fingerprint
from .booking_rules import RuleError
from .models import Booking, BookingPassenger
from .responses import rule_error_json

# A JSON request body (railconnect.json_body): JSON values of any type, checked where used.
JsonObject = dict[str, Any]


def api_login_required[**P, R: HttpResponseBase](
    view: Callable[Concatenate[AuthenticatedHttpRequest, P], R],
) -> Callable[Concatenate[HttpRequest, P], R | JsonResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> R | JsonResponse:
        if not request.user.is_authenticated:
            return json_error("Log in first: this API uses the site's session.", status=401, field="session")
        # Signed in: request.user is a User (what AuthenticatedHttpRequest says), not AnonymousUser.
        return view(cast(AuthenticatedHttpRequest, request), *args, **kwargs)

    return wrapper


def booking_json(
    request: HttpRequest,
    booking: Booking,
    passengers: Sequence[BookingPassenger] | None = None,
    payment_url: str | None = None,
    train_number: str | None = None,
) -> dict[str, object]:
    passengers = passengers if passengers is not None else list(booking.passengers.all())
    if payment_url is None and booking.payment_due(timezone.now()):
        payment = payments.open_payment(booking_id=booking.pk, using=booking._state.db)
        if payment is not None:
            payment_url = request.build_absolute_uri(reverse("payments:simulated", args=[payment.token]))
    elif payment_url:
        payment_url = request.build_absolute_uri(payment_url)
    return {
        "pnr": booking.pnr,
        "status": booking.status,
        "train": train_number or booking.train.number,
        "class": booking.travel_class,
        "quota": booking.quota,
        "passengers": [
            {"name": p.name, "age": p.age, "status": p.current_status, "booking_status": p.booking_status}
            for p in passengers
        ],
        "fare": float(booking.fare_total),
        "refunded": float(booking.refunded_amount),
        "hold_expires_at": booking.hold_expires_at.isoformat() if booking.hold_expires_at else None,
        "url": request.build_absolute_uri(booking.get_absolute_url()),
        "payment_url": payment_url or None,
        # The Electronic Reservation Slip (etickets/, by URL name: booking does not import it).
        "ticket_pdf_url": request.build_absolute_uri(reverse("etickets:pdf", args=[booking.pnr])),
    }


@never_cache
@require_POST
@api_login_required
@rate_limited("booking", key=signed_in_user_or_address)
@json_object_body()
def create(request: AuthenticatedHttpRequest, data: JsonObject) -> JsonResponse:
    try:
        booking_request = parse_booking_request(data)
        entry = admission.submit(
            user=request.user,
            request=booking_request,
            idempotency_key=request.headers.get("Idempotency-Key"),
            request_hash=request_fingerprint(data),
            wait_seconds=settings.BOOKING_ADMISSION_WAIT_MS / 1000,
        )
    except RuleError as error:
        return rule_error_json(error)
    return admission_json(request, entry, decided_status=201)


@never_cache
@require_safe
@api_login_required
def request_status(request: AuthenticatedHttpRequest, request_id: int) -> JsonResponse:
    """A queued booking request: 202 while it waits, then its outcome as POST /api/bookings would
    have answered it (200 with the booking, or the refusal's 4xx). Anyone else's is 404."""
    entry = admission.find_request(request_id=request_id, user=request.user)
    if entry is None:
        return json_error("No such booking request.", status=404, field="request")
    # Each look also moves the queue on, should its writer have died (deadline now: one pass).
    state = admission.advance(admission.Admission(entry, False), deadline=time.monotonic())
    return admission_json(request, state, decided_status=200)


def admission_json(request: HttpRequest, state: admission.Admission, *, decided_status: int) -> JsonResponse:
    """The answer for a request's admission: 202 with its place while queued, else its outcome."""
    entry = state.entry
    if state.queued:
        position = state.position()
        response = JsonResponse(
            {
                "status": "QUEUED",
                "position": position,
                "estimated_wait_ms": admission.estimated_wait_ms(position),
            },
            status=202,
        )
        response["Location"] = reverse("api-request", args=[admission.request_id(entry)])
        response["Retry-After"] = str(admission.retry_after_seconds(position))
        if state.replayed:
            response["Idempotent-Replayed"] = "true"
        return response
    try:
        result = admission.outcome_of(state)
    except RuleError as error:
        return rule_error_json(error)
    body = booking_json(
        request,
        result.booking,
        result.passengers or None,
        result.payment_url or None,
        result.train_number or None,
    )
    response = JsonResponse(body, status=decided_status)
    if state.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


# The view's `pnr` keyword becomes the Booking, which ParamSpec cannot express: Callable[..., R].
def own_booking[R: HttpResponseBase](
    view: Callable[Concatenate[AuthenticatedHttpRequest, Booking, ...], R],
) -> Callable[..., R | JsonResponse]:
    """Hands the view the signed-in passenger's booking for `pnr`; anyone else's answers 404,
    exactly as a PNR that does not exist."""

    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, pnr: str, **kwargs: Any) -> R | JsonResponse:
        booking = partitions.find_booking(pnr, lambda rows: rows.filter(user=request.user), related=["train"])
        if booking is None:
            return json_error("No such booking.", status=404, field="pnr")
        return view(request, booking, **kwargs)

    return wrapper


def booking_action(
    view: Callable[[AuthenticatedHttpRequest, Booking, JsonObject], JsonResponse],
) -> Callable[..., HttpResponseBase]:
    """A POST on the signed-in passenger's own booking, with an optional JSON object body."""
    return never_cache(require_POST(api_login_required(own_booking(json_object_body(required=False)(view)))))


@never_cache
@require_safe
@api_login_required
@own_booking
def detail(request: AuthenticatedHttpRequest, booking: Booking) -> JsonResponse:
    return JsonResponse(booking_json(request, booking))


@booking_action
def pay(request: AuthenticatedHttpRequest, booking: Booking, data: JsonObject) -> JsonResponse:
    try:
        last = services.pay_booking(
            booking=booking, user=request.user, outcome=data.get("outcome", SUCCEEDED)
        )
    except RuleError as error:
        return rule_error_json(error)
    body = booking_json(request, booking)
    body["payment"] = {"state": last.state, "amount": float(last.amount)} if last else None
    return JsonResponse(body)


@booking_action
def cancel(request: AuthenticatedHttpRequest, booking: Booking, data: JsonObject) -> JsonResponse:
    positions = data.get("passengers")
    if positions is not None and (
        not isinstance(positions, list)
        or not all(isinstance(p, int) and not isinstance(p, bool) for p in positions)
    ):
        return json_error(
            "passengers is a list of passenger positions (1, 2, ...).", status=400, field="passengers"
        )
    try:
        result = reservations.cancel_booking(booking=booking, user=request.user, positions=positions)
    except RuleError as error:
        return rule_error_json(error)
    body = booking_json(request, result.booking)
    body["refund"] = float(result.refund_total)
    return JsonResponse(body)
