import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from caching import warming
from search.station_suggestions import suggest_stations
from timetable.schedules import train_schedule


class Command(BaseCommand):
    help = "Fill the cache with popular routes, the station list and the busiest trains' schedules."

    def add_arguments(self, parser):
        parser.add_argument("--routes", type=int, default=200, help="popular routes to warm")
        parser.add_argument("--trains", type=int, default=100, help="busiest trains' schedules to warm")
        parser.add_argument("--stations", type=int, default=200, help="busiest stations whose prefixes to warm")

    def handle(self, *args, routes, trains, stations, **options):
        started = time.perf_counter()
        jobs = (
            [(warming.warm_route, route) for route in warming.popular_routes(routes)]
            + [(suggest_stations, (prefix,)) for prefix in warming.suggestion_prefixes(stations)]
            + [(train_schedule, (number,)) for number in warming.busiest_trains(trains)]
        )
        for job, arguments in tqdm(jobs, desc="Warming", unit="entry", file=self.stderr):
            job(*arguments)
        self.stdout.write(self.style.SUCCESS(f"Warmed {len(jobs)} cache entries in {time.perf_counter() - started:.1f} s."))
