"""`make bench`: importer speed and search latency, on SQLite and (when reachable) PostgreSQL.

1. A full-size timetable (about 2,900 trains / 62,000 stops, the size of the complete
   open-data file) is written in the open-data CSV layout from the demo generator, then
   imported into an empty database with the real station file, and imported again (update).
2. Search latency on that network, and on `seed_demo --scale 10`.
Results print as a table and are saved under bench-results/.
"""

import argparse
import json
import subprocess
import time

from testsupport.databases import PYTHON, ROOT, fresh_database, manage, postgres_reachable
from testsupport.results import RESULTS, save

SHARED = ROOT.parent / "shared" / "data"
FULL_SIZE_SCALE = 6  # demo network x6 ~ the complete open-data timetable


def write_full_size_csv():
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "railconnect.settings")
    import django

    django.setup()
    from demo.network import build_demo_network

    from benchmarks.export_timetable_csv import write_open_data_csv

    stations, trains = build_demo_network(scale=FULL_SIZE_SCALE)
    path = RESULTS / "full-size-timetable.csv"
    stops = write_open_data_csv(path, stations, trains)
    return path, len(trains), stops


def timed(*args, database_url):
    started = time.perf_counter()
    manage(*args, database_url=database_url, capture=True)
    return round(time.perf_counter() - started, 2)


def search_latency(database_url, pairs):
    output = subprocess.run(
        [PYTHON, "-m", "benchmarks.bench_search", "--database-url", database_url, "--pairs", str(pairs)],
        check=True,
        text=True,
        capture_output=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    csv_path, train_count, stop_count = write_full_size_csv()
    print(f"full-size timetable: {train_count} trains, {stop_count} stops -> {csv_path}", flush=True)
    stations = SHARED / "stations.geojson"
    station_args = ["--stations", str(stations)] if stations.exists() else []

    report = {"full_size_trains": train_count, "full_size_stops": stop_count, "runs": {}}
    for kind in args.databases.split(","):
        if kind == "postgres" and not postgres_reachable():
            print("PostgreSQL unreachable: skipping its runs", flush=True)
            continue
        run = report["runs"][kind] = {}
        url = fresh_database(kind, "railconnect_bench_full")
        run["import_seconds"] = timed(
            "import_timetable", *station_args, "--timetable", str(csv_path), database_url=url
        )
        run["reimport_seconds"] = timed(
            "import_timetable", *station_args, "--timetable", str(csv_path), database_url=url
        )
        print(f"[{kind}] import {run['import_seconds']} s, re-import {run['reimport_seconds']} s", flush=True)
        run["search_full_size"] = search_latency(url, args.pairs)
        print(f"[{kind}] full-size search: {json.dumps(run['search_full_size'])}", flush=True)
        url = fresh_database(kind, "railconnect_bench_x10")
        run["seed_scale_10_seconds"] = timed("seed_demo", "--scale", "10", database_url=url)
        run["search_scale_10"] = search_latency(url, args.pairs)
        print(
            f"[{kind}] seed --scale 10 {run['seed_scale_10_seconds']} s; "
            f"search: {json.dumps(run['search_scale_10'])}",
            flush=True,
        )
    save("timetable", report)
    print_table(report)


def print_table(report):
    print(
        "\n| database | network | search query median / p95 / p99 (ms) | uncached search median / p95 (ms) |"
    )
    print("|---|---|---|---|")
    for kind, run in report["runs"].items():
        for label, key in (("full size", "search_full_size"), ("scale 10", "search_scale_10")):
            q, s = run[key]["search_query"], run[key]["uncached_search"]
            print(
                f"| {kind} | {label} ({run[key]['stations']} stations) "
                f"| {q['median_ms']} / {q['p95_ms']} / {q['p99_ms']} | {s['median_ms']} / {s['p95_ms']} |"
            )
    for kind, run in report["runs"].items():
        print(
            f"{kind}: import {run['import_seconds']} s, re-import {run['reimport_seconds']} s, "
            f"seed --scale 10 {run['seed_scale_10_seconds']} s"
        )


if __name__ == "__main__":
    main()
