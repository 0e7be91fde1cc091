"""What booking tells cache warming (caching/warming.py): the station pairs and the trains booked
most recently, so that search and the timetable warm what passengers book first."""

import datetime
from collections import Counter

from django.db.models import Count
from django.utils import timezone

from caching.warming import register_popularity
from timetable.models import Station, Train

from . import partitions
from .models import Booking


def _most_booked(fields: tuple[str, ...], limit: int, days: int) -> list[tuple[int, ...]]:
    """The values of `fields` (ids) on the most bookings made in the last `days`, most booked first,
    counted on every partition (booking/partitions.py: one grouped query each, no join)."""
    since = timezone.now() - datetime.timedelta(days=days)
    counts: Counter[tuple[int, ...]] = Counter()
    for using in partitions.aliases():
        rows = (
            Booking.objects.using(using)
            .filter(created_at__gte=since)
            .values_list(*fields)
            .annotate(n=Count("id"))
            .order_by("-n")
            .values_list(*fields, "n")
        )
        if len(partitions.aliases()) == 1:
            rows = rows[:limit]
        for *key, n in rows:
            counts[tuple(key)] += n
    return [key for key, _n in counts.most_common(limit)]


def _routes(limit: int, days: int) -> list[str | tuple[str, ...]]:
    ranked = _most_booked(("board_station_id", "alight_station_id"), limit, days)
    codes = dict(
        Station.objects.filter(pk__in={pk for pair in ranked for pk in pair}).values_list("pk", "code")
    )
    return [(codes[board], codes[alight]) for board, alight in ranked if board in codes and alight in codes]


def _trains(limit: int, days: int) -> list[str | tuple[str, ...]]:
    ranked = [train_id for (train_id,) in _most_booked(("train_id",), limit, days)]
    numbers = dict(Train.objects.filter(pk__in=ranked).values_list("pk", "number"))
    return [numbers[train_id] for train_id in ranked if train_id in numbers]


def register_rankings() -> None:
    register_popularity("routes", _routes)
    register_popularity("trains", _trains)
