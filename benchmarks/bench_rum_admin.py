"""The Web Vitals report (admin) with 100,000 stored page views: how long it takes to render, and
how long the aggregation that feeds it takes. Also the cost of storing one beacon (POST /rum).

For each database (SQLite, and PostgreSQL when reachable), in a fresh database of its own:
1. 100,000 page views over the last 28 days (12 page routes, 3 device classes, realistic value
   spreads, LCP elements and INP targets), inserted in bulk;
2. `aggregate_rum --days 28` (all 28 days: daily and rolling 28-day figures, top targets), timed,
   then `aggregate_rum` as cron runs it (yesterday and today);
3. the report page rendered by a staff user, RUNS times (first run reported apart; median of the
   rest): the wall time of the request through Django's whole handler, and its Server-Timing total;
4. POST /rum with a valid document, 500 times (median and p95).

    .venv/bin/python -m benchmarks.bench_rum_admin [--views 100000] [--runs 7] [--only sqlite|postgres]

Results print and are saved to bench-results/rum_admin.json. Only loopback databases are used;
the PostgreSQL database is dropped at the end.
"""

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import time
from pathlib import Path

from testsupport.databases import POSTGRES_ADMIN_URL, PYTHON, ROOT, fresh_database, postgres_reachable
from testsupport.results import RESULTS, save

ROUTES = [
    "/",
    "/search",
    "/trains/<number>",
    "/book/<train>/<date>/<board>/<alight>/<travel_class>",
    "/book/<train>/<date>/<board>/<alight>/<travel_class>/passengers",
    "/book/review/<draft_id>",
    "/bookings/",
    "/bookings/<pnr>",
    "/pnr",
    "/pnr/<pnr>",
    "/accounts/login/",
    "/payments/<token>",
]
LCP_TARGETS = [
    "main>section.hero>h1",
    "a.promo>picture>img",
    "table.schedule",
    "ol.journeys>li",
    "form.passengers",
    "div.ticket>h1",
    "main>p",
    "ul.destinations>li>a>picture>img",
]
INP_TARGETS = [
    "input#from",
    "input#to",
    "button[type=submit]",
    "a.sort",
    "button[data-formset-add]",
    "select#id_form-0-berth_preference",
    "details>summary",
]


def generate(views, days):
    from django.utils import timezone

    from rum.models import PageView
    from rum.vitals import BY_NAME

    rng = random.Random(42)
    today = timezone.localdate()
    now = timezone.now()
    batch = []
    for index in range(views):
        route = rng.choices(ROUTES, weights=[30, 25, 12, 8, 6, 4, 4, 3, 3, 2, 2, 1])[0]
        device = rng.choices(["phone", "tablet", "desktop"], weights=[70, 8, 22])[0]
        slow = 1.8 if device == "phone" else 1.0
        ttfb = rng.lognormvariate(5.6, 0.6) * slow
        fcp = ttfb + rng.lognormvariate(6.5, 0.5) * slow
        lcp = fcp + rng.lognormvariate(5.5, 1.0) * slow
        values = {
            "ttfb": ttfb,
            "fcp": fcp,
            "lcp": lcp,
            "cls": round(rng.expovariate(25), 4),
            "inp": rng.lognormvariate(4.6, 0.7) * slow if rng.random() < 0.45 else None,
        }
        row = {
            "view_id": f"bench{index:08d}",
            "day": today - __import__("datetime").timedelta(days=rng.randrange(days)),
            "route": route,
            "device_class": device,
            "navigation_type": "navigate",
            "connection_type": rng.choice(["4g", "4g", "4g", "3g", "unknown"]),
            "lcp_target": rng.choice(LCP_TARGETS),
            "lcp_ttfb": ttfb,
            "lcp_load_delay": 10.0,
            "lcp_load_duration": 200.0,
            "lcp_render_delay": 30.0,
            "fcp_ttfb": ttfb,
            "fcp_delay": fcp - ttfb,
            "ttfb_waiting": 1.0,
            "ttfb_dns": 20.0,
            "ttfb_connection": 40.0,
            "ttfb_request": ttfb - 61,
            "server_total": ttfb * 0.3,
            "server_db": ttfb * 0.1,
            "server_cache": 1.0,
        }
        for name, value in values.items():
            if value is None:
                continue
            vital = BY_NAME[name.upper()]
            value = round(value, 4 if name == "cls" else 1)
            row[name] = value
            row[vital.rating_column] = vital.rating(value)
        if values["inp"] is not None:
            row.update(
                inp_target=rng.choice(INP_TARGETS),
                inp_type=rng.choice(["pointer", "keyboard"]),
                inp_input_delay=5.0,
                inp_processing=values["inp"] * 0.6,
                inp_presentation=values["inp"] * 0.3,
            )
        batch.append(PageView(received_at=now, updated_at=now, **row))
        if len(batch) == 5000:
            PageView.objects.bulk_create(batch)
            batch = []
    PageView.objects.bulk_create(batch)
    return PageView.objects.count()


def server_timing_total(response):
    match = re.search(r"total;dur=([\d.]+)", response.get("Server-Timing", ""))
    return float(match.group(1)) if match else None


def measure(kind, views, runs):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from testsupport.rum_documents import beacon, valid_document

    started = time.perf_counter()
    stored = generate(views, 28)
    insert_s = time.perf_counter() - started

    started = time.perf_counter()
    call_command("aggregate_rum", "--days", "28", stdout=open(os.devnull, "w"))
    aggregate_s = time.perf_counter() - started
    started = time.perf_counter()
    call_command("aggregate_rum", stdout=open(os.devnull, "w"))  # what cron runs: yesterday and today
    aggregate_2_s = time.perf_counter() - started

    user = get_user_model().objects.create_superuser("bench-staff", "staff@example.com", None)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    walls, totals, sizes = [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/admin/rum/dailymetric/")
        walls.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        totals.append(server_timing_total(response))
        sizes.append(len(response.content))
    detail_walls = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/admin/rum/dailymetric/", {"route": "/search", "days": "90"})
        detail_walls.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200

    from django.conf import settings

    settings.RUM_RATE_LIMIT = 10**9
    posts = []
    anonymous = Client(HTTP_HOST="127.0.0.1")
    for _ in range(500):
        document = valid_document()
        started = time.perf_counter()
        response = beacon(anonymous, document, origin="http://127.0.0.1")
        posts.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 204, response.content
    posts.sort()
    return {
        "database": kind,
        "page_views": stored,
        "insert_s": round(insert_s, 2),
        "aggregate_rum_28_days_s": round(aggregate_s, 2),
        "aggregate_rum_default_2_days_s": round(aggregate_2_s, 2),
        "report_first_ms": round(walls[0], 1),
        "report_median_ms": round(statistics.median(walls[1:]), 1),
        "report_server_timing_median_ms": round(statistics.median(totals[1:]), 1),
        "report_runs_ms": [round(wall, 1) for wall in walls],
        "report_html_bytes": sizes[-1],
        "route_detail_90_days_median_ms": round(statistics.median(detail_walls[1:]), 1),
        "post_rum_median_ms": round(statistics.median(posts), 2),
        "post_rum_p95_ms": round(posts[int(len(posts) * 0.95)], 2),
    }


def child(kind, views, runs):
    """Runs in its own process: Django is set up for one database."""
    url = os.environ["DATABASE_URL"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "railconnect.settings")
    import django

    django.setup()
    result = measure(kind, views, runs)
    result["database_url"] = url.rsplit("@", 1)[-1]
    print("RESULT " + json.dumps(result), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.views, args.runs)
        return
    kinds = [args.only] if args.only else ["sqlite"] + (["postgres"] if postgres_reachable() else [])
    results = []
    for kind in kinds:
        name = "bench_rum_admin"
        url = fresh_database(kind, name)
        env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": "", "DEBUG": "0"}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        try:
            output = subprocess.run(
                [
                    PYTHON,
                    "-m",
                    "benchmarks.bench_rum_admin",
                    "--child",
                    kind,
                    "--views",
                    str(args.views),
                    "--runs",
                    str(args.runs),
                ],
                env=env,
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
            ).stdout
        finally:
            if kind == "postgres":
                import psycopg

                with psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True) as connection:
                    connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            else:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{RESULTS / name}.sqlite3{suffix}").unlink(missing_ok=True)
        result = json.loads(output.split("RESULT ", 1)[1])
        results.append(result)
        print(f"\n{kind}: {result['page_views']:,} page views (inserted in {result['insert_s']} s)")
        print(
            f"  aggregate_rum --days 28: {result['aggregate_rum_28_days_s']} s; "
            f"aggregate_rum (yesterday and today, as from cron): {result['aggregate_rum_default_2_days_s']} s"
        )
        print(
            f"  report page: first {result['report_first_ms']} ms, "
            f"then median {result['report_median_ms']} ms "
            f"(Server-Timing total {result['report_server_timing_median_ms']} ms) over {args.runs - 1} runs; "
            f"{result['report_html_bytes']:,} bytes of HTML"
        )
        print(f"  one route, 90-day trend: median {result['route_detail_90_days_median_ms']} ms")
        print(f"  POST /rum: median {result['post_rum_median_ms']} ms, p95 {result['post_rum_p95_ms']} ms")
    save("rum_admin", results)


if __name__ == "__main__":
    main()
