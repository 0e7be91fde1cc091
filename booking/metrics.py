"""The booking queue in /metrics: its depth and the age of its oldest request, read from the database
at scrape time (every worker reports the same values), added to observability's scrape-time
collectors from booking's AppConfig.ready(). The wait of each decided request is a histogram in
admission.py (railconnect_booking_queue_wait_seconds). The scale-out alerts watch these.
"""

from collections.abc import Iterator

from django.db import DatabaseError
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric

from . import partitions
from .admission import queue_state


class BookingQueueCollector:
    def collect(self) -> Iterator[Metric]:
        try:
            # Over every inventory partition (booking/partitions.py): the requests waiting on all of
            # them, and the oldest of any (one query per partition).
            states = [queue_state(using=alias) for alias in partitions.aliases()]
        except DatabaseError:
            return
        depth = sum(count for count, _oldest in states)
        oldest = min((since for _count, since in states if since is not None), default=None)
        yield GaugeMetricFamily(
            "railconnect_booking_queue_depth", "Booking requests waiting for their inventory's writer", depth
        )
        age = (timezone.now() - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "railconnect_booking_queue_oldest_seconds", "Age of the oldest waiting booking request", age
        )


booking_queue = BookingQueueCollector()
