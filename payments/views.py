"""The simulated gateway's page (Pay / Fail / Time out) and the gateway callback endpoint."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from railconnect.error_pages import PassengerNotFound
from railconnect.http_types import AuthenticatedHttpRequest
from railconnect.json_errors import json_error

from . import services
from .gateway import FAILED, SUCCEEDED, TIMED_OUT, BadCallback, SimulatedGateway, get_gateway
from .models import Payment

ACTIONS = {"pay": SUCCEEDED, "fail": FAILED, "timeout": TIMED_OUT}


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def simulated_gateway(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    payment = services.find_payment(
        Payment.objects.select_related("booking").filter(
            token=token[:40], user=request.user, gateway=SimulatedGateway.name
        )
    )
    if payment is None:
        raise PassengerNotFound(
            _("This payment link is not valid for your account: open the booking from My bookings to pay.")
        )
    if request.method == "POST" and payment.is_open:
        outcome = ACTIONS.get(request.POST.get("action", ""))
        if outcome is None:
            return render(
                request,
                "payments/simulated.html",
                {"payment": payment, "error": "Choose Pay or Fail."},
                status=400,
            )
        # The gateway "posts" its signed callback to us: the same code path as /payments/callback.
        settled = services.settle_simulated(payment=payment, outcome=outcome)
        # The booking page shows the outcome (booking/ticket.html reads these tags): success in a
        # line, a failure prominently with what to do next.
        if settled.state == Payment.State.SUCCEEDED:
            messages.success(
                request, _("Payment successful: your ticket is booked."), extra_tags="payment-succeeded"
            )
        else:
            messages.error(request, _("Payment not completed."), extra_tags="payment-failed")
        return redirect(payment.booking)
    if request.method == "POST":
        return redirect(payment.booking)
    return render(request, "payments/simulated.html", {"payment": payment})


@csrf_exempt
@require_POST
def gateway_callback(request: HttpRequest, gateway_name: str) -> HttpResponse:
    try:
        gateway = get_gateway(gateway_name)
    except KeyError:
        return json_error("unknown gateway", status=404)
    try:
        result = gateway.parse_callback(request.POST)
        payment = services.settle(result)
    except BadCallback as error:
        return json_error(str(error), status=400)
    except services.UnknownPayment:
        return json_error("unknown payment", status=404)
    return JsonResponse({"payment": payment.token, "state": payment.state})
