"""RUM's figures in /metrics: the latest daily aggregates of real-user Web Vitals as gauges,
added to observability's scrape-time collectors from rum's AppConfig.ready()."""

from django.db import DatabaseError
from prometheus_client.core import GaugeMetricFamily

from .models import DailyMetric


class RumCollector:
    """The latest daily aggregates of real-user Web Vitals as gauges (read from the database at
    scrape time, so every worker reports the same values)."""

    def collect(self):
        labels = ["route", "metric", "device_class", "window"]
        p75 = GaugeMetricFamily(
            "railconnect_rum_p75", "75th percentile of a Web Vital (ms; CLS unitless)", labels=labels
        )
        views = GaugeMetricFamily(
            "railconnect_rum_page_views", "Page views measured for the metric", labels=labels
        )
        good = GaugeMetricFamily(
            "railconnect_rum_good_ratio", "Share of page views rated good", labels=labels
        )
        try:
            latest = DailyMetric.objects.order_by("-day").values_list("day", flat=True).first()
            rows = (
                DailyMetric.objects.filter(day=latest).values_list(
                    "route",
                    "metric",
                    "device_class",
                    "window_days",
                    "p75",
                    "count",
                    "good",
                    "needs_improvement",
                    "poor",
                )
                if latest
                else []
            )
            for route, metric, device, window, value, count, good_count, ni, poor in rows:
                label_values = [route, metric, device, f"{window}d"]
                p75.add_metric(label_values, value)
                views.add_metric(label_values, count)
                rated = good_count + ni + poor
                if rated:
                    good.add_metric(label_values, good_count / rated)
        except DatabaseError:
            return []
        return [p75, views, good]


web_vitals = RumCollector()
