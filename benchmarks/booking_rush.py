"""The same-second burst: 1,000 booking attempts by 1,000 signed-in passengers within one second at
one train, date and class with 100 General seats, through gunicorn on PostgreSQL (+ Redis when
REDIS_URL is set); then every confirmed hold is paid.

The class is one 2S coach: 108 seats, 8 earmarked for Tatkal, so exactly 100 General-quota seats
(the General quota, as at the Tatkal opening without its clock). Parties of 1 to 4 passengers
(seeded), sent open loop (evenly over the second, whether or not the server keeps up) from one
client thread per attempt with a keep-alive connection, each with a unique Idempotency-Key; an
answer 202 (queued) is followed on its request URL until decided, as a passenger's client does.
Reported: time to the first answer (p50/p95/p99) and to the final outcome (p50/p95/max), both
counted from the attempt's moment in the schedule (so a send that left late is not flattered:
how late is reported too, send_lag_ms), confirmed against
free seats, seats sold twice, waitlist contiguity, payments without a ticket and tickets charged
twice, errors, and the load generator's CPU beside the server's; and, as the floor, the same
burst shape at the hello-world view on the same server just before (first answers p50/p95/p99).

    .venv/bin/python -m benchmarks.booking_rush [--attempts 1000] [--seconds 1] [--threads 1000]
"""

import argparse
import datetime
import os
import random
import sys

from testsupport.load_harness import (
    Client,
    Server,
    drop_database,
    party,
    prepare_database,
    print_summary,
    run_open_loop,
    run_open_loop_get,
    signed_in_users,
    warm_up,
)
from testsupport.results import save

# BENCH_DB_SUFFIX: runs sharing one PostgreSQL server (several checkouts) each use their own database.
DB_NAME = "bench_booking_rush" + os.environ.get("BENCH_DB_SUFFIX", "")


def load_rush_train():
    from booking.models import CoachComposition
    from timetable.loading import load_network
    from timetable.models import Train
    from timetable.records import StationRecord, StopRecord, TrainRecord
    from timetable.running_days import DAILY

    stations = [
        StationRecord("RSHA", "Rush Alpha", city="Rush Alpha"),
        StationRecord("RSHM", "Rush Mid", city="Rush Mid"),
        StationRecord("RSHB", "Rush Beta", city="Rush Beta"),
    ]
    stops = [
        StopRecord("RSHA", None, 6 * 60, 0),
        StopRecord("RSHM", 9 * 60, 9 * 60 + 5, 180),
        StopRecord("RSHB", 13 * 60, None, 420),
    ]
    load_network(stations, [TrainRecord("12051", "Rush Jan Shatabdi", "JSH", DAILY, "CC,2S", stops)])
    CoachComposition.objects.create(train=Train.objects.get(number="12051"), travel_class="2S", coaches=1)


def verify(journey_date):
    from booking import coach_layouts
    from booking.models import BookingPassenger, Inventory

    inventory = Inventory.objects.get(journey_date=journey_date, travel_class="2S")
    rows = list(BookingPassenger.objects.filter(inventory=inventory).values("status", "number", "unit"))
    confirmed = [row for row in rows if row["status"] == "CNF"]
    waitlist = sorted(row["number"] for row in rows if row["status"] == "WL")
    return {
        "capacity_general": coach_layouts.capacity("2S", inventory.coach_count)["GN"],
        "confirmed": len(confirmed),
        "seat_sold_twice": len(confirmed) - len({row["unit"] for row in confirmed}),
        "waitlisted": len(waitlist),
        "waitlist_contiguous": waitlist == list(range(1, len(waitlist) + 1)),
    }


def pay_confirmed_holds(port, credentials, journey_date):
    """Pay every hold with a confirmed passenger through the API, as its own passenger; then count
    payments without a ticket and tickets charged twice (both must be 0)."""
    from django.db.models import Count, Q

    from booking.models import Booking
    from payments.models import Payment

    by_user = {}
    for index, pair in enumerate(credentials):
        by_user[f"bench{index}"] = pair
    holds = (
        Booking.objects.filter(
            journey_date=journey_date, status=Booking.Status.HELD, passengers__status="CNF"
        )
        .distinct()
        .values_list("pnr", "user__username")
    )
    client = Client(port, None)
    paid = 0
    for pnr, username in holds:
        client.act_as(by_user.get(username))
        status, _headers, _data = client.request(
            "POST",
            f"/api/bookings/{pnr}/pay",
            '{"outcome": "succeeded"}',
            {"Content-Type": "application/json"},
        )
        paid += status == 200
    client.close()
    succeeded = Q(payments__state=Payment.State.SUCCEEDED)
    counted = Booking.objects.filter(journey_date=journey_date).annotate(
        charged=Count("payments", filter=succeeded)
    )
    return {
        "paid": paid,
        "paid_without_ticket": counted.filter(charged__gt=0).exclude(status=Booking.Status.BOOKED).count(),
        "charged_twice": counted.filter(charged__gt=1).count(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=1.0)
    # One client thread per attempt by default, as every passenger has a phone of their own: then
    # no send waits for another's answer, and all leave within the second (send_lag_ms shows it).
    parser.add_argument("--threads", type=int, default=None, help="client threads (default: --attempts)")
    parser.add_argument("--users", type=int, default=1000)
    args = parser.parse_args()
    args.threads = args.threads or args.attempts

    url = prepare_database(DB_NAME)
    server = None
    try:
        from django.conf import settings

        if args.users * settings.HOLDS_PER_TRAIN_LIMIT < args.attempts:
            parser.error(
                f"--users: {args.attempts} attempts at one train and date need at least "
                f"{-(-args.attempts // settings.HOLDS_PER_TRAIN_LIMIT)} passengers (HOLDS_PER_TRAIN_LIMIT "
                f"{settings.HOLDS_PER_TRAIN_LIMIT} unpaid holds each)"
            )
        load_rush_train()
        credentials = signed_in_users(args.users)
        date = datetime.date.today() + datetime.timedelta(days=5)
        rng = random.Random(12051)
        bodies = [
            {
                "train": "12051",
                "date": date.isoformat(),
                "from": "RSHA",
                "to": "RSHB",
                "class": "2S",
                "passengers": party(rng, rng.randint(1, 4), "Rush Passenger"),
            }
            for _ in range(args.attempts)
        ]
        server = Server(url, {"ROOT_URLCONF": "benchmarks.urls"})  # + /bench/hello
        warm_up(server.port, f"/book/12051/{date.isoformat()}/RSHA/RSHB/2S")
        # The floor: the same burst shape (count, second, client threads) at Django's hello-world
        # view on the same server, just before. No booking burst answers faster than this.
        server_cpu = server.cpu_seconds()
        hello = run_open_loop_get(server.port, "/bench/hello", args.attempts, args.seconds, args.threads)
        hello_first = hello.summary()["first_answer_ms"]
        hello_lag = hello.summary()["send_lag_ms"]
        hello_errors = sum(count for status, count in hello.statuses.items() if status != 200)
        hello_cpu_ms = (server.cpu_seconds() - server_cpu) * 1000 / args.attempts
        server_cpu = server.cpu_seconds()
        result = run_open_loop(server.port, credentials, bodies, args.seconds, args.threads)
        summary = result.summary()
        summary["server_cpu_s"] = round(server.cpu_seconds() - server_cpu, 2)
        checks = verify(date)
        checks.update(pay_confirmed_holds(server.port, credentials, date))
        checks["server_cpu_s"] = summary["server_cpu_s"]
        checks["p95_ms_by_second"] = result.per_second()
        attempt_cpu_ms = summary["server_cpu_s"] * 1000 / args.attempts
        checks["hello_world_burst"] = {
            "first_answer_ms": hello_first,
            "errors": hello_errors,
            "send_lag_ms": hello_lag,
            "server_cpu_ms_per_request": round(hello_cpu_ms, 2),
        }
        # What one attempt (its POST, its looks, its share of the writer's batches) cost the server,
        # in hello-world requests: the burst's answers can come no sooner than that many hellos'.
        checks["server_cpu_ms_per_attempt"] = round(attempt_cpu_ms, 2)
        checks["attempt_in_hello_worlds"] = round(attempt_cpu_ms / hello_cpu_ms, 1) if hello_cpu_ms else None
        print_summary(
            f"Booking rush: {args.attempts} attempts in {args.seconds:g} s, one train/date/class, "
            f"{checks['capacity_general']} General seats",
            summary,
            checks,
        )
        save("booking_rush", {"args": vars(args), **summary, **checks})
        ok = (
            checks["confirmed"] == checks["capacity_general"]
            and not checks["seat_sold_twice"]
            and checks["waitlist_contiguous"]
            and not checks["paid_without_ticket"]
            and not checks["charged_twice"]
        )
        first = summary["first_answer_ms"]
        print(
            f"SUMMARY booking_rush: {'OK' if ok else 'WRONG'} confirmed {checks['confirmed']}/"
            f"{checks['capacity_general']}, sold twice {checks['seat_sold_twice']}, "
            f"errors {summary['errors']}; "
            f"first answer p50/p95/p99 {first['p50']}/{first['p95']}/{first['p99']} ms (target p95 < 1000; "
            f"hello world's same burst {hello_first['p50']}/{hello_first['p95']}/{hello_first['p99']} ms, "
            f"{hello_errors} errors); "
            f"final outcome p50/p95/max {summary['p50_ms']}/{summary['p95_ms']}/{summary['max_ms']} ms "
            f"(target max < 3000); 202 first {summary['answered_202_first']}, looks {summary['looks']}; "
            f"paid {checks['paid']}; CPU server {summary['server_cpu_s']} s "
            f"({checks['server_cpu_ms_per_attempt']} ms per attempt = {checks['attempt_in_hello_worlds']} "
            f"hello-world requests), load generator {summary['client_cpu_s']} s; sent late by at most "
            f"{summary['send_lag_ms']['max']} ms (hello world {hello_lag['max']} ms); times count from "
            f"each attempt's moment in the schedule"
        )
        return 0 if ok else 1
    finally:
        if server is not None:
            server.stop()
        drop_database(DB_NAME)


if __name__ == "__main__":
    sys.exit(main())
