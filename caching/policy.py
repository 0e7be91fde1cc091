"""What is cached, at which level, and for how long: the whole policy, in one table.

| family | what | L1 (in-process) | L2 (Redis / local memory) | invalidated by |
|---|---|---|---|---|
| version | the timetable version number | 2 s | forever | importer, seed, admin edits bump it |
| place | a typed place -> its stations | 5 min | 6 h | the timetable version in the key |
| suggest | autocomplete suggestions for a prefix | 5 min | 6 h | the timetable version in the key |
| services | trains between two station sets (any date) | 5 min | 1 h | the timetable version in the key |
| route | a train and its stops in order (the schedule page and booking: timetable/train_routes.py) | 5 min
  | 1 h | the timetable version in the key |
| page | a public page (home, search results, schedule), the same for everyone | 60 s | 60 s
  | the timetable version and the date in the key |
| display-availability | availability shown for display (search results, the week at a glance)
  | not kept | 5 s (DISPLAY_AVAILABILITY_TTL) | expiry only |
| (availability) | seats free on the availability page and at allocation | not cached | not cached
  | read from the inventory row on every request; allocation locks the row |

Why L1 is short: it lives in each worker process and nothing can reach into it to invalidate,
so it only keeps what is versioned (a changed timetable means new keys) and only for minutes;
the version itself stays in L1 for two seconds, which bounds how long an admin edit takes to show.
Availability on the availability page is not cached: it is one indexed row read per class
(booking/availability.py), and the passenger is about to book. Availability shown around it (a
class per search result, six dates at a glance, alternative trains) is "display" availability,
kept five seconds: a rush must not turn every search into dozens of inventory reads, and a figure
five seconds old is what a passenger reading a list sees anyway. The booking itself always
decides on the locked inventory row (booking/reservations.py), never on either figure.

Every copy of data goes through `tiered_cache` under one of these families. The shared cache also
holds state that is no copy of anything, written by its owner with Django's cache API: rate-limit
counters (railconnect/rate_limits.py), sessions (cached_db) and the dashboard's freshness marks
and refresh slot (dashboard/travel_stats.py).
"""

from dataclasses import dataclass
from functools import cache

from django.conf import settings


@dataclass(frozen=True)
class Family:
    name: str
    l1_ttl: float  # 0 = never kept in process
    l2_ttl: float  # None = no expiry
    # Past l2_ttl an entry may still be served for this long while one worker recomputes it.
    stale_grace: float = 0


@cache  # settings are read once per process
def _families():
    return {
        family.name: family
        for family in (
            Family("version", l1_ttl=settings.CACHE_VERSION_L1_TTL, l2_ttl=None),
            Family("place", l1_ttl=settings.CACHE_L1_TTL, l2_ttl=settings.STATION_CACHE_TTL, stale_grace=60),
            Family(
                "suggest", l1_ttl=settings.CACHE_L1_TTL, l2_ttl=settings.STATION_CACHE_TTL, stale_grace=60
            ),
            Family(
                "services", l1_ttl=settings.CACHE_L1_TTL, l2_ttl=settings.TIMETABLE_CACHE_TTL, stale_grace=60
            ),
            Family(
                "route", l1_ttl=settings.CACHE_L1_TTL, l2_ttl=settings.TIMETABLE_CACHE_TTL, stale_grace=60
            ),
            Family("page", l1_ttl=settings.PAGE_CACHE_TTL, l2_ttl=settings.PAGE_CACHE_TTL),
            Family("display-availability", l1_ttl=0, l2_ttl=settings.DISPLAY_AVAILABILITY_TTL),
        )
    }


def family(name):
    return _families()[name]


def family_names():
    return list(_families())
