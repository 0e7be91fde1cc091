"""What one attempt of a same-second rush costs the server, part by part, in this process (no HTTP
server, so no other process's load skews it): CPU and SQL statements per queued POST, per look at a
queued request, per request decided in a writer's batch, and per look at a decided one; beside a
hello-world request through the same middleware chain. The burst benchmark (booking_rush) measures
the whole; this says where it goes, and which part to cut.

How: N passengers' POSTs at one train, date and class while another connection holds the
inventory's writer role (so each is queued and answered 202 at once: BOOKING_ADMISSION_WAIT_MS 0),
one look at each while still queued; then the role is released and one call drains the queue
(admission.advance), batch after batch; then one look at each decided request.

    .venv/bin/python -m benchmarks.profile_rush [--attempts 300] [--database bench_profile_rush]
"""

import argparse
import sys
import time

from benchmarks.profile_booking import passengers_booking_one_train
from testsupport.databases import fresh_database, setup_django
from testsupport.results import save


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=300)
    parser.add_argument("--database", default="bench_profile_rush")
    args = parser.parse_args()
    url = fresh_database("postgres", args.database)
    setup_django(url)

    import psycopg
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    from booking import admission
    from booking.models import Inventory, QueuedBookingRequest

    n = args.attempts
    body, clients = passengers_booking_one_train(n + 1)
    figures: dict[str, object] = {"attempts": n}

    def measure(name, calls):
        """CPU ms and SQL statements per call of `calls` (a list of zero-argument functions)."""
        with CaptureQueriesContext(connection) as queries:
            cpu = time.process_time()
            for call in calls:
                call()
            cpu = time.process_time() - cpu
            statements = len(queries)
        figures[name] = {
            "cpu_ms": round(cpu * 1000 / len(calls), 2),
            "sql": round(statements / len(calls), 2),
        }

    def expect(status, response):
        assert response.status_code == status, (response.status_code, response.content[:200])
        return response

    expect(201, clients[0].post("/api/bookings", body, content_type="application/json"))  # the row, warm
    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        hello = clients[0]
        for _ in range(50):
            expect(200, hello.get("/bench/hello"))
        measure("hello_world", [lambda: expect(200, hello.get("/bench/hello"))] * n)

    writer = psycopg.connect(url)  # holds the writer role (the inventory row lock) until released
    writer.execute(
        "SELECT id FROM booking_inventory WHERE id = %s FOR NO KEY UPDATE", [Inventory.objects.get().pk]
    )
    locations: list[str] = []
    # The one drain goes on until the queue is empty (a writer's limit once its own request is decided).
    with override_settings(BOOKING_ADMISSION_WAIT_MS=0, BOOKING_WRITER_MAX_MS=600_000):
        measure(
            "queued_post",
            [
                lambda c=c: locations.append(
                    expect(202, c.post("/api/bookings", body, content_type="application/json"))["Location"]
                )
                for c in clients[1:]
            ],
        )
        passengers = list(zip(clients[1:], locations, strict=True))
        measure("look_while_queued", [lambda c=c, u=u: expect(202, c.get(u)) for c, u in passengers])
        writer.commit()
        writer.close()
        first = QueuedBookingRequest.objects.filter(status="QUEUED").order_by("id").first()
        measure(
            "decided_in_batches",
            [lambda: admission.advance(admission.Admission(first, False), deadline=None)],
        )
        figures["decided_in_batches"]["cpu_ms"] = round(figures["decided_in_batches"]["cpu_ms"] / n, 2)
        figures["decided_in_batches"]["sql"] = round(figures["decided_in_batches"]["sql"] / n, 2)
        assert not QueuedBookingRequest.objects.filter(status="QUEUED").exists()
        measure("look_when_decided", [lambda c=c, u=u: c.get(u) for c, u in passengers])

    parts = ("queued_post", "look_while_queued", "decided_in_batches", "look_when_decided")
    per_attempt = sum(figures[part]["cpu_ms"] for part in parts)
    hello_ms = figures["hello_world"]["cpu_ms"]
    figures["per_attempt_cpu_ms"] = round(per_attempt, 2)
    figures["per_attempt_in_hello_worlds"] = round(per_attempt / hello_ms, 1)
    save("profile_rush", figures)
    print(
        "SUMMARY profile_rush: per attempt "
        + ", ".join(f"{part} {figures[part]['cpu_ms']} ms/{figures[part]['sql']} SQL" for part in parts)
        + f"; in all {per_attempt:.1f} ms CPU = {figures['per_attempt_in_hello_worlds']} "
        f"hello-world requests ({hello_ms} ms each); {n} attempts, in-process"
    )
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
