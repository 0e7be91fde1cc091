"""Bookings made directly (bulk_create), not through the booking engine: the dashboard reads
bookings, so its tests need many of them, in every state, quickly. Uses the booking tests'
network (testsupport/networks.py: booking_network, stations AAA BBB CCC DDD, trains 12951 12002 22001).

Also the tests' oracle: `direct_stats`, the statistics' definitions (dashboard/travel_stats.py)
computed in plain Python from the rows."""

import datetime
import itertools
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from booking.models import Booking, BookingPassenger, Inventory
from timetable.models import Station, Train

_pnr = itertools.count(5_000_000_001)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


class World:
    """The network's rows, looked up once."""

    def __init__(self):
        self.stations = {station.code: station for station in Station.objects.all()}
        self.trains = {train.number: train for train in Train.objects.all()}
        self._inventories = {}

    def inventory(self, train, travel_class):
        key = (train.number, travel_class)
        if key not in self._inventories:
            now = timezone.now()
            self._inventories[key] = Inventory.objects.create(
                train=train,
                journey_date=timezone.localdate() + datetime.timedelta(days=400 + len(self._inventories)),
                travel_class=travel_class,
                coach_count=1,
                legs=3,
                departs_at=now,
                chart_due_at=now,
                occupancy=[],
            )
        return self._inventories[key]


def booking(
    world,
    user,
    *,
    departs_at,
    status=Booking.Status.BOOKED,
    train="12951",
    board="AAA",
    alight="DDD",
    travel_class="3A",
    fare="1000.00",
    refunded="0.00",
    distance_km=1400,
    paid=True,
    hold_minutes=15,
    passengers=(("Asha Rao", 34, "F", "CNF"),),
):
    """An unsaved Booking with its unsaved passengers in `_test_passengers` (see save_all)."""
    train_row = world.trains[train]
    now = timezone.now()
    row = Booking(
        pnr=str(next(_pnr)),
        user=user,
        inventory=world.inventory(train_row, travel_class),
        train=train_row,
        journey_date=timezone.localtime(departs_at).date(),
        travel_class=travel_class,
        quota="GN",
        board_station=world.stations[board],
        alight_station=world.stations[alight],
        board_sequence=1,
        alight_sequence=4,
        departs_at=departs_at,
        arrives_at=departs_at + 16 * HOUR,
        distance_km=distance_km,
        status=status,
        hold_expires_at=now + datetime.timedelta(minutes=hold_minutes)
        if status == Booking.Status.HELD
        else None,
        fare_total=Decimal(fare),
        fare_breakdown={},
        refunded_amount=Decimal(refunded),
        paid_at=now - DAY if paid and status in (Booking.Status.BOOKED, Booking.Status.CANCELLED) else None,
    )
    row._test_passengers = passengers
    return row


def save_all(bookings):
    """bulk_create the bookings and their passengers (no signals: like the engine's bulk writes)."""
    Booking.objects.bulk_create(bookings)
    rows = []
    for item in bookings:
        for position, (name, age, gender, status) in enumerate(item._test_passengers, start=1):
            number = None if status in ("CNF", "CAN", "NOSB") else position
            rows.append(
                BookingPassenger(
                    booking=item,
                    inventory=item.inventory,
                    quota="GN",
                    board_sequence=1,
                    alight_sequence=4,
                    position=position,
                    name=name,
                    age=age,
                    gender=gender,
                    fare=item.fare_total,
                    status=status,
                    number=number,
                    coach="B1" if status == "CNF" else "",
                    berth_number=position if status == "CNF" else None,
                    berth_type="LB" if status == "CNF" else "",
                    booking_status=status,
                )
            )
    BookingPassenger.objects.bulk_create(rows)
    return bookings


def many_bookings(world, user, count, *, upcoming=20, start=None):
    """`count` bookings for one passenger: `upcoming` in the future, the rest spread over the past
    two years in every state (booked, cancelled after payment, cancelled unpaid, expired)."""
    now = start or timezone.now()
    routes = [("AAA", "DDD", 1400), ("AAA", "BBB", 400), ("BBB", "DDD", 1000), ("CCC", "DDD", 500)]
    states = [Booking.Status.BOOKED] * 6 + [Booking.Status.CANCELLED, Booking.Status.EXPIRED]
    rows = []
    for n in range(count):
        board, alight, km = routes[n % len(routes)]
        if n < upcoming:
            departs, status = now + (n + 1) * DAY + 3 * HOUR, Booking.Status.BOOKED
        else:
            departs, status = now - (n - upcoming + 1) * 31 * HOUR, states[n % len(states)]
        rows.append(
            booking(
                world,
                user,
                departs_at=departs,
                status=status,
                board=board,
                alight=alight,
                distance_km=km,
                fare=f"{500 + (n * 37) % 2000}.{n % 100:02d}",
                refunded="100.00" if status == Booking.Status.CANCELLED else "0.00",
                paid=n % 24 != 6,
                passengers=[("Asha Rao", 34, "F", "CNF"), ("Ravi Rao", 36, "M", "WL")][: 1 + n % 2],
            )
        )
    return save_all(rows)


# --- The oracle ---------------------------------------------------------------------------------


def direct_stats(user, as_of):
    """Every figure of dashboard/travel_stats.py, from the definitions, in Python."""
    bookings = list(Booking.objects.filter(user=user).select_related("board_station", "alight_station"))
    ticketed = [
        b for b in bookings if b.status == "BOOKED" or (b.status == "CANCELLED" and b.paid_at is not None)
    ]
    taken = [b for b in bookings if b.status == "BOOKED" and b.departs_at < as_of]
    fare_sum = sum((b.fare_total for b in ticketed), Decimal("0"))
    routes = Counter((b.board_station_id, b.alight_station_id) for b in taken)
    top = None
    if routes:
        (board_id, alight_id), journeys = min(routes.items(), key=lambda item: (-item[1], item[0]))
        by_id = {b.board_station_id: b.board_station for b in taken} | {
            b.alight_station_id: b.alight_station for b in taken
        }
        top = (by_id[board_id].code, by_id[alight_id].code, journeys)
    months = Counter(timezone.localtime(b.departs_at).strftime("%Y-%m") for b in taken)
    return {
        "total_bookings": len(ticketed),
        "total_spent": sum((b.fare_total - b.refunded_amount for b in ticketed), Decimal("0")),
        "average_fare": (fare_sum / len(ticketed)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if ticketed
        else None,
        "journeys_taken": len(taken),
        "km_travelled": sum(b.distance_km for b in taken),
        "top_route": top,
        "journeys_by_month": dict(months),
    }


def stats_as_dict(stats):
    route = stats.top_route
    return {
        "total_bookings": stats.total_bookings,
        "total_spent": stats.total_spent,
        "average_fare": stats.average_fare,
        "journeys_taken": stats.journeys_taken,
        "km_travelled": stats.km_travelled,
        "top_route": (route.board_code, route.alight_code, route.journeys) if route else None,
        "journeys_by_month": dict(stats.journeys_by_month),
    }
