"""Real-user measurements: one row per page view, and daily aggregates of them.

A page view is one row with a column per metric and per attribution field (rum/vitals.py says
which), so storing a beacon is one INSERT and aggregating a metric reads one column. Raw rows are
kept RUM_RETENTION_DAYS (`manage.py prune_rum`); the aggregates, much smaller, longer.
"""

from django.db import models
from django.utils import timezone

from .vitals import RATING_NAMES, VITALS

RATING_CHOICES = [(value, name) for value, name in RATING_NAMES.items()]


class PageView(models.Model):
    # Chosen by the page (random); a page hidden twice sends its latest figures under the same id.
    view_id = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    day = models.DateField(help_text="Local (IST) date the page view was received")
    route = models.CharField(max_length=200, help_text="URL route template, e.g. /trains/<number>")
    navigation_type = models.CharField(max_length=24)
    device_class = models.CharField(max_length=8)
    connection_type = models.CharField(max_length=8)

    lcp = models.FloatField(null=True, blank=True)
    lcp_rating = models.PositiveSmallIntegerField(null=True, blank=True, choices=RATING_CHOICES)
    lcp_target = models.CharField(max_length=200, blank=True, default="")
    lcp_url = models.CharField(max_length=300, blank=True, default="")
    lcp_ttfb = models.FloatField(null=True, blank=True)
    lcp_load_delay = models.FloatField(null=True, blank=True)
    lcp_load_duration = models.FloatField(null=True, blank=True)
    lcp_render_delay = models.FloatField(null=True, blank=True)

    inp = models.FloatField(null=True, blank=True)
    inp_rating = models.PositiveSmallIntegerField(null=True, blank=True, choices=RATING_CHOICES)
    inp_target = models.CharField(max_length=200, blank=True, default="")
    inp_type = models.CharField(max_length=8, blank=True, default="")
    inp_load_state = models.CharField(max_length=20, blank=True, default="")
    inp_input_delay = models.FloatField(null=True, blank=True)
    inp_processing = models.FloatField(null=True, blank=True)
    inp_presentation = models.FloatField(null=True, blank=True)

    cls = models.FloatField(null=True, blank=True)
    cls_rating = models.PositiveSmallIntegerField(null=True, blank=True, choices=RATING_CHOICES)
    cls_target = models.CharField(max_length=200, blank=True, default="")
    cls_largest_shift = models.FloatField(null=True, blank=True)
    cls_largest_shift_time = models.FloatField(null=True, blank=True)
    cls_load_state = models.CharField(max_length=20, blank=True, default="")

    fcp = models.FloatField(null=True, blank=True)
    fcp_rating = models.PositiveSmallIntegerField(null=True, blank=True, choices=RATING_CHOICES)
    fcp_ttfb = models.FloatField(null=True, blank=True)
    fcp_delay = models.FloatField(null=True, blank=True)
    fcp_load_state = models.CharField(max_length=20, blank=True, default="")

    ttfb = models.FloatField(null=True, blank=True)
    ttfb_rating = models.PositiveSmallIntegerField(null=True, blank=True, choices=RATING_CHOICES)
    ttfb_waiting = models.FloatField(null=True, blank=True)
    ttfb_cache = models.FloatField(null=True, blank=True)
    ttfb_dns = models.FloatField(null=True, blank=True)
    ttfb_connection = models.FloatField(null=True, blank=True)
    ttfb_request = models.FloatField(null=True, blank=True)

    # The navigation's Server-Timing (ms): how much of TTFB the server itself spent.
    server_total = models.FloatField(null=True, blank=True)
    server_db = models.FloatField(null=True, blank=True)
    server_cache = models.FloatField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["day", "route"], name="rum_pageview_day_route")]
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.route} {self.received_at:%Y-%m-%d %H:%M} ({self.device_class})"

    @classmethod
    def metric_fields(cls):
        """Every column a later document for the same page view may update."""
        names = ["updated_at", "server_total", "server_db", "server_cache"]
        for vital in VITALS:
            names += [
                vital.column,
                vital.rating_column,
                *(attribute.column for attribute in vital.attributes),
            ]
        return names


class DailyMetric(models.Model):
    """The 75th percentile and good / needs-improvement / poor counts of one metric, for one page
    route (or "*": all pages) and device class (or "all"), over `window_days` days ending `day`:
    1 is that day alone; RUM_WINDOW_DAYS (28) is the rolling window Chrome UX Report uses."""

    day = models.DateField()
    window_days = models.PositiveSmallIntegerField()
    route = models.CharField(max_length=200)
    device_class = models.CharField(max_length=8)
    metric = models.CharField(max_length=8)
    count = models.PositiveIntegerField()
    p75 = models.FloatField()
    good = models.PositiveIntegerField()
    needs_improvement = models.PositiveIntegerField()
    poor = models.PositiveIntegerField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "window_days", "route", "device_class", "metric"],
                name="rum_dailymetric_unique",
            )
        ]
        ordering = ["-day", "route", "metric"]
        verbose_name = "Web Vitals report"
        verbose_name_plural = "Web Vitals report"

    def __str__(self):
        return f"{self.day} {self.window_days}d {self.route} {self.device_class} {self.metric} p75={self.p75}"


class TopTarget(models.Model):
    """The most common LCP elements, and the targets of slow interactions (INP over its "good"
    threshold), over the RUM_WINDOW_DAYS days ending `day`, per page route (or "*") and device
    class (or "all"): the top RUM_TOP_TARGETS of each, by page views."""

    day = models.DateField()
    window_days = models.PositiveSmallIntegerField()
    route = models.CharField(max_length=200)
    device_class = models.CharField(max_length=8)
    metric = models.CharField(max_length=4)  # "LCP" or "INP"
    target = models.CharField(max_length=200)
    interaction_type = models.CharField(max_length=8, blank=True, default="")
    views = models.PositiveIntegerField()
    poor = models.PositiveIntegerField()
    average = models.FloatField()
    worst = models.FloatField()

    class Meta:
        indexes = [
            models.Index(fields=["day", "window_days", "route", "device_class"], name="rum_toptarget_lookup")
        ]
        ordering = ["-views", "target"]

    def __str__(self):
        return f"{self.day} {self.route} {self.metric} {self.target} ({self.views})"
