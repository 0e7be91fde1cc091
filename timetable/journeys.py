"""The journey rules search and booking share, written once: how far ahead a journey may be
chosen, and on which dates a train leaves one of its stops.

- Horizon: a journey date (the departure date at the boarding station) lies in `booking_window()`:
  today up to settings.BOOKING_HORIZON_DAYS ahead. Search offers those dates, booking accepts them.
- Running days belong to the train's first station (running_days.py): a train leaving a stop on
  day 2 of its run must have left its first station the day before, so the date at the stop
  minus the stop's day offset must be a running day (`run_start`).
"""

import datetime
import re

from django.conf import settings
from django.utils import timezone

from .models import MINUTES_PER_DAY
from .running_days import first_station_date, runs_on


class RuleError(ValueError):
    """A request the rules refuse: `field` names what to change, `message` says why, `status` is
    the HTTP status a view answers with."""

    status = 400

    def __init__(
        self, field: str, message: str, *, code: str | None = None, params: dict[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        # A refusal that may be answered later and in another language (booking's queued requests
        # are decided by whichever process holds the writer role) names its wording by `code`,
        # filled with `params`, so it can be worded again at answer time (booking_rules.refusal_text).
        self.code = code
        self.params = params or {}


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def parse_journey_date(text: object) -> datetime.date | None:
    """The date written exactly as YYYY-MM-DD, or None: no ISO week (2026-W50-4) or ordinal
    (2026-344) dates, no unpadded or other layouts, which date.fromisoformat also reads."""
    if not isinstance(text, str) or not ISO_DATE.fullmatch(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def booking_window(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The first and last dates a journey can be searched or booked for."""
    today = today or timezone.localdate()
    return today, today + datetime.timedelta(days=settings.BOOKING_HORIZON_DAYS)


def run_start(running_days: int, departure_minute: int, date: datetime.date) -> datetime.date | None:
    """The date the train leaves its first station when it leaves a stop `departure_minute`
    minutes into its run on `date`; None when it does not run that day."""
    first_day = first_station_date(date, departure_minute // MINUTES_PER_DAY)
    return first_day if runs_on(running_days, first_day) else None


def moment_of_run(first_day: datetime.date, minute: int) -> datetime.datetime:
    """The (naive, local) moment `minute` minutes into a run that left its first station on `first_day`."""
    return datetime.datetime.combine(first_day, datetime.time()) + datetime.timedelta(minutes=minute)
