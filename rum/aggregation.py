"""Daily aggregates of the page views: p75 and good / needs-improvement / poor per page route,
device class and metric, the way Chrome UX Report and Search Console judge a page.

For each day two windows are kept (DailyMetric.window_days): that day alone (the trend charts) and
the RUM_WINDOW_DAYS (28) days ending that day (the headline figure, as CrUX's rolling window).
Each comes for every (route, device class), every route over all devices ("all"), and the whole
site ("*") per device class and over all.

The percentile is the nearest-rank 75th percentile (vitals.p75), computed by the database: on
PostgreSQL `percentile_disc(0.75)` with GROUPING SETS, one query for a whole window; on SQLite (no
percentile function) in Python over the window's rows. `aggregate_rum` runs this (from cron, e.g.
every 15 minutes); the report and the /metrics gauges read only the results.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from .models import DailyMetric, PageView, TopTarget
from .vitals import ALL_DEVICES, ALL_ROUTES, BY_NAME, GOOD, NEEDS_IMPROVEMENT, POOR, SERIES, p75


def _days(first, last):
    return [first + datetime.timedelta(days=offset) for offset in range((last - first).days + 1)]


def _as_date(value):
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


# --- PostgreSQL: percentile_disc and GROUPING SETS ----------------------------------------------


def _series_sql(series, quote):
    columns = [quote(column) for column in series.columns]
    if len(columns) == 1:
        return columns[0]
    # Not GREATEST(a - b, 0): PostgreSQL's GREATEST ignores NULL, and a missing value must stay NULL.
    return (
        f"(CASE WHEN {columns[0]} >= {columns[1]} THEN {columns[0]} - {columns[1]} "
        f"WHEN {columns[0]} < {columns[1]} THEN 0 END)"
    )


def _postgres(first, last, by_day):
    """{(day or None, route, device, series): (count, p75, good, ni, poor)} over days first..last."""
    quote = connection.ops.quote_name
    selects, names = [], []
    for series in SERIES:
        expression = _series_sql(series, quote)
        selects.append(f"COUNT({expression})")
        selects.append(f"percentile_disc(0.75) WITHIN GROUP (ORDER BY {expression})")
        rating = quote(series.rating_column) if series.rating_column else None
        for value in (GOOD, NEEDS_IMPROVEMENT, POOR):
            selects.append(f"COUNT(*) FILTER (WHERE {rating} = {value})" if rating else "0")
        names.append(series.name)
    day = f"{quote('day')}, " if by_day else ""
    sql = (
        f"SELECT {day if by_day else 'NULL, '}{quote('route')}, {quote('device_class')}, "
        f"GROUPING({quote('route')}), GROUPING({quote('device_class')}), {', '.join(selects)} "
        f"FROM {quote(PageView._meta.db_table)} WHERE {quote('day')} BETWEEN %s AND %s "
        f"GROUP BY {day}GROUPING SETS (({quote('route')}, {quote('device_class')}), ({quote('route')}), "
        f"({quote('device_class')}), ())"
    )
    results = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, last])
        for row in cursor.fetchall():
            day_value, route, device, all_routes, all_devices = row[:5]
            key_day = _as_date(day_value) if by_day else None
            route = ALL_ROUTES if all_routes else route
            device = ALL_DEVICES if all_devices else device
            for index, name in enumerate(names):
                count, value, good, ni, poor = row[5 + index * 5 : 10 + index * 5]
                if count:
                    results[(key_day, route, device, name)] = (count, float(value), good, ni, poor)
    return results


# --- Any other database: the window's rows, in Python ------------------------------------------


def _cells(first, last):
    """{(day, route, device): {series: ([values], [good, ni, poor])}} read with one query."""
    columns = sorted(
        {column for series in SERIES for column in series.columns}
        | {series.rating_column for series in SERIES if series.rating_column}
    )
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote('day')}, {quote('route')}, {quote('device_class')}, "
        f"{', '.join(quote(c) for c in columns)} "
        f"FROM {quote(PageView._meta.db_table)} WHERE {quote('day')} BETWEEN %s AND %s"
    )
    cells = defaultdict(lambda: {series.name: ([], [0, 0, 0]) for series in SERIES})
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, last])
        for row in cursor:
            values = dict(zip(columns, row[3:], strict=True))
            cell = cells[(_as_date(row[0]), row[1], row[2])]
            for series in SERIES:
                value = series.value(values)
                if value is None:
                    continue
                collected, ratings = cell[series.name]
                collected.append(value)
                rating = values.get(series.rating_column) if series.rating_column else None
                if rating in (GOOD, NEEDS_IMPROVEMENT, POOR):
                    ratings[rating - 1] += 1
    return cells


def _summarize(cells, key_day):
    """Merge (route, device) cells into the four groupings and compute each series' figures."""
    groups = defaultdict(lambda: {series.name: ([], [0, 0, 0]) for series in SERIES})
    for (_, route, device), cell in cells:
        for group in ((route, device), (route, ALL_DEVICES), (ALL_ROUTES, device), (ALL_ROUTES, ALL_DEVICES)):
            target = groups[group]
            for name, (values, ratings) in cell.items():
                target[name][0].extend(values)
                for index in range(3):
                    target[name][1][index] += ratings[index]
    results = {}
    for (route, device), series_values in groups.items():
        for name, (values, ratings) in series_values.items():
            if values:
                results[(key_day, route, device, name)] = (len(values), p75(values), *ratings)
    return results


def _python(first, last, by_day, cells=None):
    cells = _cells(first, last) if cells is None else cells
    chosen = [(key, cell) for key, cell in cells.items() if first <= key[0] <= last]
    if not by_day:
        return _summarize(chosen, None)
    results = {}
    for day in _days(first, last):
        results.update(_summarize([(key, cell) for key, cell in chosen if key[0] == day], day))
    return results


# --- Both ---------------------------------------------------------------------------------------


def compute(first, last, by_day=False, cells=None):
    """{(day or None, route, device, series): (count, p75, good, needs_improvement, poor)}."""
    if connection.vendor == "postgresql":
        return _postgres(first, last, by_day)
    return _python(first, last, by_day, cells)


def aggregate(first, last, window_days=None):
    """Recompute the aggregates of days first..last (both windows). Returns the rows written."""
    window_days = window_days or settings.RUM_WINDOW_DAYS
    now = timezone.now()
    span_start = first - datetime.timedelta(days=window_days - 1)
    cells = _cells(span_start, last) if connection.vendor != "postgresql" else None
    rows = []

    def add(window, figures, day=None):
        for (key_day, route, device, name), (count, value, good, ni, poor) in figures.items():
            rows.append(
                DailyMetric(
                    day=day or key_day,
                    window_days=window,
                    route=route,
                    device_class=device,
                    metric=name,
                    count=count,
                    p75=value,
                    good=good,
                    needs_improvement=ni,
                    poor=poor,
                    computed_at=now,
                )
            )

    add(1, compute(first, last, by_day=True, cells=cells))
    targets = []
    for day in _days(first, last):
        window_start = day - datetime.timedelta(days=window_days - 1)
        if window_days > 1:
            add(window_days, compute(window_start, day, cells=cells), day=day)
        targets += [
            TopTarget(day=day, window_days=window_days, **row) for row in top_targets(window_start, day)
        ]
    with transaction.atomic():
        DailyMetric.objects.filter(day__range=(first, last), window_days__in={1, window_days}).delete()
        DailyMetric.objects.bulk_create(rows, batch_size=2000)
        TopTarget.objects.filter(day__range=(first, last)).delete()
        TopTarget.objects.bulk_create(targets, batch_size=2000)
    return len(rows) + len(targets)


# --- What the report reads ------------------------------------------------------------------------


def latest_day(window_days):
    return (
        DailyMetric.objects.filter(window_days=window_days)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )


# What each target list counts: the target column(s), the value, and which page views count.
TARGET_LISTS = {
    # The most common LCP elements (with how often the LCP was poor, and how long it took).
    "LCP": (("lcp_target",), "lcp", Q(lcp__isnull=False) & ~Q(lcp_target="")),
    # Interactions slower than INP's "good" threshold, by target and interaction type.
    "INP": (("inp_target", "inp_type"), "inp", Q(inp__gt=BY_NAME["INP"].good)),
}


def top_targets(first, last, limit=None):
    """The top target lists over days first..last for every (route or "*", device or "all"): one
    GROUP BY per list in the database, merged into the four groupings here."""
    limit = limit or settings.RUM_TOP_TARGETS
    rows = []
    for metric, (columns, value, condition) in TARGET_LISTS.items():
        rating = BY_NAME[metric].rating_column
        grouped = (
            PageView.objects.filter(condition, day__range=(first, last))
            .values("route", "device_class", *columns)
            .annotate(
                views=Count("id"),
                poor=Count("id", filter=Q(**{rating: POOR})),
                total=Sum(value),
                worst=Max(value),
            )
            .order_by()
        )
        merged = defaultdict(lambda: [0, 0, 0.0, 0.0])
        for row in grouped:
            target = tuple(row[column] for column in columns)
            for group in (
                (row["route"], row["device_class"]),
                (row["route"], ALL_DEVICES),
                (ALL_ROUTES, row["device_class"]),
                (ALL_ROUTES, ALL_DEVICES),
            ):
                figures = merged[(group, target)]
                figures[0] += row["views"]
                figures[1] += row["poor"]
                figures[2] += row["total"]
                figures[3] = max(figures[3], row["worst"])
        by_group = defaultdict(list)
        for (group, target), figures in merged.items():
            by_group[group].append((target, figures))
        for (route, device), entries in by_group.items():
            entries.sort(key=lambda entry: (-entry[1][0], entry[0]))
            for target, (views, poor, total, worst) in entries[:limit]:
                rows.append(
                    {
                        "route": route,
                        "device_class": device,
                        "metric": metric,
                        "target": target[0],
                        "interaction_type": target[1] if len(target) > 1 else "",
                        "views": views,
                        "poor": poor,
                        "average": total / views,
                        "worst": worst,
                    }
                )
    return rows
