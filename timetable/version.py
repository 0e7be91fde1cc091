"""A version number for the timetable, bumped whenever it changes (import, seed, admin edit).

Cached search results and station lists put it in their keys, so a change makes every old
entry unreachable at once instead of needing to find and delete them.
"""

from django.core.cache import cache

VERSION_KEY = "timetable:version"


def timetable_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def bump_timetable_version():
    try:
        return cache.incr(VERSION_KEY)
    except ValueError:  # not set yet (or evicted): any fresh number invalidates old keys
        cache.set(VERSION_KEY, 2, timeout=None)
        return 2
