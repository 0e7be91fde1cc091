"""A train's schedule (the train and its stops in order), through the two-level cache."""

from caching.tiered import tiered_cache

from .models import Train
from .version import timetable_version


def _load_schedule(number):
    train = Train.objects.select_related("origin", "destination").filter(number=number).first()
    if train is None:
        return None
    return train, list(train.stops.select_related("station").order_by("sequence"))


def train_schedule(number):
    """(train, stops) for a train number, or None when there is no such train."""
    return tiered_cache.get_or_set("schedule", (timetable_version(), number), lambda: _load_schedule(number))
