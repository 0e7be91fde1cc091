"""The e-ticket PDF (the passenger's own, signed in) and /verify/<reference> (public)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache

from accounts.languages import language_of
from booking import partitions
from railconnect.http_types import AuthenticatedHttpRequest
from railconnect.languages import html_lang
from railconnect.rate_limits import rate_limited

from . import slip
from .references import verify_url
from .selectors import valid_ticket


@login_required
@never_cache
def ticket_pdf(request: AuthenticatedHttpRequest, pnr: str) -> HttpResponse:
    # The booking's own partition (its PNR's first digit names it: booking/partitions.py).
    booking = partitions.find_booking(pnr, lambda rows: rows.filter(user=request.user))
    if booking is None:
        raise Http404("No such booking.")
    # One URL whatever the page's language: the slip is in the passenger's remembered language,
    # the same as the one mailed to them (docs/i18n.md).
    pdf = slip.render(
        booking=booking,
        verify_url=verify_url(base_url=request.build_absolute_uri("/"), pnr=booking.pnr),
        language=language_of(user=request.user),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="eticket-{booking.pnr}.pdf"'
    return response


@never_cache
@rate_limited("ticket-verify", methods=("GET", "HEAD"))
def verify(request: HttpRequest, reference: str) -> HttpResponse:
    """One address per ticket (the QR code's), so no language prefix: the page is in the language
    of the checker's browser (the switcher's cookie, else Accept-Language), docs/etickets.md."""
    ticket = valid_ticket(reference=reference)
    with translation.override(translation.get_language_from_request(request, check_path=False)):
        if ticket is None:
            response = render(request, "etickets/not_valid.html", status=404)
        else:
            response = render(request, "etickets/verify.html", {"ticket": ticket})
        response.headers["Content-Language"] = html_lang(translation.get_language())
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    return response
