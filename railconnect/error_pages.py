"""The site's 404 and 403 pages (handler404, handler403) and the CSRF failure page
(settings.CSRF_FAILURE_VIEW): the site header, and the specific reason when there is one for the
passenger. JSON in the site's one error shape under /api/ (json_errors).

A view that knows why something is missing raises `PassengerNotFound("This booking draft has
expired...")`; its message reaches the page. Any other Http404 (an unknown URL, get_object_or_404's
"No X matches the given query.", written for developers) gets the general text.
500 and 503 pages are self-contained templates (templates/500.html, 503.html): they must render
without the database, so they do not extend base.html, whose header reads the signed-in user.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from railconnect.json_errors import is_api, json_error, standard_error


class PassengerNotFound(Http404):
    """A 404 whose message is written for the passenger and shown on the page."""


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    reason = str(exception) if isinstance(exception, PassengerNotFound) else ""
    if is_api(request):
        return json_error(reason, status=404, code="not_found") if reason else standard_error(request, 404)
    return render(request, "404.html", {"reason": reason}, status=404)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return standard_error(request, 403)
    return render(request, "403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form the CSRF check refused: a 403 page in the site's layout saying that nothing was done
    and how to send it again (a link back to the page it came from, when that is this site)."""
    if is_api(request):
        return json_error(
            f"CSRF check failed ({reason}): send the csrftoken cookie's value in the X-CSRFToken header.",
            status=403,
            code="csrf_failed",
        )
    referer = request.META.get("HTTP_REFERER", "")
    safe = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    context = {"no_cookie": reason == REASON_NO_CSRF_COOKIE, "retry_url": referer if safe else ""}
    return render(request, "403_csrf.html", context, status=403)
