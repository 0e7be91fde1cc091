"""The key pages' URLs (testsupport/performance_budgets.py: KEY_PAGES), on whatever timetable is
loaded: each provider `provider(user) -> url` creates what its page needs (a booking) in the test
or temporary database and returns the URL to measure. Shared by the budget test and `make
lighthouse` (scripts/lighthouse.py), so both look at the same pages."""

import datetime

from django.conf import settings
from django.urls import get_resolver, reverse
from django.utils import timezone, translation
from django.utils.http import urlencode

from timetable.models import Train
from timetable.running_days import runs_on
from timetable.train_routes import route_for


class PageUnavailable(Exception):
    """The page cannot be measured yet (its URL does not resolve, or no data to show): a reason,
    not a failure."""


def url_name_exists(name):
    """Whether a (possibly namespaced) URL name is defined, whatever arguments it takes."""
    resolver = get_resolver()
    if name in resolver.reverse_dict:  # a plain name (even one with a colon in it)
        return True
    *namespaces, view_name = name.split(":")
    for namespace in namespaces:
        if namespace not in resolver.namespace_dict:
            return False
        resolver = resolver.namespace_dict[namespace][1]
    return view_name in resolver.reverse_dict


def page_url(page, user=None):
    """The URL of a key page, or PageUnavailable saying why it cannot be measured yet."""
    if not url_name_exists(page.url_name):
        raise PageUnavailable(
            f"URL name {page.url_name!r} does not resolve yet (its app is not built or not installed)"
        )
    with translation.override(page.language or settings.LANGUAGE_CODE):
        if not page.provider:
            return reverse(page.url_name)
        return page.provider(user)


# --- Providers ---------------------------------------------------------------------------------


def search_results(user=None):
    """A search with results: between two of the busiest stations, on the first date with trains."""
    from search.forms import SearchForm
    from search.train_search import find_journeys
    from timetable.models import Station

    busiest = list(Station.objects.filter(train_count__gt=0).order_by("-train_count", "code")[:8])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    best = None
    for origin in busiest:
        for destination in busiest:
            if origin == destination:
                continue
            for offset in range(7):
                query = {
                    "from": origin.code,
                    "to": destination.code,
                    "date": (tomorrow + datetime.timedelta(days=offset)).isoformat(),
                }
                form = SearchForm(query)
                if not form.is_valid():
                    break
                count = len(
                    find_journeys(
                        form.cleaned_data["from"], form.cleaned_data["to"], form.cleaned_data["date"]
                    )
                )
                if count and (best is None or count > best[0]):
                    best = (count, query)
                if count:
                    break
        if best and best[0] >= 5:
            break
    if best is None:
        raise PageUnavailable("no two stations with a train between them: load a timetable (seed_demo)")
    return f"{reverse('search')}?{urlencode(best[1])}"


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
    from booking.admission import hold_booking
    from booking.booking_requests import parse_booking_request

    route, date = _journey()
    number, date_text, board, alight, travel_class = _args(route, date)
    request = parse_booking_request(
        {
            "train": number,
            "date": date_text,
            "from": board,
            "to": alight,
            "class": travel_class,
            "passengers": [
                {"name": "Asha Rao", "age": 34, "gender": "F"},
                {"name": "Ravi Rao", "age": 36, "gender": "M"},
            ],
        }
    )
    return hold_booking(user, request).booking.get_absolute_url()


def dashboard(user):
    """The passenger's dashboard with an upcoming booking, so the first screenful has a journey card."""
    eticket(user)  # holds a booking: an upcoming journey awaiting payment
    return reverse("dashboard")
