"""The passenger dashboard in a real browser: the lazy fragments replace skeletons of exactly their
size (no layout shift), the history pages in place, everything works without JavaScript, and a
saved passenger fills the booking form with one tick."""

import re

import pytest
from django.utils import timezone

from dashboard.models import SavedPassenger

from testsupport.booking_rows import DAY, World, booking, many_bookings, save_all
from testsupport.bookings import travel_date
from testsupport.browser import LAYOUT_SHIFT, signed_in_page, slow_network
from testsupport.networks import booking_network
from testsupport.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def passenger():
    booking_network()
    user = make_user("asha")
    world = World()
    many_bookings(world, user, 60, upcoming=2)
    save_all([booking(world, user, departs_at=timezone.now() + 9 * DAY, train="12002", travel_class="SL")])
    return user


SLOT_HEIGHTS = (
    "() => ['.history-slot', '.stats-slot']"
    ".map((s) => document.querySelector(s).getBoundingClientRect().height)"
)


@pytest.mark.parametrize("viewport", [{"width": 400, "height": 800}, {"width": 1280, "height": 900}])
def test_fragments_replace_skeletons_of_their_exact_size(site, passenger, new_page, viewport):
    page = signed_in_page(new_page, site, passenger, viewport=viewport)
    slow_network(page)
    # Fragments are held back until the skeletons have been measured: on a busy machine one could
    # otherwise arrive before the first look.
    held = []
    page.route("**/*/fragment*", lambda route: held.append(route))
    page.goto(site.url + "/dashboard", wait_until="domcontentloaded")
    assert page.locator(".history-slot[data-lazy-fragment] .skeleton").count() > 0, "skeletons first"
    skeleton_heights = page.evaluate(SLOT_HEIGHTS)
    for route in held:
        route.continue_()
    page.unroute("**/*/fragment*")  # (also lets through any request that came in meanwhile)
    page.mouse.wheel(0, 4000)  # bring both below-the-fold slots near the viewport
    page.wait_for_selector(".history-slot:not([data-lazy-fragment]) .history-row a")
    page.wait_for_selector(".stats-slot:not([data-lazy-fragment]) svg.chart")
    assert page.evaluate(SLOT_HEIGHTS) == skeleton_heights
    shifts = page.evaluate(LAYOUT_SHIFT)
    assert shifts["total"] == 0, shifts
    assert page.locator(".skeleton").count() == 0


def test_fragments_are_not_fetched_until_they_near_the_viewport(site, passenger, new_page):
    page = signed_in_page(new_page, site, passenger, viewport={"width": 400, "height": 500})
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(site.url + "/dashboard")
    page.wait_for_load_state("networkidle")
    assert not any("/fragment" in url for url in requested), "below the fold: not loaded yet"
    page.mouse.wheel(0, 4000)
    page.wait_for_selector(".stats-slot:not([data-lazy-fragment]) svg.chart")
    assert any("/dashboard/statistics/fragment" in url for url in requested)


def test_history_pages_in_place(site, passenger, new_page):
    page = signed_in_page(new_page, site, passenger, viewport={"width": 1280, "height": 900})
    page.goto(site.url + "/dashboard")
    page.locator(".history-slot").scroll_into_view_if_needed()
    page.wait_for_selector(".history-slot:not([data-lazy-fragment]) .history-row a")
    first = page.locator(".history-slot .history-row a").first.inner_text()
    with page.expect_response(re.compile(r"/dashboard/journeys/fragment\?page=2")):
        page.click(".history-slot a[rel=next]")
    page.wait_for_selector(".history-slot:not([data-lazy-fragment]) .history-pager:has-text('page 2')")
    assert page.url.endswith("/dashboard"), "no navigation"
    assert page.locator(".history-slot .history-row a").first.inner_text() != first


def test_the_dashboard_works_without_javascript(site, passenger, new_page):
    page = signed_in_page(
        new_page, site, passenger, java_script_enabled=False, viewport={"width": 400, "height": 800}
    )
    page.goto(site.url + "/dashboard")
    assert page.locator(".trip").count() == 3
    assert not page.locator(".lazy-skeleton").first.is_visible(), "no empty placeholders without scripts"
    page.click(".stats-slot a")
    page.wait_for_url(re.compile(r"/dashboard/statistics$"))
    assert page.locator(".stats-figures .figure").count() == 6 and page.locator("svg.chart").count() == 1
    page.goto(site.url + "/dashboard")
    page.click(".history-slot a")
    page.wait_for_url(re.compile(r"/dashboard/journeys$"))
    assert page.locator(".history-row").count() == 10
    page.click("a[rel=next]")
    page.wait_for_url(re.compile(r"/dashboard/journeys\?page=2$"))
    assert page.locator(".history-row").count() == 10


def test_ticking_a_saved_passenger_fills_the_booking_form(site, new_page):
    booking_network()
    user = make_user("meera")
    ravi = SavedPassenger.objects.create(
        user=user, name="Ravi Rao", age=36, gender="M", berth_preference="UB"
    )
    page = signed_in_page(new_page, site, user)
    page.goto(f"{site.url}/book/12951/{travel_date().isoformat()}/AAA/DDD/3A/passengers")
    assert page.locator("[data-saved-picker-submit]").is_hidden(), "JavaScript fills at once: no button"
    page.fill("#p-0-name", "Meera Rao")
    page.fill("#p-0-age", "33")
    page.check(f"input[name=saved][value='{ravi.pk}']")
    assert page.input_value("#p-1-name") == "Ravi Rao" and page.input_value("#p-1-age") == "36"
    assert page.input_value("#p-1-gender") == "M" and page.input_value("#p-1-pref") == "UB"
    assert page.input_value("#p-0-name") == "Meera Rao", "a filled row is left alone"
    page.uncheck(f"input[name=saved][value='{ravi.pk}']")
    assert page.input_value("#p-1-name") == ""
