"""Small charts drawn on the server as inline SVG: no chart library, no script, printable.

`month_bars(series)` draws journeys per month as bars with month labels, the value above each
non-empty bar and one gridline at the maximum. The drawing has a fixed viewBox (WIDTH x HEIGHT),
so CSS gives it a box of that aspect ratio before it paints (the skeleton uses the same ratio).
It carries a <title> and a <desc> listing every value for screen readers.
"""

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

WIDTH, HEIGHT = 480, 220
TOP, BOTTOM, LEFT, RIGHT = 24, 42, 6, 6


def _number(value):
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def month_bars(series, *, title=None, chart_id="journeys-chart"):
    """series: [(datetime.date first of month, count)], oldest first. Words and month names in the
    active language (docs/i18n.md)."""
    title = title or gettext("Journeys per month")
    count = len(series)
    peak = max((value for _, value in series), default=0)
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / count if count else plot_width
    bar_width = slot * 0.62
    baseline = TOP + plot_height
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">'
        + escape(
            "; ".join(f"{date_format(month, 'F Y')}: {value}" for month, value in series)
            or gettext("No data")
        )
        + "</desc>",
    ]
    if peak:
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP}" y2="{TOP}"/>')
    parts.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{baseline}" y2="{baseline}"/>')
    for index, (month, value) in enumerate(series):
        x = LEFT + slot * index + (slot - bar_width) / 2
        centre = LEFT + slot * index + slot / 2
        if value:
            height = plot_height * value / peak
            parts.append(
                f'<rect class="bar" x="{_number(x)}" y="{_number(baseline - height)}" '
                f'width="{_number(bar_width)}" height="{_number(height)}">'
                f"<title>{date_format(month, 'M Y')}: {value}</title></rect>"
            )
            parts.append(
                f'<text class="value" x="{_number(centre)}" '
                f'y="{_number(baseline - height - 5)}">{value}</text>'
            )
        parts.append(
            f'<text class="month" x="{_number(centre)}" y="{baseline + 18}">{date_format(month, "M")}</text>'
        )
        # The year under each January, and under the first month unless a January follows at once.
        if month.month == 1 or (index == 0 and month.month != 12):
            parts.append(f'<text class="year" x="{_number(centre)}" y="{baseline + 36}">{month:%Y}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
