import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from timetable.loading import load_network
from timetable.records import StationRecord, TrainRecord
from timetable.stations_geojson import read_stations
from timetable.timetable_csv import read_timetable


class Command(BaseCommand):
    help = (
        "Import stations (GeoJSON) and a timetable (open-data CSV). "
        "Safe to re-run: it updates, never duplicates."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--stations", help="GeoJSON FeatureCollection of stations")
        parser.add_argument("--timetable", help="timetable CSV, one row per stop")

    # BaseCommand's signature: the other options are whatever Django passes.
    def handle(
        self, *args: Any, stations: str | None = None, timetable: str | None = None, **options: Any
    ) -> None:
        if not stations and not timetable:
            raise CommandError("give --stations FILE.geojson and/or --timetable FILE.csv")
        started = time.perf_counter()
        station_records: list[StationRecord] = []
        trains: list[TrainRecord] = []
        errors: list[str] = []
        try:
            if stations:
                with open(stations, encoding="utf-8") as stream:
                    station_records, problems = read_stations(stream)
                errors += [f"{stations}: {problem}" for problem in problems]
            if timetable:
                with open(timetable, encoding="utf-8-sig", newline="") as stream:
                    parsed = read_timetable(stream)
                trains = parsed.trains
                errors += [f"{timetable}: {error}" for error in parsed.errors]
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from None

        for problem in errors:
            self.stderr.write(self.style.WARNING(f"skipped {problem}"))
        with tqdm(
            total=len(trains), unit="train", desc="Importing", disable=not trains, file=self.stderr
        ) as bar:
            summary = load_network(station_records, trains, progress=bar.update)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {summary.stations_written} stations, {summary.trains_written} trains, "
                f"{summary.stops_written} stops; created {summary.stations_created_from_timetable} stations "
                f"missing from the station file; skipped {len(errors)} bad record(s); "
                f"{time.perf_counter() - started:.1f} s."
            )
        )
