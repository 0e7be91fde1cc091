from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from caching.page_cache import public_page_cache
from railconnect.http_caching import public_page

from . import schedules


@require_safe
@public_page
@public_page_cache
def train_schedule(request, number):
    schedule = schedules.train_schedule(number)
    if schedule is None:
        raise Http404("No train with that number.")
    train, stops = schedule
    return render(request, "timetable/schedule.html", {"train": train, "stops": stops})
