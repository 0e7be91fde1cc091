from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from booking.tasks import prepare_due_charts


class Command(BaseCommand):
    help = (
        "Prepare now the chart of every train, date and class whose chart time has come "
        "(settings.CHART_HOURS_BEFORE_DEPARTURE before departure): freeze allocation, release unpaid "
        "holds, move passengers who opted for auto-upgradation up a class where it has vacant berths "
        "(the class above is charted first), give every quota's unsold berths and the freed ones to "
        "the queues in order, cancel and fully refund tickets that are still entirely waitlisted. "
        "The scheduler does the same every CHART_SWEEP_SECONDS."
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
        prepared = prepare_due_charts(now=now)
        self.stdout.write(
            f"{prepared.charts} chart(s) prepared, "
            f"{prepared.cancelled_bookings} waitlisted booking(s) cancelled and refunded"
        )
