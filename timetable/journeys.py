"""The journey rules search and booking share, written once: how far ahead a journey may be
chosen, and on which dates a train leaves one of its stops.

- Horizon: a journey date (the departure date at the boarding station) lies in `booking_window()`:
  today up to settings.BOOKING_HORIZON_DAYS ahead. Search offers those dates, booking accepts them.
- Running days belong to the train's first station (running_days.py): a train leaving a stop on
  day 2 of its run must have left its first station the day before, so the date at the stop
  minus the stop's day offset must be a running day (`run_start`).
"""

import datetime

from django.conf import settings
from django.utils import timezone

from .models import MINUTES_PER_DAY
from .running_days import first_station_date, runs_on


class RuleError(ValueError):
    """A request the rules refuse: `field` names what to change, `message` says why."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def booking_window(today=None):
    """The first and last dates a journey can be searched or booked for."""
    today = today or timezone.localdate()
    return today, today + datetime.timedelta(days=settings.BOOKING_HORIZON_DAYS)


def run_start(running_days, departure_minute, date):
    """The date the train leaves its first station when it leaves a stop `departure_minute`
    minutes into its run on `date`; None when it does not run that day."""
    first_day = first_station_date(date, departure_minute // MINUTES_PER_DAY)
    return first_day if runs_on(running_days, first_day) else None


def moment_of_run(first_day, minute):
    """The (naive, local) moment `minute` minutes into a run that left its first station on `first_day`."""
    return datetime.datetime.combine(first_day, datetime.time()) + datetime.timedelta(minutes=minute)
