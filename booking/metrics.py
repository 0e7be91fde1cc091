"""The booking queue in /metrics: its depth and the age of its oldest request, read from the database
at scrape time (every worker reports the same values), added to observability's scrape-time
collectors from booking's AppConfig.ready(). The wait of each decided request is a histogram in
admission.py (railconnect_booking_queue_wait_seconds). The scale-out alerts watch these.
"""

from collections.abc import Iterator

from django.db import DatabaseError
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric

from .admission import database_for, queue_state


class BookingQueueCollector:
    def collect(self) -> Iterator[Metric]:
        try:
            # One database today (database_for); with partitions, one series per alias.
            depth, oldest = queue_state(using=database_for(train_id=0))
        except DatabaseError:
            return
        yield GaugeMetricFamily(
            "railconnect_booking_queue_depth", "Booking requests waiting for their inventory's writer", depth
        )
        age = (timezone.now() - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "railconnect_booking_queue_oldest_seconds", "Age of the oldest waiting booking request", age
        )


booking_queue = BookingQueueCollector()
