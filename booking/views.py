"""Booking pages: choose (availability) -> passengers -> review -> payment -> e-ticket; my bookings,
cancellation and the public PNR enquiry. Plain forms: every step works without JavaScript.

Every view that shows or changes a booking filters by request.user and answers 404 otherwise.
"""

import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from payments.services import open_payment
from railconnect.error_pages import PassengerNotFound
from railconnect.http_caching import private_page
from railconnect.http_types import AuthenticatedHttpRequest
from railconnect.indian_formats import rupees
from railconnect.rate_limits import rate_limited, signed_in_user_or_address
from timetable.journeys import booking_window
from timetable.train_routes import RouteJourney, TrainRoute, journey_for, later_journeys, route_for

from . import admission, booking_rules, coach_layouts, partitions, reservations, services
from .availability import availability, class_offers, quota_offers
from .booking_requests import parse_booking_request
from .booking_rules import GENERAL, QUOTAS, RuleError
from .forms import posted_passengers
from .models import PNR_LENGTH, Booking, BookingPassenger
from .quotas import PREMIUM_TATKAL
from .responses import rule_error_page

# How many later dates the availability page shows at a glance (IRCTC shows six).
WEEK_AT_A_GLANCE_DATES = 6
# A booking in these states may still be cancelled (until the train leaves).
OPEN_STATES = (Booking.Status.HELD, Booking.Status.BOOKED)


def _route_or_404(train: str) -> TrainRoute:
    route = route_for(train)
    if route is None:
        raise PassengerNotFound(_("There is no train number %(train)s.") % {"train": train[:10]})
    return route


def _offered_journey(
    route: TrainRoute, date: str, board: str, alight: str, travel_class: str
) -> RouteJourney:
    """The journey a booking page offers, or RuleError: the rules a booking request checks first."""
    journey = journey_for(route, board, alight, booking_rules.boarding_date(date))
    booking_rules.check_date(journey.boarding_date)
    booking_rules.check_class(route, travel_class)
    return journey


@never_cache
@require_safe
def choose(
    request: HttpRequest, train: str, date: str, board: str, alight: str, travel_class: str
) -> HttpResponse:
    """Live availability of every class of the train for the journey, the chosen one first."""
    route = _route_or_404(train)
    travel_class = travel_class.upper()
    context: dict[str, Any] = {
        "route": route,
        "travel_class": travel_class,
        "date": date,
        "board_code": board.upper(),
        "alight_code": alight.upper(),
    }
    try:
        journey = _offered_journey(route, date, board, alight, travel_class)
    except RuleError as error:
        return rule_error_page(request, "booking/choose.html", context, error)
    now = timezone.now()
    classes = sorted(route.classes, key=lambda code: code != travel_class)
    rows = [(code, quota_offers(journey, code, now)) for code in classes]
    chosen = rows[0][1][0].availability  # the chosen class, general quota
    context.update(
        {
            "journey": journey,
            "rows": rows,
            # A week at a glance: the next running dates, each class one tap from booking.
            "week": [
                (later, class_offers(later, now))
                for later in later_journeys(journey, booking_window()[1], WEEK_AT_A_GLANCE_DATES)
            ],
            # Waitlisted, or past the waitlist cap (REGRET): either way, offer other trains.
            "waitlisted": chosen.kind in ("WL", "REGRET"),
        }
    )
    return render(request, "booking/choose.html", context)


@require_safe
def class_availability(request: HttpRequest, train: str, date: str, board: str, alight: str) -> HttpResponse:
    """Each class of a journey with its availability and one adult's fare, as class buttons: the
    lazy fragment of a search result (and of an alternative train on the availability page)."""
    route = _route_or_404(train)
    try:
        journey = journey_for(route, board, alight, booking_rules.boarding_date(date))
        booking_rules.check_date(journey.boarding_date)
    except RuleError as error:
        response = HttpResponse(error.message, status=error.status, content_type="text/plain")
        patch_cache_control(response, no_cache=True)
        return response
    response = render(
        request, "booking/_class_offers.html", {"journey": journey, "offers": class_offers(journey)}
    )
    # As long as the figures it shows are kept (display availability), and no longer.
    patch_cache_control(response, public=True, max_age=int(settings.DISPLAY_AVAILABILITY_TTL))
    return response


def _passenger_rows(passengers: Sequence[dict[str, Any]], count: int) -> list[tuple[int, dict[str, Any]]]:
    """The form's rows: the passengers typed so far (all of them, even beyond the quota's limit, so
    the rules refuse them with a message) plus empty rows up to `count`, at least one."""
    return list(enumerate(list(passengers) + [{} for _ in range(max(count, 1) - len(passengers))]))


def _draft_passengers(request: AuthenticatedHttpRequest, data: dict[str, Any]) -> list[dict[str, Any]]:
    """ "Change passengers" on the review page: what the passenger typed, from the session's draft
    (?draft=<id>), when that draft is for this same journey."""
    draft = services.get_draft(session=request.session, draft_id=request.GET.get("draft", ""))
    journey_keys = ("train", "date", "from", "to", "class", "quota")
    if draft is None or any(draft.get(key) != data[key] for key in journey_keys):
        return []
    return list(draft.get("passengers", []))


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def passengers(
    request: AuthenticatedHttpRequest, train: str, date: str, board: str, alight: str, travel_class: str
) -> HttpResponseBase:
    """One passenger block to start with; "Add passenger" (a submit button: no JavaScript needed)
    answers the form with what was typed and one more block, up to the quota's limit."""
    route = _route_or_404(train)
    quota = (request.POST.get("quota") or request.GET.get("quota") or GENERAL).upper()
    if quota not in QUOTAS:
        quota = GENERAL
    travel_class = travel_class.upper()
    limit = booking_rules.max_passengers(quota)
    # The API's JSON shape (booking_requests.parse_booking_request): values of several types.
    data: dict[str, Any] = {
        "train": route.number,
        "date": date,
        "from": board.upper(),
        "to": alight.upper(),
        "class": travel_class,
        "quota": quota,
        "passengers": [],
    }
    context: dict[str, Any] = {
        "route": route,
        "data": data,
        "quota_name": QUOTAS[quota],
        "max_rows": limit,
        "preferences": coach_layouts.berth_preferences(travel_class)
        if travel_class in coach_layouts.LAYOUTS
        else (),
        "berth_names": coach_layouts.BERTH_TYPE_NAMES,
    }
    status = 200
    rows = 1
    if request.method == "POST":
        data["only_if_confirmed"] = "only_if_confirmed" in request.POST
        data["auto_upgrade"] = "auto_upgrade" in request.POST
        try:
            data["passengers"] = posted_passengers(request.POST)
            rows = len(data["passengers"])
            if "add_passenger" in request.POST:
                rows = min(rows + 1, limit)
            else:
                parse_booking_request(data)
        except RuleError as error:
            context["error"] = error
            status = error.status
        else:
            if "add_passenger" not in request.POST:
                return redirect(
                    "booking:review", draft_id=services.save_draft(session=request.session, data=data)
                )
    else:
        data["passengers"] = _draft_passengers(request, data)
        try:
            journey = _offered_journey(route, date, board, alight, travel_class)
            booking_rules.check_quota(quota, travel_class, journey.journey_date, 1, timezone.now())
        except RuleError as error:
            context["error"] = error
            status = error.status
    context["rows"] = _passenger_rows(data["passengers"], rows)
    context["can_add"] = len(context["rows"]) < limit
    return render(request, "booking/passengers.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@rate_limited("booking", key=signed_in_user_or_address)
def review(request: AuthenticatedHttpRequest, draft_id: str) -> HttpResponseBase:
    data = services.get_draft(session=request.session, draft_id=draft_id)
    if data is None:
        # Already confirmed (a second press, or Back): show what it became.
        entry = admission.find_draft_request(draft_id=draft_id, user=request.user)
        if entry is not None:
            return redirect(entry.booking or reverse("booking:queued", args=[admission.request_id(entry)]))
        raise PassengerNotFound(_("This booking draft has expired: start again from the search."))
    context: dict[str, Any] = {"data": data, "draft_id": draft_id}
    status = 200
    if request.method == "POST":  # the Premium Tatkal fare the page showed, fixed under the lock
        data = {**data, "shown_fare": request.POST.get("shown_fare")}
    try:
        booking_request = parse_booking_request(data)
    except RuleError as error:
        return rule_error_page(request, "booking/review.html", context, error)
    if request.method == "POST":
        try:
            # The draft id doubles as the idempotency key: a double submit holds berths once. A
            # Premium Tatkal confirmation of a new fare (after FARE_CHANGED) is a new request: the key
            # names the fare, or the earlier refusal would be replayed.
            key = f"draft:{draft_id}"
            if booking_request.shown_fare is not None:
                key = f"{key}:{booking_request.shown_fare}"
            state = admission.submit(
                user=request.user,
                request=booking_request,
                idempotency_key=key,
                wait_seconds=settings.BOOKING_ADMISSION_WAIT_MS / 1000,
            )
            if state.queued:
                # The draft stays until the outcome: a refusal sends the passenger back to it.
                return redirect("booking:queued", request_id=admission.request_id(state.entry))
            result = admission.outcome_of(state)
        except RuleError as error:
            context["error"] = error
            status = error.status
        else:
            services.drop_draft(session=request.session, draft_id=draft_id)
            if result.created and result.payment_url:
                return redirect(result.payment_url)
            return redirect(result.booking)
    journey = booking_request.journey
    # One inventory read: the availability shown carries Premium Tatkal's slab of the same moment.
    shown = availability(journey, booking_request.travel_class)[booking_request.quota]
    context.update(
        {
            "request_": booking_request,
            "journey": journey,
            "fare": booking_request.fare(shown.premium_tatkal_percent)
            if booking_request.quota == PREMIUM_TATKAL and shown.premium_tatkal_percent is not None
            else booking_request.fare(),
            "quota_name": QUOTAS[booking_request.quota],
            "availability": shown,
            "hold_minutes": settings.BOOKING_HOLD_MINUTES,
        }
    )
    return render(request, "booking/review.html", context, status=status)


# A page that reloads itself (meta refresh: no JavaScript needed) until the request is decided.
@login_required
@never_cache
@require_safe
def queued(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponseBase:
    entry = admission.find_request(request_id=request_id, user=request.user)
    if entry is None:
        raise Http404("No such booking request.")
    # Each look also moves the queue on, should its writer have died (deadline now: one pass).
    state = admission.advance(admission.Admission(entry, False), deadline=time.monotonic())
    if state.queued:
        position = state.position()
        context = {
            "position": position,
            "wait_seconds": admission.retry_after_seconds(position),
            "estimated_wait_ms": admission.estimated_wait_ms(position),
        }
        return render(request, "booking/queued.html", context)
    try:
        result = admission.outcome_of(state)
    except RuleError as error:
        return render(request, "booking/queued.html", {"error": error}, status=error.status)
    booking = result.booking
    if booking.payment_due(timezone.now()):
        payment = open_payment(booking_id=booking.pk, using=booking._state.db)
        if payment is not None:
            return redirect("payments:simulated", payment.token)
    return redirect(booking)


def _own_booking(request: AuthenticatedHttpRequest, pnr: str) -> Booking:
    booking = partitions.find_booking(pnr, lambda rows: rows.filter(user=request.user))
    if booking is None:
        raise PassengerNotFound(_("No booking with PNR %(pnr)s in your account.") % {"pnr": pnr[:PNR_LENGTH]})
    return booking


# private_page, not never_cache: the passenger's own browser may keep the e-ticket (private, no-cache:
# revalidated each time online), which the service worker needs to store it for offline use (pwa/;
# deleted at logout). A ticket awaiting payment links to the gateway with its token: no-store then.
@login_required
@private_page
def ticket(request: AuthenticatedHttpRequest, pnr: str) -> HttpResponse:
    booking = _own_booking(request, pnr)
    now = timezone.now()
    payments = list(booking.payments.order_by("-created_at")[:5])
    open_payment = next((p for p in payments if p.is_open), None)
    context: dict[str, Any] = {
        "booking": booking,
        "passengers": list(booking.passengers.all()),
        "payments": payments,
        "open_payment": open_payment,
        "last_payment": payments[0] if payments else None,
        "payment_due": booking.payment_due(now),
        "cancellable": booking.status in OPEN_STATES and booking.departs_at > now,
        "fare": booking.fare_breakdown,
    }
    response = render(request, "booking/ticket.html", context)
    if open_payment or context["payment_due"]:
        patch_cache_control(response, no_store=True)
    return response


@login_required
@require_POST
def pay(request: AuthenticatedHttpRequest, pnr: str) -> HttpResponseBase:
    booking = _own_booking(request, pnr)
    try:
        _payment, url = reservations.retry_payment(booking=booking, user=request.user)
    except RuleError as error:
        messages.error(request, error.message)
        return redirect(booking)
    return redirect(url)


@login_required
@never_cache
def my_bookings(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Every partition's bookings of this passenger, newest first (partitions.Merged: one COUNT and
    # one page-sized read per partition).
    bookings = partitions.Merged(
        lambda alias: partitions.with_journey_objects(
            Booking.objects.using(alias).filter(user=request.user).order_by("-created_at", "-id")
        ),
        key=lambda booking: (booking.created_at, booking.pk),
        reverse=True,
        related=partitions.JOURNEY_OBJECTS,
    )
    page = Paginator(bookings, 20).get_page(request.GET.get("page"))
    return render(request, "booking/my_bookings.html", {"page": page})


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def cancel(request: AuthenticatedHttpRequest, pnr: str) -> HttpResponseBase:
    """Two steps, nothing pre-ticked: tick passengers, then confirm a list of exactly who is
    cancelled (the rules may add everyone: children cannot travel alone) with each refund and the
    total. Only the confirmation (confirm=yes) cancels."""
    booking = _own_booking(request, pnr)
    active = list(booking.passengers.exclude(status=BookingPassenger.Status.CANCELLED))
    now = timezone.now()
    quotes = reservations.quote_cancellation(
        booking, active, now, reservations.is_charted(booking.inventory, now)
    )
    context: dict[str, Any] = {"booking": booking, "rows": [(row, quotes[row.id]) for row in active]}
    if request.method == "POST":
        chosen = [int(pid) for pid in request.POST.getlist("passenger") if pid.isdecimal()]
        try:
            # A booking no longer open goes straight to the service, which refuses it (409).
            if request.POST.get("confirm") != "yes" and booking.status in OPEN_STATES:
                targets, _remaining = reservations.cancellation_targets(active, chosen)
                return _confirm_cancellation(request, booking, [(row, quotes[row.id]) for row in targets])
            result = reservations.cancel_booking(booking=booking, user=request.user, passenger_ids=chosen)
        except RuleError as error:
            return rule_error_page(request, "booking/cancel.html", context, error)
        if result.booking.is_held:
            messages.success(
                request,
                _("Cancelled. Amount to pay now: %(amount)s.")
                % {"amount": rupees(result.booking.amount_due)},
            )
        else:
            messages.success(
                request, _("Cancelled. Refund: %(amount)s.") % {"amount": rupees(result.refund_total)}
            )
        return redirect(result.booking)
    return render(request, "booking/cancel.html", context)


def _confirm_cancellation(
    request: AuthenticatedHttpRequest, booking: Booking, targets: list[tuple[BookingPassenger, Any]]
) -> HttpResponse:
    context = {
        "booking": booking,
        "targets": targets,
        "refund_total": sum((quote.refund for _row, quote in targets), Decimal("0")),
        "charge_total": sum((quote.charge for _row, quote in targets), Decimal("0")),
    }
    return render(request, "booking/cancel_confirm.html", context)


@never_cache
@require_safe
def pnr_form(request: HttpRequest) -> HttpResponseBase:
    # Digits of any script as typed (Devanagari ४, Tamil ௪: a passenger's keyboard), written as ASCII;
    # isdecimal(), not isdigit(), which also takes "²" (int() refuses it).
    pnr = "".join(str(int(ch)) for ch in request.GET.get("pnr", "") if ch.isdecimal())
    if request.GET.get("pnr") is not None:
        if len(pnr) == PNR_LENGTH:
            return redirect("booking:pnr", pnr=pnr)
        return render(request, "booking/pnr_form.html", {"error": "A PNR is 10 digits."}, status=400)
    return render(request, "booking/pnr_form.html")


@never_cache
@require_safe
@rate_limited("pnr", methods=("GET", "HEAD"))
def pnr_status(request: HttpRequest, pnr: str) -> HttpResponse:
    """What a public PNR enquiry shows: the journey and each passenger's status, no names. Limited per
    address (settings.RATE_LIMITS["pnr"]): PNRs are 10 digits, so unlimited lookups could sweep them."""
    booking = partitions.find_booking(pnr, lambda rows: rows.select_related("inventory"))
    if booking is None or booking.status == Booking.Status.EXPIRED:
        return render(
            request,
            "booking/pnr_form.html",
            {"error": _("No booking with PNR %(pnr)s.") % {"pnr": pnr[:PNR_LENGTH]}},
            status=404,
        )
    context = {
        "booking": booking,
        "passengers": list(booking.passengers.all()),
        "charted": booking.inventory.chart_prepared_at is not None,
        "ticket_url": reverse("booking:eticket", args=[booking.pnr]),
    }
    return render(request, "booking/pnr_status.html", context)
