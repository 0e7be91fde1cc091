from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from caching.page_cache import public_page_cache
from railconnect.error_pages import PassengerNotFound
from railconnect.http_caching import public_page

from .train_routes import route_for
from .version import timetable_version


@require_safe
@public_page
@public_page_cache(version=timetable_version)
def train_schedule(request: HttpRequest, number: str) -> HttpResponse:
    route = route_for(number)
    if route is None:
        # The reason reaches the 404 page (railconnect/error_pages.py); the URL allows only
        # [0-9A-Za-z-]{1,10} here.
        raise PassengerNotFound(_("There is no train number %(train)s.") % {"train": number})
    return render(request, "timetable/schedule.html", {"route": route})
