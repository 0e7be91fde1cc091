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

from functools import wraps

from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from payments import services as payments
from payments.gateway import OUTCOMES, SUCCEEDED, get_gateway
from payments.models import Payment

from railconnect.json_body import json_object_body
from railconnect.json_errors import json_error
from railconnect.rate_limits import rate_limited, signed_in_user_or_address

from . import reservations
from .booking_requests import parse_booking_request, request_fingerprint
from .booking_rules import RuleError
from .models import Booking



def _error(field, message, status=400):
    return json_error(message, status=status, field=field)


def api_login_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _error("session", "Log in first: this API uses the site's session.", status=401)
        return view(request, *args, **kwargs)

    return wrapper


def booking_json(request, booking, passengers=None, payment_url=None, train_number=None):
    passengers = passengers if passengers is not None else list(booking.passengers.all())
    if payment_url is None and booking.payment_due(timezone.now()):
        payment = booking.payments.filter(state__in=Payment.OPEN_STATES).order_by("-id").first()
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
    }


@never_cache
@require_POST
@api_login_required
@rate_limited("booking", key=signed_in_user_or_address)
@json_object_body()
def create_booking(request, data):
    try:
        booking_request = parse_booking_request(data)
        result = reservations.hold_booking(
            request.user,
            booking_request,
            idempotency_key=request.headers.get("Idempotency-Key"),
            request_hash=request_fingerprint(data),
        )
    except RuleError as error:
        return _error(error.field, error.message, status=422 if error.field == "Idempotency-Key" else error.status)
    body = booking_json(request, result.booking, result.passengers if result.created else None,
                        result.payment_url if result.created else None, booking_request.journey.route.number)
    response = JsonResponse(body, status=201)
    if not result.created:
        response["Idempotent-Replayed"] = "true"
    return response


def own_booking(view):
    """Hands the view the signed-in passenger's booking for `pnr`; anyone else's answers 404,
    exactly as a PNR that does not exist."""

    @wraps(view)
    def wrapper(request, pnr, **kwargs):
        booking = Booking.objects.select_related("train").filter(pnr=pnr[:10], user=request.user).first()
        if booking is None:
            return _error("pnr", "No such booking.", status=404)
        return view(request, booking, **kwargs)

    return wrapper


@never_cache
@require_safe
@api_login_required
@own_booking
def booking_detail(request, booking):
    return JsonResponse(booking_json(request, booking))


@never_cache
@require_POST
@api_login_required
@own_booking
@json_object_body(required=False)
def pay_booking(request, booking, data):
    outcome = data.get("outcome", SUCCEEDED)
    if outcome not in OUTCOMES:
        return _error("outcome", f"outcome is one of {', '.join(OUTCOMES)}.")
    if booking.status != Booking.Status.BOOKED:
        payment = booking.payments.filter(state__in=Payment.OPEN_STATES).order_by("-id").first()
        if payment is None:
            try:
                payment, _url = reservations.retry_payment(booking, request.user)
            except RuleError:
                return _error("booking", "This booking is not awaiting payment (its hold may have expired).",
                              status=409)
        gateway = get_gateway(payment.gateway)
        payment = payments.settle(gateway.parse_callback(gateway.callback_payload(payment.token, outcome)))
        booking.refresh_from_db()
        if payment.state == Payment.State.EXPIRED and booking.status != Booking.Status.BOOKED:
            return _error("booking", payment.failure_reason or "The hold expired.", status=409)
    body = booking_json(request, booking)
    last = booking.payments.order_by("-id").first()
    body["payment"] = {"state": last.state, "amount": float(last.amount)} if last else None
    return JsonResponse(body)


@never_cache
@require_POST
@api_login_required
@own_booking
@json_object_body(required=False)
def cancel_booking(request, booking, data):
    try:
        positions = data.get("passengers")
        ids = None
        if positions is not None:
            if not isinstance(positions, list) or not all(isinstance(p, int) and not isinstance(p, bool)
                                                          for p in positions):
                raise RuleError("passengers", "passengers is a list of passenger positions (1, 2, ...).")
            by_position = dict(booking.passengers.values_list("position", "id"))
            unknown = [p for p in positions if p not in by_position]
            if unknown or not positions:
                raise RuleError("passengers", f"No passenger at position {unknown[0] if unknown else '(none)'}.")
            ids = [by_position[p] for p in positions]
        result = reservations.cancel_booking(booking, request.user, passenger_ids=ids)
    except RuleError as error:
        return _error(error.field, error.message, status=409 if error.field == "booking" else 400)
    body = booking_json(request, result.booking)
    body["refund"] = float(result.refund_total)
    return JsonResponse(body)
