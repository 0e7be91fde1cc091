"""The Core Web Vitals this site collects: names, Google's thresholds, sane ranges, and how each
metric's attribution is stored. One table read by the endpoint's validation, the model, the
aggregation and the report, so they cannot disagree.

Thresholds are Google's (web.dev/vitals, the same as web-vitals' `*Thresholds` exports): a value
up to the first is "good", up to the second "needs improvement", above it "poor". A page is judged
by the 75th percentile of its page views (Chrome UX Report, Search Console).
"""

from dataclasses import dataclass, field

GOOD, NEEDS_IMPROVEMENT, POOR = 1, 2, 3
RATINGS = {"good": GOOD, "needs-improvement": NEEDS_IMPROVEMENT, "poor": POOR}
RATING_NAMES = {value: name for name, value in RATINGS.items()}

# A time sub-part or server time longer than this (ms) is not a real measurement.
MAX_MS = 300_000.0
LOAD_STATES = ("loading", "dom-interactive", "dom-content-loaded", "complete")


@dataclass(frozen=True)
class Attribute:
    """One attribution field: its key in the document, its model column, and what it may hold."""

    key: str
    column: str
    kind: str  # "ms" (a duration, 0..MAX_MS), "number" (0..maximum), "text" (<= max_length), "choice"
    max_length: int = 0
    choices: tuple = ()
    maximum: float = MAX_MS


@dataclass(frozen=True)
class Vital:
    name: str  # as web-vitals names it: "LCP"
    column: str  # model column of the value: "lcp"
    good: float
    poor: float
    maximum: float  # larger values are rejected as bogus
    unit: str  # "ms" or "" (CLS is unitless)
    label: str
    attributes: tuple = field(default=())

    @property
    def rating_column(self):
        return f"{self.column}_rating"

    def rating(self, value):
        """web-vitals' rule: value > poor -> poor; value > good -> needs improvement; else good."""
        if value > self.poor:
            return POOR
        if value > self.good:
            return NEEDS_IMPROVEMENT
        return GOOD

    def format(self, value):
        if value is None:
            return "–"
        if self.unit == "ms":
            return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"
        return f"{value:.3f}".rstrip("0").rstrip(".") if value else "0"


VITALS = (
    Vital(
        "LCP",
        "lcp",
        2500,
        4000,
        120_000,
        "ms",
        "Largest Contentful Paint",
        (
            Attribute("target", "lcp_target", "text", max_length=200),
            Attribute("url", "lcp_url", "text", max_length=300),
            Attribute("ttfb", "lcp_ttfb", "ms"),
            Attribute("loadDelay", "lcp_load_delay", "ms"),
            Attribute("loadDuration", "lcp_load_duration", "ms"),
            Attribute("renderDelay", "lcp_render_delay", "ms"),
        ),
    ),
    Vital(
        "INP",
        "inp",
        200,
        500,
        60_000,
        "ms",
        "Interaction to Next Paint",
        (
            Attribute("target", "inp_target", "text", max_length=200),
            Attribute("type", "inp_type", "choice", choices=("pointer", "keyboard")),
            Attribute("loadState", "inp_load_state", "choice", choices=LOAD_STATES),
            Attribute("inputDelay", "inp_input_delay", "ms"),
            Attribute("processing", "inp_processing", "ms"),
            Attribute("presentation", "inp_presentation", "ms"),
        ),
    ),
    Vital(
        "CLS",
        "cls",
        0.1,
        0.25,
        100,
        "",
        "Cumulative Layout Shift",
        (
            Attribute("target", "cls_target", "text", max_length=200),
            Attribute("value", "cls_largest_shift", "number", maximum=100),
            Attribute("time", "cls_largest_shift_time", "ms", maximum=86_400_000),
            Attribute("loadState", "cls_load_state", "choice", choices=LOAD_STATES),
        ),
    ),
    Vital(
        "FCP",
        "fcp",
        1800,
        3000,
        120_000,
        "ms",
        "First Contentful Paint",
        (
            Attribute("ttfb", "fcp_ttfb", "ms"),
            Attribute("delay", "fcp_delay", "ms"),
            Attribute("loadState", "fcp_load_state", "choice", choices=LOAD_STATES),
        ),
    ),
    Vital(
        "TTFB",
        "ttfb",
        800,
        1800,
        120_000,
        "ms",
        "Time to First Byte",
        (
            Attribute("waiting", "ttfb_waiting", "ms"),
            Attribute("cache", "ttfb_cache", "ms"),
            Attribute("dns", "ttfb_dns", "ms"),
            Attribute("connection", "ttfb_connection", "ms"),
            Attribute("request", "ttfb_request", "ms"),
        ),
    ),
)
BY_NAME = {vital.name: vital for vital in VITALS}
NAMES = tuple(BY_NAME)

# Server-Timing entries of the navigation (railconnect/server_timing.py), in ms.
SERVER_TIMINGS = {"total": "server_total", "db": "server_db", "cache": "server_cache"}

NAVIGATION_TYPES = ("navigate", "reload", "back-forward", "back-forward-cache", "prerender", "restore")
DEVICE_CLASSES = ("phone", "tablet", "desktop")
CONNECTION_TYPES = ("slow-2g", "2g", "3g", "4g", "unknown")


@dataclass(frozen=True)
class Series:
    """A quantity aggregated per day: a vital, or a split of a page view's time."""

    name: str
    columns: tuple  # one column, or (a, b) for a - b
    rating_column: str | None
    label: str

    def value(self, row):
        """From a dict of columns; None when a column is missing."""
        values = [row.get(column) for column in self.columns]
        if any(value is None for value in values):
            return None
        # A difference is clamped at 0 (timestamps of separate entries can be rounded apart).
        return max(values[0] - values[1], 0.0) if len(values) == 2 else values[0]


SERIES = tuple(Series(vital.name, (vital.column,), vital.rating_column, vital.label) for vital in VITALS) + (
    # Where a slow page's time goes: in the server (its Server-Timing total) or in the browser
    # after the first byte arrived (LCP - TTFB). TTFB minus server time is the network.
    Series("SERVER", ("server_total",), None, "Server time (Server-Timing total)"),
    Series("BROWSER", ("lcp", "ttfb"), None, "Browser time to LCP after the first byte (LCP − TTFB)"),
)
SERIES_BY_NAME = {series.name: series for series in SERIES}

# Aggregates: every device together, and every page together.
ALL_DEVICES = "all"
ALL_ROUTES = "*"


def p75(values):
    """The 75th percentile by nearest rank (PostgreSQL's percentile_disc(0.75)): the smallest value
    with at least 75% of the values at or below it."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[(3 * len(ordered) + 3) // 4 - 1]
