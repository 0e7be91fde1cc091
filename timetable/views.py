from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from caching.page_cache import public_page_cache
from railconnect.http_caching import public_page

from .train_routes import route_for
from .version import timetable_version


@require_safe
@public_page
@public_page_cache(version=timetable_version)
def train_schedule(request, number):
    route = route_for(number)
    if route is None:
        raise Http404("No train with that number.")
    return render(request, "timetable/schedule.html", {"route": route})
