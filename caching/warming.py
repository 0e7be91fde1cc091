"""What `warm_cache` loads before passengers ask for it. Each app warms its own entries, through
the same code paths its requests take (so the cache holds exactly what pages read), and says so
from its AppConfig.ready(); this module only keeps the lists, so caching imports no domain app.

- `register(Warmer(...))`: search warms popular routes and the autocomplete prefixes, timetable
  the busiest trains' routes (search/warming.py, timetable/warming.py).
- `register_popularity(kind, ranking)`: an app that knows what passengers ask for most ranks it,
  so that the warmers can start there without importing that app: booking ranks the station
  pairs ("routes") and trains ("trains") booked most recently (booking/warming.py).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Warmer:
    option: str  # warm_cache --<option> says how many to warm
    default: int
    help: str
    # Given that number, the calls that fill the cache: [(function, arguments), ...].
    jobs: Callable[[int], list[tuple[Callable, tuple]]]


warmers: list[Warmer] = []  # in the order the apps registered them (INSTALLED_APPS)
_popularity: dict[str, Callable[[int, int], list[Any]]] = {}


def register(warmer: Warmer) -> None:
    if all(existing.option != warmer.option for existing in warmers):
        warmers.append(warmer)


def register_popularity(kind: str, ranking: Callable[[int, int], list[Any]]) -> None:
    """`ranking(limit, days)`: up to `limit` items of `kind`, most asked for in the last `days` first."""
    _popularity[kind] = ranking


def most_popular(kind: str, limit: int, days: int) -> list[Any]:
    """The registered ranking of `kind`, or [] when no installed app ranks it."""
    ranking = _popularity.get(kind)
    return ranking(limit, days) if ranking else []


def topped_up[T](chosen: list[T], more: Iterable[T], limit: int) -> list[T]:
    """`chosen`, then items of `more` not already chosen, up to `limit` in all."""
    return chosen + [item for item in more if item not in chosen][: limit - len(chosen)]
