"""Load the built-in demo network: real major stations and generated trains.

Deterministic and idempotent: running it again rewrites the same stations and trains.
`--scale N` adds synthetic halts and (N - 1) times as many synthetic trains, for benchmarks.
"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from demo.network import build_demo_network
from timetable.loading import load_network
from timetable.models import Train


class Command(BaseCommand):
    help = "Load the demo network (real major stations, generated trains) into the database."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="Size multiplier: 1 is the demo network, N > 1 adds synthetic load (default 1).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has trains (used by `make run`).",
        )

    def handle(self, *args, scale, if_empty, verbosity, **options):
        if scale < 1:
            raise CommandError("--scale must be at least 1")
        if if_empty and Train.objects.exists():
            self.stdout.write("The database already has trains; not seeding the demo network.")
            return
        started = time.perf_counter()
        stations, trains = build_demo_network(scale)
        # The bar goes to the real stderr: tqdm redraws one line, which Django's output
        # wrapper (it appends a newline to every write) would break into many.
        bar = tqdm(
            total=len(trains), desc="Loading trains", unit="train", file=sys.stderr, disable=verbosity == 0
        )
        with bar:
            summary = load_network(stations, trains, progress=bar.update)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo network (scale {scale}): {summary.stations_written:,} stations, "
                f"{summary.trains_written:,} trains, {summary.stops_written:,} stops in {elapsed:.1f} s."
            )
        )
