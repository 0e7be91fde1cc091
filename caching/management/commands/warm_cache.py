import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from caching.warming import warmers


class Command(BaseCommand):
    help = (
        "Fill the cache with what each app registered to warm (caching/warming.py): popular routes, "
        "the station list, the busiest trains."
    )

    def add_arguments(self, parser):
        for warmer in warmers:
            parser.add_argument(f"--{warmer.option}", type=int, default=warmer.default, help=warmer.help)

    def handle(self, *args, **options):
        started = time.perf_counter()
        jobs = [job for warmer in warmers for job in warmer.jobs(options[warmer.option])]
        for job, arguments in tqdm(jobs, desc="Warming", unit="entry", file=self.stderr):
            job(*arguments)
        self.stdout.write(
            self.style.SUCCESS(f"Warmed {len(jobs)} cache entries in {time.perf_counter() - started:.1f} s.")
        )
