"""Daily aggregation (rum/aggregation.py) against a direct percentile computation, on SQLite (rows
read in Python) and on PostgreSQL (percentile_disc with GROUPING SETS); retention (prune_rum)."""

import datetime
import io
import random
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.utils import timezone

from rum.aggregation import aggregate, compute
from rum.models import DailyMetric, PageView, TopTarget
from rum.vitals import ALL_DEVICES, ALL_ROUTES, BY_NAME, DEVICE_CLASSES, SERIES, p75

pytestmark = pytest.mark.django_db

ROUTES = ["/", "/search", "/trains/<number>"]
TODAY = datetime.date(2026, 11, 20)


def nearest_rank_p75(values):
    """The definition, brute force: the smallest value with at least 75% of values at or below it."""
    for candidate in sorted(values):
        if sum(value <= candidate for value in values) * 4 >= 3 * len(values):
            return candidate
    return None


def test_p75_is_the_nearest_rank_percentile():
    assert p75([]) is None
    assert p75([5]) == 5
    assert p75([1, 2, 3, 4]) == 3
    assert p75([4, 1, 3, 2, 5]) == 4
    assert p75([1, 2, 3, 4, 5, 6, 7, 8]) == 6
    rng = random.Random(7)
    for size in range(1, 60):
        values = [rng.choice([rng.random() * 5000, float(rng.randint(0, 9))]) for _ in range(size)]
        assert p75(values) == nearest_rank_p75(values)


def make_views(count, seed=1, days=10):
    """Random page views over `days` days ending TODAY; some metrics missing, as in real life."""
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        row = {
            "view_id": f"view{seed}x{index:07d}",
            "day": TODAY - datetime.timedelta(days=rng.randrange(days)),
            "route": rng.choice(ROUTES),
            "device_class": rng.choice(DEVICE_CLASSES),
            "navigation_type": "navigate",
            "connection_type": "4g",
        }
        for vital in BY_NAME.values():
            if rng.random() < (0.4 if vital.name == "INP" else 0.9):
                scale = vital.poor * 1.6
                # Plenty of ties (rounded values), as real measurements have.
                value = round(rng.random() ** 2 * scale, 1 if vital.unit else 3)
                row[vital.column] = value
                row[vital.rating_column] = vital.rating(value)
        if rng.random() < 0.8:
            row["server_total"] = round(rng.random() * 300, 1)
        rows.append(PageView(received_at=timezone.now(), **row))
    PageView.objects.bulk_create(rows, batch_size=1000)
    return rows


def expected(rows, first, last):
    """{(route, device, series): (count, p75, good, ni, poor)} computed directly from the rows."""
    groups = defaultdict(list)
    for row in rows:
        if first <= row.day <= last:
            for route in (row.route, ALL_ROUTES):
                for device in (row.device_class, ALL_DEVICES):
                    groups[(route, device)].append(row)
    result = {}
    for (route, device), members in groups.items():
        for series in SERIES:
            values = [series.value(vars(member)) for member in members]
            values = [value for value in values if value is not None]
            if not values:
                continue
            ratings = (
                [getattr(member, series.rating_column) for member in members] if series.rating_column else []
            )
            result[(route, device, series.name)] = (
                len(values),
                nearest_rank_p75(values),
                ratings.count(1),
                ratings.count(2),
                ratings.count(3),
            )
    return result


def stored(day, window):
    return {
        (row.route, row.device_class, row.metric): (
            row.count,
            row.p75,
            row.good,
            row.needs_improvement,
            row.poor,
        )
        for row in DailyMetric.objects.filter(day=day, window_days=window)
    }


def assert_same(actual, wanted):
    assert set(actual) == set(wanted)
    for key, figures in wanted.items():
        count, value, *ratings = actual[key]
        assert (count, *ratings) == (figures[0], *figures[2:]), key
        assert value == pytest.approx(figures[1], abs=1e-9), key


def test_daily_and_rolling_aggregates_match_a_direct_computation():
    rows = make_views(3000)
    written = aggregate(TODAY - datetime.timedelta(days=2), TODAY, window_days=7)
    assert written == DailyMetric.objects.count() + TopTarget.objects.count()
    assert DailyMetric.objects.count() > 0
    for offset in range(3):
        day = TODAY - datetime.timedelta(days=offset)
        assert_same(stored(day, 1), expected(rows, day, day))
        assert_same(stored(day, 7), expected(rows, day - datetime.timedelta(days=6), day))
    # Nothing for days outside the range asked for.
    assert not DailyMetric.objects.filter(day__lt=TODAY - datetime.timedelta(days=2)).exists()


def test_every_grouping_is_present_and_the_browser_split_is_lcp_minus_ttfb():
    rows = make_views(400, seed=3, days=1)
    aggregate(TODAY, TODAY, window_days=1)
    figures = stored(TODAY, 1)
    assert {(route, device) for route, device, _ in figures} == {
        (route, device) for route in ROUTES + [ALL_ROUTES] for device in (*DEVICE_CLASSES, ALL_DEVICES)
    }
    browser = [max(row.lcp - row.ttfb, 0) for row in rows if row.lcp is not None and row.ttfb is not None]
    assert figures[(ALL_ROUTES, ALL_DEVICES, "BROWSER")][:2] == (
        len(browser),
        pytest.approx(nearest_rank_p75(browser)),
    )
    server = [row.server_total for row in rows if row.server_total is not None]
    assert figures[(ALL_ROUTES, ALL_DEVICES, "SERVER")][:2] == (
        len(server),
        pytest.approx(nearest_rank_p75(server)),
    )


def test_shares_of_good_needs_improvement_and_poor():
    for index, value in enumerate([100, 2500, 2600, 4000, 4001, 9000]):
        PageView.objects.create(
            view_id=f"shares{index:04d}",
            day=TODAY,
            route="/",
            device_class="phone",
            navigation_type="navigate",
            connection_type="4g",
            lcp=value,
            lcp_rating=BY_NAME["LCP"].rating(value),
        )
    aggregate(TODAY, TODAY, window_days=1)
    lcp = DailyMetric.objects.get(day=TODAY, window_days=1, route="/", device_class="phone", metric="LCP")
    assert (lcp.count, lcp.good, lcp.needs_improvement, lcp.poor) == (6, 2, 2, 2)
    assert lcp.p75 == 4001  # 6 values: the 5th smallest


def test_aggregating_again_replaces_rather_than_adds():
    make_views(300, seed=5, days=3)
    aggregate(TODAY - datetime.timedelta(days=2), TODAY, window_days=3)
    before = sorted(
        DailyMetric.objects.values_list(
            "day", "window_days", "route", "device_class", "metric", "count", "p75"
        )
    )
    aggregate(TODAY - datetime.timedelta(days=2), TODAY, window_days=3)
    after = sorted(
        DailyMetric.objects.values_list(
            "day", "window_days", "route", "device_class", "metric", "count", "p75"
        )
    )
    assert before == after
    PageView.objects.filter(day=TODAY).delete()
    aggregate(TODAY, TODAY, window_days=3)
    assert not DailyMetric.objects.filter(day=TODAY, window_days=1).exists()


def test_top_lcp_elements_and_slow_inp_targets_match_a_direct_count(settings):
    settings.RUM_TOP_TARGETS = 3
    rng = random.Random(4)
    rows = make_views(800, seed=13, days=4)
    for row in rows:
        row.lcp_target = (
            rng.choice(["img.hero", "h1", "table.schedule", "p.intro", "ol>li"]) if row.lcp else ""
        )
        row.inp_target = rng.choice(["button.go", "input#from", "a.sort", ""]) if row.inp else ""
        row.inp_type = rng.choice(["pointer", "keyboard"]) if row.inp else ""
    PageView.objects.bulk_update(rows, ["lcp_target", "inp_target", "inp_type"])
    first = TODAY - datetime.timedelta(days=3)
    aggregate(TODAY, TODAY, window_days=4)
    for route, device in (
        ("/search", "phone"),
        ("/search", ALL_DEVICES),
        (ALL_ROUTES, "desktop"),
        (ALL_ROUTES, ALL_DEVICES),
    ):
        chosen = [
            row
            for row in rows
            if first <= row.day <= TODAY
            and route in (row.route, ALL_ROUTES)
            and device in (row.device_class, ALL_DEVICES)
        ]
        lcp = defaultdict(list)
        for row in chosen:
            if row.lcp is not None and row.lcp_target:
                lcp[row.lcp_target].append(row)
        wanted = sorted(((-len(views), target) for target, views in lcp.items()))[:3]
        stored_lcp = TopTarget.objects.filter(
            day=TODAY, route=route, device_class=device, metric="LCP"
        ).order_by("-views", "target")
        assert [(-target.views, target.target) for target in stored_lcp] == wanted
        for target in stored_lcp:
            values = [row.lcp for row in lcp[target.target]]
            assert target.poor == sum(row.lcp_rating == 3 for row in lcp[target.target])
            assert target.average == pytest.approx(sum(values) / len(values)) and target.worst == max(values)
        slow = defaultdict(list)
        for row in chosen:
            if row.inp is not None and row.inp > 200:
                slow[(row.inp_target, row.inp_type)].append(row.inp)
        wanted = sorted(((-len(values), key) for key, values in slow.items()))[:3]
        stored_inp = TopTarget.objects.filter(
            day=TODAY, route=route, device_class=device, metric="INP"
        ).order_by("-views", "target", "interaction_type")
        assert [(-target.views, (target.target, target.interaction_type)) for target in stored_inp] == wanted
        assert all(
            target.worst == max(slow[(target.target, target.interaction_type)]) for target in stored_inp
        )


def test_compute_over_a_range_without_day_grouping():
    rows = make_views(500, seed=9, days=5)
    first = TODAY - datetime.timedelta(days=4)
    figures = {
        (route, device, name): value for (_, route, device, name), value in compute(first, TODAY).items()
    }
    assert_same(figures, expected(rows, first, TODAY))


def test_aggregate_rum_command(settings):
    settings.RUM_WINDOW_DAYS = 3
    make_views(200, seed=11, days=2)
    out = io.StringIO()
    call_command("aggregate_rum", "--date", TODAY.isoformat(), stdout=out)
    assert "figures" in out.getvalue()
    assert set(DailyMetric.objects.values_list("window_days", flat=True)) == {1, 3}
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        call_command("aggregate_rum", "--date", "yesterday", stdout=out)


def test_prune_rum_keeps_the_retention_period(settings):
    settings.RUM_RETENTION_DAYS = 30
    settings.RUM_AGGREGATE_RETENTION_DAYS = 100
    today = timezone.localdate()
    for offset in (0, 29, 30, 45):
        PageView.objects.create(
            view_id=f"prune{offset:05d}",
            day=today - datetime.timedelta(days=offset),
            route="/",
            device_class="phone",
            navigation_type="navigate",
            connection_type="4g",
            lcp=1000,
            lcp_rating=1,
        )
    for offset in (0, 99, 100):
        DailyMetric.objects.create(
            day=today - datetime.timedelta(days=offset),
            window_days=1,
            route="/",
            device_class="all",
            metric="LCP",
            count=1,
            p75=1000,
            good=1,
            needs_improvement=0,
            poor=0,
        )
    out = io.StringIO()
    call_command("prune_rum", "--dry-run", stdout=out)
    assert "Would delete 2 page views and 1 aggregates" in out.getvalue()
    assert PageView.objects.count() == 4
    call_command("prune_rum", stdout=out)
    assert sorted(PageView.objects.values_list("view_id", flat=True)) == ["prune00000", "prune00029"]
    assert DailyMetric.objects.count() == 2
    call_command("prune_rum", "--days", "1", stdout=out)
    assert list(PageView.objects.values_list("view_id", flat=True)) == ["prune00000"]
