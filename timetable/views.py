from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from railconnect.http_caching import public_page

from .models import Train


@require_GET
@public_page
def train_schedule(request, number):
    train = get_object_or_404(Train.objects.select_related("origin", "destination"), number=number[:10])
    stops = train.stops.select_related("station").order_by("sequence")
    return render(request, "timetable/schedule.html", {"train": train, "stops": stops})
