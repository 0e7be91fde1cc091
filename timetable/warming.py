"""What the timetable warms (`warm_cache`, caching/warming.py): the routes of the busiest trains,
those booked most recently (as ranked by booking) topped up with the trains of most stops."""

from django.db.models import Count

from caching.warming import Warmer, most_popular, register, topped_up

from .models import Train
from .train_routes import route_for


def busiest_trains(limit: int, days: int = 14) -> list[str]:
    by_stops = (
        Train.objects.annotate(n=Count("stops")).order_by("-n", "number").values_list("number", flat=True)
    )
    return topped_up(most_popular("trains", limit, days), list(by_stops[: limit * 2]), limit)


def register_warmers() -> None:
    register(
        Warmer(
            "trains",
            100,
            "busiest trains' routes to warm",
            lambda limit: [(route_for, (number,)) for number in busiest_trains(limit)],
        )
    )
