"""What booking tells cache warming (caching/warming.py): the station pairs and the trains booked
most recently, so that search and the timetable warm what passengers book first."""

import datetime

from django.db.models import Count
from django.utils import timezone

from caching.warming import register_popularity

from .models import Booking


def _most_booked(fields: tuple[str, ...], limit: int, days: int) -> list[str | tuple[str, ...]]:
    """The values of `fields` on the most bookings made in the last `days`, most booked first."""
    since = timezone.now() - datetime.timedelta(days=days)
    rows = (
        Booking.objects.filter(created_at__gte=since)
        .values_list(*fields)
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list(*fields)[:limit]
    )
    return [row if len(fields) > 1 else row[0] for row in rows]


def register_rankings() -> None:
    register_popularity(
        "routes",
        lambda limit, days: _most_booked(("board_station__code", "alight_station__code"), limit, days),
    )
    register_popularity("trains", lambda limit, days: _most_booked(("train__number",), limit, days))
