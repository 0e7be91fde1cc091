"""CPU and SQL per booking request, in this process (no HTTP server): the server's cost of one
POST /api/bookings, with a pyinstrument profile of where it goes.

N passengers (each its own, within the hold limits) book one after another through Django's test
client on a fresh PostgreSQL database, after a warm-up; reported: CPU ms per booking (process
time: this process is the server here) and SQL statements per booking, measured without the
profiler; then N more bookings under pyinstrument, whose top frames are written to
bench-results/profile_booking.txt. Run it on two checkouts to compare.

    .venv/bin/python -m benchmarks.profile_booking [--bookings 300] [--database bench_profile_booking]
"""

import argparse
import datetime
import json
import sys
import time

from testsupport.databases import fresh_database, setup_django
from testsupport.results import RESULTS, save


def passengers_booking_one_train(count):
    """(the JSON body of one booking at train 12002, `count` signed-in passengers' test clients),
    on the test network (loaded here), Django set up. The clients share one request handler (one
    middleware chain, as in a server process), not one each: building it scans the static files
    (WhiteNoise), which is no part of a request's cost."""
    from testsupport.networks import booking_network
    from testsupport.users import logged_in_client, make_passwordless_user

    booking_network()
    date = (datetime.date.today() + datetime.timedelta(days=10)).isoformat()
    body = json.dumps(
        {
            "train": "12002",
            "date": date,
            "from": "AAA",
            "to": "DDD",
            "class": "SL",
            "passengers": [{"name": "Asha Rao", "age": 34, "gender": "F"}],
        }
    )
    clients = [logged_in_client(make_passwordless_user()) for _ in range(count)]
    for client in clients[1:]:
        client.handler = clients[0].handler
    return body, clients


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=300)
    parser.add_argument("--database", default="bench_profile_booking")
    args = parser.parse_args()
    setup_django(fresh_database("postgres", args.database))

    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    body, clients = passengers_booking_one_train(2 * args.bookings + 20)

    def book(client: Client) -> None:
        response = client.post("/api/bookings", body, content_type="application/json")
        assert response.status_code == 201, response.content[:200]

    for client in clients[:20]:  # warm-up: caches, route, connection
        book(client)
    measured, profiled = clients[20 : 20 + args.bookings], clients[20 + args.bookings :]
    # The figures without the profiler (its sampling costs several times the work it samples), then
    # the same number of bookings again under pyinstrument for where the time goes.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        cpu, wall = time.process_time(), time.perf_counter()
        for client in measured:
            book(client)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    statements = len(queries)  # now: the log is a view of connection.queries, cleared by later requests
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for client in profiled:
        book(client)
    profiler.stop()
    n = args.bookings
    figures = {
        "bookings": n,
        "cpu_ms_per_booking": round(cpu * 1000 / n, 2),
        "wall_ms_per_booking": round(wall * 1000 / n, 2),
        "sql_per_booking": round(statements / n, 2),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "profile_booking.txt").write_text(profiler.output_text(unicode=False, show_all=False))
    save("profile_booking", figures)
    print(
        f"SUMMARY profile_booking: {figures['cpu_ms_per_booking']} ms CPU, "
        f"{figures['sql_per_booking']} SQL statements per booking (wall {figures['wall_ms_per_booking']} ms; "
        f"{n} bookings, sequential, in-process)"
    )
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
