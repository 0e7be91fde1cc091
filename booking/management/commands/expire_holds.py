from typing import Any

from django.core.management.base import BaseCommand

from booking.reservations import expire_holds


class Command(BaseCommand):
    help = (
        "Release the berths of unpaid bookings whose hold (settings.BOOKING_HOLD_MINUTES) has run out. "
        "Bookings also do this lazily; run this from cron to sweep quiet trains."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{expire_holds()} unpaid booking(s) expired")
