"""Issue 14, the search side, on a 390x844 phone in Chromium: each "Why" bullet of the search and
timetable pages (fares before login, class buttons, city search, the date field, touch targets,
the schedule on a narrow screen) checked as a passenger meets it."""

import datetime
import re

import pytest
from django.utils import timezone

from testsupport.bookings import set_coaches, travel_date
from testsupport.browser import LAYOUT_SHIFT, slow_network, wait_until
from testsupport.networks import booking_network, next_weekday, tiny_network

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
TOUCH = 44  # px: the smallest comfortable touch target (WCAG 2.5.5)
BOXES = "(selector) => [...document.querySelectorAll(selector)].map((e) => e.getBoundingClientRect())"


@pytest.fixture
def network():
    tiny_network()


def results_url(site, origin="Alpha", destination="Beta"):
    return f"{site.url}/search?from={origin}&to={destination}&date={next_weekday(0).isoformat()}"


def loaded_class_buttons(page):
    page.wait_for_selector(".class-buttons:not([data-lazy-fragment]) .class-button .fare")
    return page.locator(".class-buttons:not([data-lazy-fragment]) .class-button")


# --- No fare anywhere until the review page; class chips look like tags -----------------------


def test_results_show_availability_and_fare_per_class_as_buttons(site, network, new_page):
    page = new_page(viewport=PHONE)
    page.goto(results_url(site))
    daily = page.locator(".journey", has_text="Alpha Beta Express")
    daily.scroll_into_view_if_needed()  # its classes load as it nears the viewport
    daily.locator(".class-buttons:not([data-lazy-fragment]) .fare").first.wait_for()
    buttons = daily.locator(".class-button")
    assert buttons.count() == 4
    texts = [re.sub(r"\s+", " ", text) for text in buttons.all_inner_texts()]
    for code, text in zip(["2A", "3A", "SL", "2S"], texts, strict=True):
        assert re.fullmatch(rf"{code} AVAILABLE \d+ ₹[\d,]+\.\d\d", text), text
    for box in page.evaluate(BOXES, ".class-button"):
        assert box["width"] >= TOUCH and box["height"] >= TOUCH, box
    # A button is a way to book: it opens that class's availability page, with the fare.
    buttons.first.click()
    page.wait_for_url(re.compile(r"/book/12002/[\d-]+/ALQ/BET/2A$"))
    assert page.locator(".class-card.chosen .fare").first.inner_text().startswith("₹")


def test_class_buttons_load_into_skeletons_of_their_exact_size(site, network, new_page):
    page = new_page(viewport=PHONE)
    slow_network(page)
    page.goto(results_url(site))
    assert page.locator(".class-button .skeleton").count() >= 2, "the skeleton shows while loading"
    # On a phone the filters fill the first screen: the results' classes load as they come into view.
    with page.expect_response(re.compile(r"/classes$")):
        page.mouse.wheel(0, 3000)
    page.wait_for_selector(".journeys .class-buttons[data-lazy-fragment]", state="detached")
    assert page.locator(".class-button .skeleton").count() == 0
    shifts = page.evaluate(LAYOUT_SHIFT)
    assert shifts["total"] == 0, shifts


def test_class_buttons_work_without_javascript(site, network, new_page):
    page = new_page(viewport=PHONE, java_script_enabled=False)
    page.goto(results_url(site))
    button = page.locator(".journey", has_text="Alpha Beta Express").locator(".class-button").first
    assert re.sub(r"\s+", " ", button.inner_text()) == "2A See availability and fare"
    button.click()
    page.wait_for_url(re.compile(r"/book/12002/"))
    assert "AVAILABLE" in page.locator(".class-card.chosen").inner_text()


# --- Touch targets: filter links ------------------------------------------------------------------


def test_filter_and_sort_links_are_touch_sized(site, network, new_page):
    page = new_page(viewport=PHONE)
    page.goto(results_url(site))
    boxes = page.evaluate(BOXES, ".refine a")
    assert len(boxes) > 10
    small = [box for box in boxes if box["width"] < TOUCH or box["height"] < TOUCH]
    assert not small, small


# --- City search boards at the wrong station --------------------------------------------------------


def test_city_search_boards_where_the_train_starts_and_can_switch_stations(site, network, new_page):
    page = new_page(viewport=PHONE)
    page.goto(results_url(site))
    daily = page.locator(".journey", has_text="Alpha Beta Express")
    assert re.sub(r"\s+", " ", daily.locator(".journey-times").inner_text()).startswith("08:00 ALQ")
    daily.locator(".other-stops summary").click()
    daily.get_by_role("link", name=re.compile(r"Board at Alpha Central \(ALP\), departs 08:30")).click()
    page.wait_for_url(re.compile(r"/book/12002/[\d-]+/ALP/BET/2A$"))
    assert "Alpha Central (ALP)" in page.locator(".journey-line").inner_text()


def test_the_autocomplete_offers_a_city_with_all_its_stations(site, network, new_page):
    page = new_page(viewport=PHONE)
    page.goto(site.url + "/")
    page.focus("#from")
    with page.expect_response(re.compile(r"/api/stations\?q=Alp")):
        page.fill("#from", "Alp")
    wait_until(page, "document.querySelectorAll('#station-list option').length >= 3")
    options = page.eval_on_selector_all("#station-list option", "options => options.map(o => o.value)")
    assert options[0] == "Alpha (all stations)", options
    page.fill("#to", "Beta Junction (BET)")
    page.fill("#date", next_weekday(0).isoformat())
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/search\?"))
    assert page.locator(".journey").count() == 2


@pytest.mark.parametrize(
    ("language", "label"), [("hi", "Alpha (सभी स्टेशन)"), ("ta", "Alpha (அனைத்து நிலையங்களும்)")]
)
def test_the_autocomplete_offers_the_city_in_the_page_language(site, network, new_page, language, label):
    """The API's city entry is English; the page's script shows it in the page's language
    (data-city-text), and the search takes that label (docs/i18n.md)."""
    page = new_page(viewport=PHONE)
    page.goto(f"{site.url}/{language}/")
    page.focus("#from")
    with page.expect_response(re.compile(r"/api/stations\?q=Alp")):
        page.fill("#from", "Alp")
    wait_until(page, "document.querySelectorAll('#station-list option').length >= 3")
    options = page.eval_on_selector_all("#station-list option", "options => options.map(o => o.value)")
    assert options[0] == label, options
    page.fill("#from", label)
    page.fill("#to", "Beta Junction (BET)")
    page.fill("#date", next_weekday(0).isoformat())
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(rf"/{language}/search\?"))
    assert page.locator(".journey").count() == 2


# --- Forms: the date field ------------------------------------------------------------------------


def test_the_date_field_is_limited_to_the_booking_window_with_human_messages(
    site, network, new_page, settings
):
    page = new_page(viewport=PHONE)
    page.goto(site.url + "/")
    today = timezone.localdate()
    last = today + datetime.timedelta(days=settings.BOOKING_HORIZON_DAYS)
    assert page.get_attribute("#date", "min") == today.isoformat()
    assert page.get_attribute("#date", "max") == last.isoformat()
    # The browser itself refuses a date outside the window before anything is sent.
    page.fill("#from", "Alpha")
    page.fill("#to", "Beta")
    page.fill("#date", (last + datetime.timedelta(days=1)).isoformat())
    assert page.eval_on_selector("#date", "input => input.validity.rangeOverflow")
    # Sent anyway (an old link, a browser without a date picker): a message a passenger understands.
    for date, message in [
        ((today - datetime.timedelta(days=1)).isoformat(), "That date has passed"),
        ((last + datetime.timedelta(days=1)).isoformat(), f"choose a date up to {last:%d %b %Y}"),
        ("31/12/2026", "pick it from the calendar, or type it as year-month-day"),
    ]:
        response = page.goto(f"{site.url}/search?from=Alpha&to=Beta&date={date}")
        assert response.status == 400
        assert message in page.locator(".errors").inner_text(), date
        assert "YYYY-MM-DD" not in page.locator(".errors").inner_text()


# --- The schedule's km column on a phone --------------------------------------------------------------


@pytest.mark.parametrize("width", [360, 390])
def test_the_schedule_fits_a_phone_without_sideways_scrolling(site, new_page, width):
    from timetable.loading import load_network
    from timetable.records import StationRecord, StopRecord, TrainRecord
    from timetable.running_days import DAILY

    names = [
        ("CSMT", "Chhatrapati Shivaji Maharaj Terminus"),
        ("KOP", "Chhatrapati Shahu Maharaj Terminus Kolhapur"),
        ("MAO", "Madgaon Junction"),
    ]
    load_network(
        [StationRecord(code, name, city=name) for code, name in names],
        [
            TrainRecord(
                "11035",
                "Koyna Express",
                "EXP",
                DAILY,
                "SL",
                [
                    StopRecord("CSMT", None, 525, 0),
                    StopRecord("MAO", 1400, 1405, 1234),
                    StopRecord("KOP", 2100, None, 1462),
                ],
            )
        ],
    )
    page = new_page(viewport={"width": width, "height": 844})
    page.goto(site.url + "/trains/11035")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    region = page.locator(".table-wrap")
    fits = page.evaluate(
        "() => { const r = document.querySelector('.table-wrap'); return r.scrollWidth <= r.clientWidth; }"
    )
    assert fits, "the km column is cut off"
    # Should it ever be wider, it is a labelled region that takes focus (axe: scrollable-region-focusable).
    assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
    assert region.get_attribute("aria-labelledby") == "schedule-caption"
    km = page.locator("table.schedule tbody tr:last-child td:last-child")
    box = km.bounding_box()
    assert km.inner_text() == "1462" and box["x"] + box["width"] <= width


# --- Fares before login, a week at a glance, alternatives when waitlisted ----------------------------


def test_the_availability_page_shows_fares_and_a_week_at_a_glance(site, new_page):
    booking_network()
    page = new_page(viewport=PHONE)
    date = travel_date()
    page.goto(f"{site.url}/book/12951/{date.isoformat()}/AAA/DDD/3A")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    chosen = page.locator(".class-card.chosen")
    assert chosen.locator(".fare").first.inner_text().startswith("₹")
    breakdown = chosen.locator("details.fare-details").first
    assert not breakdown.locator("dl").is_visible()
    breakdown.locator("summary").click()
    assert "Base fare (1400 km)" in breakdown.locator("dl").inner_text()
    days = page.locator(".week-dates > li")
    assert days.count() == 6
    assert (
        days.locator("time").first.get_attribute("datetime")
        == (date + datetime.timedelta(days=1)).isoformat()
    )
    for box in page.evaluate(BOXES, ".week-dates .class-button, .quota-line .button, .fare-details summary"):
        assert box["width"] >= TOUCH and box["height"] >= TOUCH, box
    # One tap to book: a signed-out passenger is asked to log in, then lands on the passenger form.
    days.first.locator(".class-button", has_text="3A").click()
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/book/12951/[\d-]+/AAA/DDD/3A/passengers"))


def test_a_waitlisted_class_lists_alternative_trains_with_their_availability(site, new_page):
    booking_network()
    set_coaches("12951", "3A", 0)  # no berth, and a waitlist capped at a share of none: REGRET
    monday = next_weekday(0, after=travel_date(3))
    page = new_page(viewport=PHONE)
    page.goto(f"{site.url}/book/12951/{monday.isoformat()}/AAA/DDD/3A")
    assert "REGRET" in page.locator(".class-card.chosen").inner_text()
    alternatives = page.locator(".alternatives")
    alternatives.scroll_into_view_if_needed()  # it loads, and then each train's classes, in view
    alternatives.locator(".class-button .fare").first.wait_for()
    assert alternatives.locator(".journey").count() == 1
    assert "22001" in alternatives.locator(".journey").inner_text()
    assert re.match(r"3A\s+AVAILABLE \d+\s+₹", alternatives.locator(".class-button").inner_text())
