"""The site's 404 and 403 pages (handler404, handler403): the site header, and the specific reason when
the view gave one for the passenger. JSON in the site's one error shape under /api/ (json_errors).

A view that knows why something is missing raises `PassengerNotFound("This booking draft has
expired...")`; its message reaches the page. Any other Http404 (an unknown URL, get_object_or_404's
"No X matches the given query.", written for developers) gets the general text.
500 and 503 pages are self-contained templates (templates/500.html, 503.html): they must render
without the database, so they do not extend base.html, whose header reads the signed-in user.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

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
