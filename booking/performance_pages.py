"""Booking pages for the performance budget check (railconnect/performance_budgets.py): a passenger
form and an e-ticket, on whatever timetable is loaded."""

import datetime

from django.urls import reverse
from django.utils import timezone

from railconnect.performance_pages import PageUnavailable
from timetable.models import Train
from timetable.running_days import runs_on
from timetable.train_routes import route_for


def _journey():
    for train in Train.objects.exclude(classes="").order_by("number")[:50]:
        route = route_for(train.number)
        if route is None or len(route.stops) < 2 or route.stops[0].departure_minute is None:
            continue
        for offset in range(2, 10):
            date = timezone.localdate() + datetime.timedelta(days=offset)
            if runs_on(route.running_days, date):
                return route, date
    raise PageUnavailable("no train with a running day in the next week: load a timetable")


def _args(route, date):
    return [route.number, date.isoformat(), route.stops[0].code, route.stops[-1].code, route.classes[0]]


def passenger_form(user):
    route, date = _journey()
    return reverse("booking:passengers", args=_args(route, date))


def eticket(user):
    from .booking_requests import parse_booking_request
    from .reservations import hold_booking

    route, date = _journey()
    number, date_text, board, alight, travel_class = _args(route, date)
    request = parse_booking_request({
        "train": number, "date": date_text, "from": board, "to": alight, "class": travel_class,
        "passengers": [{"name": "Asha Rao", "age": 34, "gender": "F"}, {"name": "Ravi Rao", "age": 36, "gender": "M"}],
    })
    return hold_booking(user, request).booking.get_absolute_url()


def dashboard(user):
    """The passenger's dashboard: My bookings, with one booking on it."""
    eticket(user)
    return reverse("booking:list")
