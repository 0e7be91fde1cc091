"""What /verify/ shows: a ticket valid right now, looked up from its signed reference."""

from dataclasses import dataclass

from django.utils import timezone

from booking import partitions
from booking.models import Booking, BookingPassenger

from .references import pnr_from


@dataclass(frozen=True)
class TravellingPassenger:
    name: str
    age: int
    gender: str
    status: str  # CNF B3/45/LB, RAC 4, GNWL 12


@dataclass(frozen=True)
class ValidTicket:
    booking: Booking
    passengers: list[TravellingPassenger]


def valid_ticket(*, reference: str) -> ValidTicket | None:
    """The ticket behind a reference if it is valid now: signed by us, paid, not cancelled, the
    journey not over, and with passengers still travelling (cancelled ones are left out). None
    otherwise, which the page answers with the same 404 whatever the reason."""
    pnr = pnr_from(reference=reference)
    if pnr is None:
        return None
    now = timezone.now()
    booking: Booking | None = partitions.find_booking(
        pnr, lambda rows: rows.filter(status=Booking.Status.BOOKED, arrives_at__gt=now)
    )
    if booking is None:
        return None
    passengers = [
        TravellingPassenger(name=p.name, age=p.age, gender=p.gender, status=p.current_status)
        for p in booking.passengers.exclude(status=BookingPassenger.Status.CANCELLED).order_by("position")
    ]
    return ValidTicket(booking=booking, passengers=passengers) if passengers else None
