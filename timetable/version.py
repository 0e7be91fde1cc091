"""A version number for the timetable, bumped whenever it changes (import, seed, admin edit).

Cached search results and station lists put it in their keys, so a change makes every old
entry unreachable at once instead of needing to find and delete them. The number lives in the
shared cache; each process keeps it for a couple of seconds (CACHE_VERSION_L1_TTL).
"""

from django.core.cache import cache

from caching.tiered import tiered_cache

VERSION_KEY = "timetable:version"


def _load_version() -> int:
    version: int | None = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def timetable_version() -> int:
    return tiered_cache.remember_locally("version", VERSION_KEY, _load_version)


def bump_timetable_version() -> int:
    try:
        version = cache.incr(VERSION_KEY)
    except ValueError:  # not set yet, evicted, or the cache is down: any fresh number will do
        version = (cache.get(VERSION_KEY) or 1) + 1
        cache.set(VERSION_KEY, version, timeout=None)
    tiered_cache.forget_locally(VERSION_KEY)
    return version
