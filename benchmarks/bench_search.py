"""Search latency on the database at --database-url: median/p95/p99 over random station pairs.

Two figures per pair, both with caches bypassed: the search query alone (the stops self-join
and the per-train choice of the shortest ride) and a whole uncached search (resolving both
places, the query, applying the date). Prints one JSON object.
"""

import argparse
import datetime
import json
import random
import time

from testsupport.databases import setup_django
from testsupport.results import summarize_ms


def station_pairs(count, rng):
    """Half the pairs are served by some train (board before alight), half are random stations."""
    from timetable.models import Station, Stop

    served_ids = list(Station.objects.filter(train_count__gt=0).values_list("id", flat=True))
    train_ids = list(Stop.objects.values_list("train_id", flat=True).distinct())
    pairs = []
    while len(pairs) < count:
        if len(pairs) % 2:
            pairs.append(tuple(rng.sample(served_ids, 2)))
            continue
        stops = list(
            Stop.objects.filter(train_id=rng.choice(train_ids))
            .order_by("sequence")
            .values_list("station_id", flat=True)
        )
        board, alight = sorted(rng.sample(range(len(stops)), 2))
        pairs.append((stops[board], stops[alight]))
    return pairs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--pairs", type=int, default=2000)
    args = parser.parse_args()
    setup_django(args.database_url)

    from django.core.cache import cache
    from django.db import connection

    from search.places import resolve_place
    from search.train_search import ResultOptions, _query_services, find_journeys
    from timetable.models import Station

    rng = random.Random(20261125)
    pairs = station_pairs(args.pairs, rng)
    codes = dict(Station.objects.values_list("id", "code"))
    date = datetime.date.today() + datetime.timedelta(days=7)
    for origin, destination in pairs[:50]:  # warm the connection and the database's buffers
        _query_services([origin], [destination])

    query_times, search_times, results = [], [], []
    for origin, destination in pairs:
        started = time.perf_counter()
        services = _query_services([origin], [destination])
        query_times.append(time.perf_counter() - started)
        cache.clear()
        started = time.perf_counter()
        journeys = find_journeys(
            resolve_place(codes[origin]), resolve_place(codes[destination]), date, ResultOptions()
        )
        search_times.append(time.perf_counter() - started)
        results.append(len(services))
        del journeys
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "stations": Station.objects.count(),
                "pairs": len(pairs),
                "trains_per_pair_mean": round(sum(results) / len(results), 1),
                "trains_per_pair_max": max(results),
                "search_query": summarize_ms(query_times),
                "uncached_search": summarize_ms(search_times),
            }
        )
    )


if __name__ == "__main__":
    main()
