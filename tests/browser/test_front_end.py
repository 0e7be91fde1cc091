"""The front end in a real browser: lazy modules, no layout shift, image formats, no-JavaScript."""

import re

import pytest

from demo.pictures import seed_pictures

from testsupport.browser import LAYOUT_SHIFT, slow_network, wait_until
from testsupport.networks import next_weekday, tiny_network

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def network():
    tiny_network()


def results_url(site):
    return f"{site.url}/search?from=Alpha&to=Beta&date={next_weekday(0).isoformat()}"


# --- Modules load on first need ----------------------------------------------------------------


def test_autocomplete_is_not_requested_until_a_station_field_is_focused(site, network, new_page):
    page = new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(site.url + "/")
    page.wait_for_load_state("networkidle")
    assert any("/static/js/pages/search." in url for url in requested), "the page's own module loads"
    assert not any("station-autocomplete" in url for url in requested)
    assert not any("pages/dashboard" in url for url in requested)

    with page.expect_request(re.compile(r"/static/js/components/station-autocomplete\.[0-9a-f]{12}\.js$")):
        page.focus("#from")
    with page.expect_response(re.compile(r"/api/stations\?q=Alph")) as response:
        page.fill("#from", "Alph")
    assert response.value.ok
    wait_until(page, "document.querySelectorAll('#station-list option').length >= 2")
    options = page.eval_on_selector_all("#station-list option", "options => options.map(o => o.value)")
    assert "Alpha Central (ALP)" in options and "Alpha Terminus (ALQ)" in options


# --- No layout shift while fragments and images load ----------------------------------------------


def test_date_strip_fragment_replaces_its_skeleton_without_a_shift(site, network, new_page):
    page = new_page(viewport={"width": 400, "height": 800})
    slow_network(page)
    with page.expect_response(re.compile(r"/search/dates\?")):
        page.goto(results_url(site))
        assert page.locator(".dates .skeleton").count() == 7, "the skeleton shows while the counts load"
    page.wait_for_selector(
        "nav[aria-label='Other dates']:not([data-lazy-fragment]) .dates small:has-text('train')"
    )
    shifts = page.evaluate(LAYOUT_SHIFT)
    assert shifts["total"] == 0, shifts
    assert page.locator(".dates .skeleton").count() == 0


def test_a_fragment_of_another_size_would_be_caught(site, network, new_page):
    """The measurement can fail: serve a fragment taller than its skeleton and see the shift."""
    page = new_page(viewport={"width": 400, "height": 800})
    slow_network(page)
    tall = (
        "<ol class='dates'>"
        + "".join(
            f"<li><a href='#'><b>Day {n}</b><small>3 trains</small>"
            "<small>more</small><small>and more</small></a></li>"
            for n in range(7)
        )
        + "</ol><p>An extra line</p><p>and another</p>"
    )
    page.route(
        re.compile(r".*/search/dates\?.*"), lambda route: route.fulfill(body=tall, content_type="text/html")
    )
    page.goto(results_url(site))
    page.wait_for_selector("nav[aria-label='Other dates']:not([data-lazy-fragment])")
    assert page.evaluate(LAYOUT_SHIFT)["total"] > 0.01


def test_images_load_into_reserved_boxes(site, network, new_page):
    seed_pictures(scale=0.5)
    page = new_page(viewport={"width": 400, "height": 800})
    slow_network(page, latency_ms=400, kbps=300)
    page.goto(site.url + "/")
    wait_until(
        page,
        "document.querySelector('.promo img').complete "
        "&& document.querySelector('.promo img').naturalWidth > 0",
    )
    # Bring the lazy destination pictures in and let them load too.
    page.mouse.wheel(0, 2000)
    wait_until(page, "[...document.images].every((img) => img.complete && img.naturalWidth > 0)", timeout=20)
    shifts = page.evaluate(LAYOUT_SHIFT)
    assert shifts["total"] == 0, shifts


# --- Image formats and candidates ----------------------------------------------------------------


@pytest.mark.parametrize(
    "viewport, scale, banner, destination",
    [
        ({"width": 400, "height": 800}, 1, 480, 320),  # banner 368 px wide, destination 178 px
        ({"width": 400, "height": 800}, 2, 960, 480),  # banner 736 device px, destination 355
        ({"width": 1280, "height": 900}, 1, 960, 320),  # banner 928 px, destination 216
    ],
)
def test_images_are_avif_with_the_right_candidate(
    site, network, new_page, viewport, scale, banner, destination
):
    seed_pictures()
    page = new_page(viewport=viewport, device_scale_factor=scale)
    images = {}
    page.on(
        "response",
        lambda response: (
            images.update({response.url: response.headers.get("content-type")})
            if "/media/" in response.url
            else None
        ),
    )
    page.goto(site.url + "/")
    page.locator(".destinations").scroll_into_view_if_needed()
    wait_until(page, "[...document.images].every((img) => img.complete && img.naturalWidth > 0)")
    banner_src = page.eval_on_selector(".promo img", "img => img.currentSrc")
    destination_src = page.eval_on_selector(".destinations img", "img => img.currentSrc")
    assert banner_src.endswith(f"/{banner}.avif"), banner_src
    assert destination_src.endswith(f"/{destination}.avif"), destination_src
    assert images and set(images.values()) == {"image/avif"}, images
    assert not any(url.endswith(".jpg") or url.endswith(".webp") for url in images)


def test_browsers_without_avif_get_webp(site, network, new_page):
    """The <source type> order decides: a browser that cannot take AVIF skips to WebP. Simulated
    by removing the AVIF source before the images are chosen."""
    seed_pictures(scale=0.5)
    page = new_page(viewport={"width": 400, "height": 800}, java_script_enabled=True)
    page.add_init_script(
        "new MutationObserver(() => document.querySelectorAll('source[type=\"image/avif\"]')"
        ".forEach((s) => s.remove()))"
        ".observe(document, {childList: true, subtree: true});"
    )
    page.goto(site.url + "/")
    wait_until(page, "document.querySelector('.promo img').complete")
    assert page.eval_on_selector(".promo img", "img => img.currentSrc").endswith(".webp")


# --- Every page works without JavaScript --------------------------------------------------------


def test_search_works_without_javascript(site, network, new_page):
    page = new_page(java_script_enabled=False)
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto(site.url + "/")
    page.fill("#from", "Alpha")
    page.fill("#to", "Beta")
    page.fill("#date", next_weekday(0).isoformat())
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/search\?"))
    assert "Alpha Beta Rajdhani" in page.text_content(".journeys")
    # The date strip works as plain links; its skeleton keeps its space but does not shimmer.
    assert page.locator(".dates a").count() == 7
    assert page.eval_on_selector(".dates .skeleton", "el => getComputedStyle(el).visibility") == "hidden"
    page.click(".dates li:last-child a")
    page.wait_for_url(re.compile(r"date="))
    assert page.locator("h1.results-title").count() == 1
    # Filters and sorts are links; the schedule page is a link.
    page.goto(results_url(site))
    page.click("text=Duration")
    assert "sort=duration" in page.url
    page.click(".journey-train a >> nth=0")
    assert page.locator("table.schedule").count() == 1
    assert not errors


@pytest.mark.parametrize("path", ["/", "/search", "/trains/12001", "/search/dates"])
def test_key_public_pages_render_without_javascript(site, network, new_page, path):
    page = new_page(java_script_enabled=False)
    target = results_url(site) if path == "/search" else site.url + path
    if path == "/search/dates":
        target = results_url(site).replace("/search?", "/search/dates?")
    response = page.goto(target)
    assert response.status == 200
    assert page.locator("body").inner_text().strip()


def test_home_pictures_show_without_javascript(site, network, new_page):
    seed_pictures(scale=0.5)
    page = new_page(java_script_enabled=False, viewport={"width": 400, "height": 800})
    page.goto(site.url + "/")
    wait_until(
        page,
        "document.querySelector('.promo img').complete "
        "&& document.querySelector('.promo img').naturalWidth > 0",
    )
    assert page.eval_on_selector(".promo img", "img => img.currentSrc").endswith(".avif")
