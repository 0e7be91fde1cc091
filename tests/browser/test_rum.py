"""Real User Monitoring in a real browser: the key pages load web-vitals after the load event,
and hiding a page sends one document whose LCP, CLS, INP, FCP and TTFB land in the database with
sane values and their attribution."""

import re
import time

import pytest
from prometheus_client import REGISTRY

from demo.pictures import seed_pictures
from rum.models import PageView

from testsupport.networks import next_weekday, tiny_network

pytestmark = pytest.mark.django_db(transaction=True)
WEB_VITALS = re.compile(r"/static/vendor/web-vitals\.attribution\.[0-9a-f]{12}\.js$")


@pytest.fixture
def network(site, settings):
    settings.RUM_ENABLED = True  # off for the other browser tests (conftest.py)
    tiny_network()
    seed_pictures(scale=0.5)


def stored_documents(outcome="stored"):
    """Documents the live server (this process) stored: the counter behind /metrics."""
    return REGISTRY.get_sample_value("railconnect_rum_documents_total", {"outcome": outcome}) or 0


def wait_for_views(count, since, timeout=10):
    """The stored page views, once the live server has stored `count` documents since `since`.
    Waits on the in-process counter rather than polling the table: the in-memory SQLite database
    is shared with the server thread, and a read during its INSERT would make that INSERT fail."""
    deadline = time.monotonic() + timeout
    errors = stored_documents("error")
    while stored_documents() - since < count:
        assert stored_documents("error") == errors, "the server could not store a document"
        assert time.monotonic() < deadline, f"{count} documents expected, {stored_documents() - since} stored"
        time.sleep(0.05)
    return list(PageView.objects.order_by("received_at"))


def interact_with_home(page):
    page.click("#from")
    page.keyboard.type("Alp")
    page.click("h1")


def interact_with_results(page):
    page.click("h1.results-title")
    page.keyboard.press("Tab")


def interact_with_schedule(page):
    page.click("table.schedule")
    page.keyboard.press("End")


KEY_PAGES = [
    ("/", "/", interact_with_home),
    (f"/search?from=Alpha&to=Beta&date={next_weekday(0).isoformat()}", "/search", interact_with_results),
    ("/trains/12001", "/trains/<number>", interact_with_schedule),
]


def test_key_pages_report_their_web_vitals(site, network, new_page):
    page = new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    documents_before = stored_documents()
    for index, (path, route, interact) in enumerate(KEY_PAGES):
        with page.expect_response(WEB_VITALS):
            page.goto(site.url + path)
        page.wait_for_load_state("networkidle")
        # web-vitals arrived after the load event: nothing of it was on the critical path.
        timing = page.evaluate(
            """() => {
            const nav = performance.getEntriesByType("navigation")[0];
            const vitals = performance.getEntriesByType("resource")
            .find((e) => e.name.includes("web-vitals"));
            return { loaded: nav.loadEventEnd, requested: vitals.startTime };
        }"""
        )
        assert timing["requested"] >= timing["loaded"] > 0, timing
        interact(page)
        page.wait_for_timeout(300)
        # Leaving the page hides it: visibilitychange -> the beacon.
        page.goto("about:blank")
        views = wait_for_views(index + 1, documents_before)
        view = views[index]
        assert view.route == route and view.device_class == "desktop" and view.navigation_type == "navigate"
        assert view.connection_type in ("4g", "3g", "2g", "slow-2g", "unknown")
        assert 0 <= view.ttfb < 5000 and view.ttfb_rating
        assert view.ttfb_request is not None and view.ttfb_waiting is not None
        assert view.ttfb <= view.fcp < 10_000 and view.fcp_ttfb == pytest.approx(view.ttfb, abs=0.2)
        assert view.fcp <= view.lcp < 10_000 and view.lcp_target, "the LCP element is named"
        assert view.lcp_ttfb is not None and view.lcp_render_delay is not None
        assert 0 <= view.cls < 0.1 and view.cls_rating == 1
        assert 0 < view.inp < 1000 and view.inp_target and view.inp_type in ("pointer", "keyboard")
        assert (
            view.inp_input_delay is not None
            and view.inp_processing is not None
            and view.inp_presentation is not None
        )
        assert view.server_total is not None and 0 < view.server_total < 5000, (
            "Server-Timing of the navigation"
        )
        assert view.server_db is not None and view.server_cache is not None
    # One document per page view, no more (a second one would be an update of the same row).
    assert stored_documents() - documents_before == len(KEY_PAGES)
    assert PageView.objects.count() == len(KEY_PAGES)
    home = PageView.objects.get(route="/")
    assert "img" in home.lcp_target or "h1" in home.lcp_target or "section" in home.lcp_target
    assert "#from" in home.inp_target or "input" in home.inp_target or "h1" in home.inp_target
    assert not errors


def test_a_beacon_is_text_plain_same_origin_without_csrf(site, network, new_page):
    before = stored_documents()
    page = new_page()
    page.goto(site.url + "/")
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "performance.getEntriesByType('resource').some((e) => e.name.includes('web-vitals'))"
    )
    with page.expect_request(re.compile(r"/rum$")) as captured:
        # Hidden without leaving: a switch to another tab. (Headless Chromium keeps the page
        # "visible"; the event is what rum.js listens to, so dispatch it as the browser would.)
        page.evaluate("""() => {
            Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
            document.dispatchEvent(new Event("visibilitychange"));
        }""")
    request = captured.value
    # No more beacons from this page (closing it would hide it again while the database is flushed).
    page.evaluate("() => { navigator.sendBeacon = () => true; }")
    assert request.method == "POST"
    assert request.headers["content-type"].startswith("text/plain")
    assert "x-csrftoken" not in request.headers
    body = request.post_data_json
    assert (
        body["route"] == "/"
        and set(body["metrics"]) >= {"TTFB", "FCP", "LCP", "CLS"}
        and "FID" not in body["metrics"]
    )
    assert "?" not in body["route"] and site.url not in str(body)
    assert wait_for_views(1, before)[0].route == "/"


def test_sampled_out_pages_load_nothing(site, network, new_page, settings):
    settings.RUM_SAMPLE_RATE = 0
    page = new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(site.url + "/search?from=Beta&to=Alpha&date=" + next_weekday(1).isoformat())
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    page.goto("about:blank")
    time.sleep(0.5)
    assert not any("web-vitals" in url or url.endswith("/rum") for url in requested)
    assert PageView.objects.count() == 0
