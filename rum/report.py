"""The staff report (admin: "Web Vitals report"): per page route, the p75 of each metric over the
last RUM_WINDOW_DAYS days against Google's thresholds, the share of good / needs-improvement /
poor page views, daily trend charts (SVG), the most common LCP elements and the slowest INP
targets.

Everything comes from the aggregates (rum/aggregation.py, `manage.py aggregate_rum`): the page
costs a few small queries however many page views are stored.
"""

import datetime
from collections import defaultdict

from django.conf import settings

from . import aggregation, charts
from .models import DailyMetric, TopTarget
from .vitals import ALL_DEVICES, ALL_ROUTES, BY_NAME, DEVICE_CLASSES, SERIES

TREND_DAYS = (7, 28, 90)


def _format(series_name):
    vital = BY_NAME.get(series_name)
    if vital is not None:
        return vital.format
    return BY_NAME["LCP"].format  # the time splits are in ms too


def _thresholds(series_name):
    vital = BY_NAME.get(series_name)
    return (vital.good, vital.poor) if vital else (None, None)


def options(params):
    device = params.get("device") or ALL_DEVICES
    if device not in (ALL_DEVICES, *DEVICE_CLASSES):
        device = ALL_DEVICES
    try:
        days = int(params.get("days") or settings.RUM_REPORT_DAYS)
    except ValueError:
        days = settings.RUM_REPORT_DAYS
    days = min(max(days, 2), 366)
    route = params.get("route") or ""
    return {"device": device, "days": days, "route": route}


def build(params):
    chosen = options(params)
    device, days, route = chosen["device"], chosen["days"], chosen["route"]
    window = settings.RUM_WINDOW_DAYS
    day = aggregation.latest_day(window)
    context = {
        **chosen,
        "window_days": window,
        "day": day,
        "devices": [ALL_DEVICES, *DEVICE_CLASSES],
        "trend_choices": TREND_DAYS,
        "series": SERIES,
        "vitals": [series for series in SERIES if series.name in BY_NAME],
        "rows": [],
    }
    if day is None:
        return context
    first_trend_day = day - datetime.timedelta(days=days - 1)
    headline = DailyMetric.objects.filter(day=day, window_days=window, device_class=device)
    trends = DailyMetric.objects.filter(day__range=(first_trend_day, day), window_days=1, device_class=device)
    if route:
        headline = headline.filter(route=route)
        trends = trends.filter(route=route)
    figures = defaultdict(dict)
    for row in headline.values(
        "route", "metric", "count", "p75", "good", "needs_improvement", "poor", "computed_at"
    ):
        figures[row["route"]][row["metric"]] = row
        context["computed_at"] = row["computed_at"]
    daily = defaultdict(lambda: defaultdict(dict))
    for route_name, metric, trend_day, value in trends.values_list("route", "metric", "day", "p75"):
        daily[route_name][metric][trend_day] = value
    trend_days = [first_trend_day + datetime.timedelta(days=offset) for offset in range(days)]
    big = bool(route)

    rows = []
    for route_name, by_metric in figures.items():
        cells = []
        for series in SERIES:
            figure = by_metric.get(series.name)
            good, poor = _thresholds(series.name)
            fmt = _format(series.name)
            points = [(trend_day, daily[route_name][series.name].get(trend_day)) for trend_day in trend_days]
            rating = charts.rating_of(figure["p75"], good, poor) if figure else None
            cells.append(
                {
                    "series": series,
                    "figure": figure,
                    "p75": fmt(figure["p75"]) if figure else "–",
                    "rating": charts.RATING_LABELS[rating].replace(" ", "-") if rating else "",
                    "bar": charts.distribution(figure["good"], figure["needs_improvement"], figure["poor"])
                    if figure and good
                    else "",
                    "chart": charts.trend(
                        points,
                        good=good,
                        poor=poor,
                        fmt=fmt,
                        label=f"{route_name} {series.name} daily p75",
                        width=420 if big else 120,
                        height=140 if big else 36,
                        axis=big,
                    ),
                }
            )
        views = max((figure["count"] for figure in by_metric.values()), default=0)
        rows.append({"route": route_name, "views": views, "cells": cells})
    rows.sort(key=lambda row: (row["route"] != ALL_ROUTES, -row["views"], row["route"]))
    context["rows"] = rows

    targets = TopTarget.objects.filter(
        day=day, window_days=window, route=route or ALL_ROUTES, device_class=device
    )
    context["lcp_elements"] = [target for target in targets if target.metric == "LCP"]
    context["inp_targets"] = [target for target in targets if target.metric == "INP"]
    for target in targets:
        vital = BY_NAME[target.metric]
        target.average_text, target.worst_text = vital.format(target.average), vital.format(target.worst)
    return context
