"""The staff Web Vitals report in the admin, the raw page-view list, and what pages tell rum.js
(data-route, the module tag)."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from rum.aggregation import aggregate
from rum.models import DailyMetric, PageView
from rum.routes import known_routes, template_of

from testsupport.caches import reset_caches
from testsupport.networks import tiny_network

pytestmark = pytest.mark.django_db
REPORT = "/admin/rum/dailymetric/"


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


def add_views(
    day, route, count, lcp, inp=None, target="main>img.hero", inp_target="button.go", device="phone"
):
    for index in range(count):
        PageView.objects.create(
            view_id=(
                f"{route.strip('/').replace('/', '-').replace('<', '').replace('>', '') or 'home'}"
                f"-{day}-{device}-{index}-{lcp}"
            ),
            day=day,
            route=route,
            device_class=device,
            navigation_type="navigate",
            connection_type="4g",
            lcp=lcp,
            lcp_rating=1 if lcp <= 2500 else 2 if lcp <= 4000 else 3,
            lcp_target=target,
            inp=inp,
            inp_rating=None if inp is None else (1 if inp <= 200 else 2 if inp <= 500 else 3),
            inp_target=inp_target if inp else "",
            inp_type="pointer" if inp else "",
            cls=0.05,
            cls_rating=1,
            fcp=900,
            fcp_rating=1,
            ttfb=300,
            ttfb_rating=1,
            server_total=40,
        )


def test_the_report_shows_p75_against_thresholds_charts_and_targets(staff_client):
    today = timezone.localdate()
    for offset in range(5):
        add_views(today - datetime.timedelta(days=offset), "/", 4, lcp=1800 + offset * 400, inp=90)
    add_views(today, "/trains/<number>", 3, lcp=5200, inp=650, target="table.schedule", inp_target="a.book")
    aggregate(today - datetime.timedelta(days=4), today)
    response = staff_client.get(REPORT)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Core Web Vitals of real visitors" in html
    assert "LCP 2.5 s / 4 s, INP 200 ms / 500 ms, CLS 0.1 / 0.25, FCP 1.8 s / 3 s, TTFB 0.8 s / 1.8 s" in html
    # One row per page route plus all pages, each with a p75 per metric and an SVG trend.
    assert html.count('<svg class="rum-chart"') == 3 * 7
    assert "<code>/trains/&lt;number&gt;</code>" in html and "All pages" in html
    schedule = re.search(r"/trains/&lt;number&gt;</code></a></th>(.*?)</tr>", html, re.S).group(1)
    assert 'class="rum-cell poor"' in schedule and "5.20 s" in schedule and "650 ms" in schedule
    # The home page's 28-day p75 LCP: 20 views of 1.8..3.4 s -> the 15th value, 3.0 s (needs improvement).
    home = re.search(r"route=/&amp;.*?</tr>", html, re.S).group(0)
    assert 'class="rum-cell needs-improvement"' in home and "3.00 s" in home
    # Most common LCP elements and slow interactions (only those over 200 ms).
    assert "main&gt;img.hero" in html and "table.schedule" in html
    slow = html[html.index("Slow interactions") :]
    assert "a.book" in slow and "button.go" not in slow
    # No script in the report: charts are drawn by the server.
    assert "<script" not in html.split('<div id="content-main"', 1)[1]


def test_a_route_and_device_can_be_chosen(staff_client):
    today = timezone.localdate()
    add_views(today, "/", 4, lcp=1000, device="phone")
    add_views(today, "/", 4, lcp=6000, device="desktop")
    aggregate(today, today)
    phone = staff_client.get(REPORT, {"route": "/", "device": "phone", "days": "7"}).content.decode()
    assert "1.00 s" in phone and "6.00 s" not in phone
    assert phone.count('<section class="rum-card') == 7, "one large chart per metric and time split"
    desktop = staff_client.get(REPORT, {"route": "/", "device": "desktop"}).content.decode()
    assert "6.00 s" in desktop
    both = staff_client.get(REPORT, {"device": "nonsense", "days": "x"})
    assert both.status_code == 200


def test_aggregate_now_button(staff_client):
    add_views(timezone.localdate(), "/", 2, lcp=1200)
    assert "No aggregates yet" in staff_client.get(REPORT).content.decode()
    response = staff_client.post(REPORT, {"aggregate": "1"})
    assert response.status_code == 302
    assert DailyMetric.objects.filter(route="/", metric="LCP").exists()
    assert "1.20 s" in staff_client.get(REPORT).content.decode()


def test_only_staff_see_it(client):
    assert client.get(REPORT).status_code == 302
    user = get_user_model().objects.create_user("passenger", "p@example.com", "pw")
    client.force_login(user)
    response = client.get(REPORT)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.post(REPORT, {"aggregate": "1"}).status_code == 302
    assert not DailyMetric.objects.exists()


def test_raw_page_views_are_listed_read_only(staff_client):
    add_views(timezone.localdate(), "/", 2, lcp=1200)
    response = staff_client.get("/admin/rum/pageview/")
    assert response.status_code == 200 and "1200" in response.content.decode()
    assert staff_client.get("/admin/rum/pageview/add/").status_code == 403


# --- Pages: the route template on <html>, rum.js loaded as a module --------------------------


def test_pages_carry_their_route_template_not_their_url(client):
    tiny_network()
    home = client.get("/").content.decode()
    assert '<html lang="en-IN" data-route="/" data-rum-endpoint="/rum" data-rum-sample="1">' in home
    assert re.search(
        r'<script type="module" src="/static/js/rum(\.[0-9a-f]{12})?\.js" fetchpriority="low"></script>', home
    )
    schedule = client.get("/trains/12001?utm_source=mail").content.decode()
    assert 'data-route="/trains/&lt;number&gt;"' in schedule and "12001" not in schedule.split(">", 2)[1]


def test_rum_can_be_switched_off_or_sampled(client, settings):
    settings.RUM_SAMPLE_RATE = 0.25
    assert 'data-rum-sample="0.25"' in client.get("/").content.decode()
    settings.RUM_ENABLED = False
    reset_caches()  # the home page is kept whole for anonymous visitors
    html = client.get("/").content.decode()
    assert "data-route" not in html and "rum.js" not in html


def test_route_templates():
    assert template_of("") == "/"
    assert template_of("book/<str:train>/<str:date>/<str:board>/<str:alight>/<str:travel_class>") == (
        "/book/<train>/<date>/<board>/<alight>/<travel_class>"
    )
    assert template_of("^trains/(?P<number>[0-9A-Za-z-]{1,10})$") == "/trains/<number>"
    assert template_of("admin/(?P<app_label>auth|(booking))/$") == "/admin/<app_label>/"
    routes = known_routes()
    assert {"/", "/search", "/trains/<number>", "/pnr/<pnr>", "/book/review/<draft_id>"} <= routes
    assert "/trains/12951" not in routes
