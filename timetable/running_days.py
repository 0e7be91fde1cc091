"""Running days of a train, kept as a 7-bit mask (Monday = bit 0 ... Sunday = bit 6).

Running days always refer to the day a train leaves its FIRST station.
"""

import datetime

from django.utils.translation import gettext, gettext_noop

# Translated when shown (Django's Tamil catalogue lacks these abbreviations: ours has them).
DAY_NAMES = (
    gettext_noop("Mon"),
    gettext_noop("Tue"),
    gettext_noop("Wed"),
    gettext_noop("Thu"),
    gettext_noop("Fri"),
    gettext_noop("Sat"),
    gettext_noop("Sun"),
)
DAILY = 0b1111111


class RunningDaysError(ValueError):
    pass


def parse_running_days(text: str) -> int:
    """'Daily' or day names separated by spaces ('Mon Wed Fri') -> bitmask."""
    words = text.replace(",", " ").split()
    if len(words) == 1 and words[0].lower() == "daily":
        return DAILY
    mask = 0
    lookup = {name.lower(): index for index, name in enumerate(DAY_NAMES)}
    for word in words:
        index = lookup.get(word[:3].lower())
        if index is None or len(word) < 3:
            raise RunningDaysError(f"unknown day {word!r} in running days {text!r}")
        mask |= 1 << index
    if not mask:
        raise RunningDaysError("running days are empty")
    return mask


def format_running_days(mask: int) -> str:
    if mask == DAILY:
        return gettext("Daily")
    # Django's own catalogues name the days in the active language.
    return " ".join(gettext(name) for index, name in enumerate(DAY_NAMES) if mask & (1 << index))


def runs_on(mask: int, date: datetime.date) -> bool:
    """Does a train with this mask leave its first station on `date`?"""
    return bool(mask & (1 << date.weekday()))


def shift_mask(mask: int, days: int) -> int:
    """The days of the week on which a stop reached `days` after the start is served."""
    days %= 7
    return ((mask << days) | (mask >> (7 - days))) & DAILY


def first_station_date(date_at_stop: datetime.date, day_offset: int) -> datetime.date:
    """The date a train left its first station, given the date it is at a stop `day_offset` days in."""
    return date_at_stop - datetime.timedelta(days=day_offset)
