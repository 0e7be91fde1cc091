from typing import Any

from django.core.management.base import BaseCommand

from booking.reservations import expire_holds


class Command(BaseCommand):
    help = (
        "Release the berths of unpaid bookings whose hold (settings.BOOKING_HOLD_MINUTES) has run out. "
        "Bookings also do this lazily and the scheduler every HOLD_SWEEP_SECONDS; this runs the sweep now."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{expire_holds()} unpaid booking(s) expired")
