from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from booking.reservations import charts_due, prepare_chart


class Command(BaseCommand):
    help = (
        "Prepare the chart of every train, date and class whose chart time has come "
        "(settings.CHART_HOURS_BEFORE_DEPARTURE before departure): freeze allocation, release unpaid "
        "holds, move passengers who opted for auto-upgradation up a class where it has vacant berths "
        "(the class above is charted first), give every quota's unsold berths and the freed ones to "
        "the queues in order, cancel and fully refund tickets that are still entirely waitlisted."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--now", help="Pretend it is this ISO date-time (for testing and catch-up).")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["now"]:
            given = parse_datetime(options["now"])
            if given is None:
                raise SystemExit("--now: give an ISO date-time, e.g. 2026-01-31T14:00:00+05:30")
            now = timezone.make_aware(given) if timezone.is_naive(given) else given
        charts = cancelled = 0
        for inventory_id in list(charts_due(now)):
            result = prepare_chart(inventory_id, now)
            charts += 1
            cancelled += len(result.cancelled_bookings)
        self.stdout.write(
            f"{charts} chart(s) prepared, {cancelled} waitlisted booking(s) cancelled and refunded"
        )
