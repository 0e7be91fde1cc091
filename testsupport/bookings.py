"""Booking through the JSON API as a passenger would, on the booking network
(testsupport/networks.py: booking_network): a travel date, coach counts, a request body, a POST."""

import datetime
import json
import time

from django.utils import timezone

from booking.models import CoachComposition
from timetable.models import Train


def travel_date(days=10):
    return timezone.localdate() + datetime.timedelta(days=days)


def set_coaches(number, travel_class, coaches):
    CoachComposition.objects.update_or_create(
        train=Train.objects.get(number=number), travel_class=travel_class, defaults={"coaches": coaches}
    )


def payload(**overrides):
    data = {
        "train": "12951",
        "date": travel_date().isoformat(),
        "from": "AAA",
        "to": "DDD",
        "class": "3A",
        "passengers": [{"name": "Asha Rao", "age": 34, "gender": "F"}],
    }
    data.update(overrides)
    return data


def post_booking(client, data=None, **headers):
    return client.post(
        "/api/bookings",
        json.dumps(data if data is not None else payload()),
        content_type="application/json",
        headers=headers,
    )


def book_until_decided(client, data=None, poll_seconds=0.02, **headers):
    """POST a booking, then, while the answer is 202 (queued), GET its Location as a passenger's
    client would (waiting Retry-After there; here `poll_seconds`). Returns (first answer, final answer)."""
    first = post_booking(client, data, **headers)
    final = first
    while final.status_code == 202:
        time.sleep(poll_seconds)
        final = client.get(first["Location"])
    return first, final


def party(count, name="Party Member", gender="M", first_age=30):
    """`count` different passengers of one booking (the same person twice is refused)."""
    return [{"name": name, "age": first_age + i, "gender": gender} for i in range(count)]
