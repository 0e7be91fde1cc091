"""Charts drawn by the server as inline SVG: no chart library, no script, nothing to download.

Colours are SVG presentation attributes (not style attributes), so a strict Content-Security-Policy
without 'unsafe-inline' styles still shows them.
"""

from django.utils.html import escape
from django.utils.safestring import mark_safe

from .vitals import GOOD, NEEDS_IMPROVEMENT, POOR

COLOURS = {GOOD: "#0a7d3b", NEEDS_IMPROVEMENT: "#b45f06", POOR: "#c5221f", None: "#45607a"}
RATING_LABELS = {GOOD: "good", NEEDS_IMPROVEMENT: "needs improvement", POOR: "poor", None: ""}


def rating_of(value, good, poor):
    if value is None or good is None:
        return None
    return POOR if value > poor else NEEDS_IMPROVEMENT if value > good else GOOD


def _number(value):
    return f"{value:.1f}".rstrip("0").rstrip(".")


def trend(points, *, good=None, poor=None, fmt=str, label="", width=240, height=56, axis=False):
    """A line of daily values with the good / poor thresholds as dashed lines.

    points: [(date, value or None)], one per day in order; a missing day breaks the line.
    """
    known = [value for _, value in points if value is not None]
    title = escape(label)
    if not known:
        return mark_safe(
            f'<svg class="rum-chart" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{title}: no data"><title>{title}: no data</title>'
            f'<text x="{width / 2}" y="{height / 2 + 4}" text-anchor="middle" font-size="11" '
            f'fill="#777">no data</text></svg>'
        )
    left = 48 if axis else 3
    bottom = 14 if axis else 3
    top_pad = 4
    ceiling = max(known + [poor * 1.15 if poor else 0]) or 1.0
    span = max(1, len(points) - 1)

    def x(index):
        return left + index * (width - left - 3) / span

    def y(value):
        return height - bottom - min(value, ceiling) / ceiling * (height - bottom - top_pad)

    parts = [
        f'<svg class="rum-chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{title}"><title>{title}</title>',
        f'<line x1="{left}" y1="{y(0):.1f}" x2="{width - 3}" y2="{y(0):.1f}" '
        f'stroke="#bbb" stroke-width="1"/>',
    ]
    for threshold, rating in ((good, GOOD), (poor, POOR)):
        if threshold is not None and threshold <= ceiling:
            parts.append(
                f'<line x1="{left}" y1="{y(threshold):.1f}" x2="{width - 3}" y2="{y(threshold):.1f}" '
                f'stroke="{COLOURS[rating]}" stroke-width="1" stroke-dasharray="3 3" opacity="0.7"/>'
            )
    segment = []
    segments = [segment]
    for index, (_, value) in enumerate(points):
        if value is None:
            segment = []
            segments.append(segment)
        else:
            segment.append(f"{x(index):.1f},{y(value):.1f}")
    for line in segments:
        if len(line) > 1:
            parts.append(
                f'<polyline points="{" ".join(line)}" fill="none" stroke="#45607a" stroke-width="1.5"/>'
            )
    radius = 2.5 if len(points) <= 40 else 1.5
    for index, (day, value) in enumerate(points):
        if value is None:
            continue
        rating = rating_of(value, good, poor)
        parts.append(
            f'<circle cx="{x(index):.1f}" cy="{y(value):.1f}" r="{radius}" fill="{COLOURS[rating]}">'
            f"<title>{day:%d %b}: {escape(fmt(value))}</title></circle>"
        )
    if axis:
        parts.append(
            f'<text x="{left - 4}" y="{top_pad + 8}" text-anchor="end" font-size="10" '
            f'fill="#555">{escape(fmt(ceiling))}</text>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y(0):.1f}" text-anchor="end" font-size="10" fill="#555">0</text>'
        )
        parts.append(
            f'<text x="{left}" y="{height - 2}" font-size="10" fill="#555">{points[0][0]:%d %b}</text>'
        )
        parts.append(
            f'<text x="{width - 3}" y="{height - 2}" text-anchor="end" font-size="10" '
            f'fill="#555">{points[-1][0]:%d %b}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def distribution(good, needs_improvement, poor, width=120, height=8):
    """A stacked bar of the shares of good / needs-improvement / poor page views."""
    total = good + needs_improvement + poor
    if not total:
        return mark_safe("")
    shares = [(GOOD, good), (NEEDS_IMPROVEMENT, needs_improvement), (POOR, poor)]
    label = ", ".join(f"{RATING_LABELS[rating]} {count / total:.0%}" for rating, count in shares)
    parts = [
        f'<svg class="rum-bar" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{label}"><title>{label}</title>'
    ]
    offset = 0.0
    for rating, count in shares:
        size = count / total * width
        if size > 0:
            parts.append(
                f'<rect x="{offset:.2f}" y="0" width="{size:.2f}" height="{height}" '
                f'fill="{COLOURS[rating]}"/>'
            )
        offset += size
    parts.append("</svg>")
    return mark_safe("".join(parts))
