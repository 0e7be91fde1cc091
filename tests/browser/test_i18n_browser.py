"""Hindi in a real browser on a phone (issue 18): the switcher keeps the page and the search, a
signed-in passenger books, pays, views the e-ticket and cancels entirely in Hindi, and the service
worker serves the Hindi offline page in Hindi."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from testsupport.bookings import travel_date
from testsupport.browser import wait_until
from testsupport.networks import booking_network
from testsupport.users import make_user
from testsupport.visible_text import english_words

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
SEARCH = {"from": "AAA", "to": "DDD", "date": travel_date().isoformat()}


@pytest.fixture
def network():
    booking_network()


def in_hindi(page):
    """The page is in Hindi: lang, and no English word a passenger sees (data skipped)."""
    assert page.get_attribute("html", "lang") == "hi", page.url
    assert english_words(page.content()) == set(), page.url


def test_switching_language_on_the_phone_keeps_the_page_and_the_search(site, network, new_page):
    page = new_page(**PHONE)
    query = "&".join(f"{key}={value}" for key, value in SEARCH.items()) + "&sort=duration"
    page.goto(f"{site.url}/search?{query}")
    assert page.get_attribute("html", "lang") == "en-IN"
    trains = page.locator("ol.journeys > li").count()
    page.get_by_role("link", name="हिन्दी").click()
    page.wait_for_url("**/hi/search?**")
    url = urlsplit(page.url)
    assert url.path == "/hi/search" and parse_qs(url.query) == parse_qs(query)
    in_hindi(page)
    assert page.locator("ol.journeys > li").count() == trains
    # Remembered: the English address now leads to Hindi...
    page.goto(f"{site.url}/pnr")
    assert urlsplit(page.url).path == "/hi/pnr"
    # ...until English is chosen again, on the same page.
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/pnr")
    assert urlsplit(page.url).path == "/pnr" and page.get_attribute("html", "lang") == "en-IN"
    page.get_by_role("link", name="தமிழ்").click()
    page.wait_for_url("**/ta/pnr")
    assert page.locator("h1").inner_text() == "PNR நிலை"


def test_a_signed_in_passenger_books_pays_views_and_cancels_in_hindi(site, network, new_page):
    user = make_user("asha")
    client = Client()
    client.force_login(user)
    page = new_page(**PHONE)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": site.url,
            }
        ]
    )
    page.goto(f"{site.url}/hi/book/12951/{SEARCH['date']}/AAA/DDD/3A")
    in_hindi(page)
    page.get_by_role("link", name="बुक करें").first.click()
    page.wait_for_url("**/hi/book/**/passengers?quota=GN")
    in_hindi(page)
    # A name in Devanagari is refused, in Hindi, saying which letters to use.
    page.fill("#p-0-name", "आशा राव")
    page.fill("#p-0-age", "64")
    page.select_option("#p-0-gender", "F")
    page.evaluate("document.querySelector('form.booking-form').noValidate = true")
    page.get_by_role("button", name="आगे बढ़ें और जाँचें").click()
    assert "अंग्रेज़ी अक्षरों (A से Z)" in page.locator(".errors").inner_text()
    in_hindi(page)
    page.fill("#p-0-name", "Asha Rao")
    page.fill("#p-0-age", "64")
    page.select_option("#p-0-gender", "F")
    page.get_by_role("button", name="आगे बढ़ें और जाँचें").click()
    page.wait_for_url("**/hi/book/review/**")
    in_hindi(page)
    page.get_by_role("button", name="पुष्टि करें और भुगतान करें").click()
    page.wait_for_url("**/hi/payments/**")
    in_hindi(page)
    page.locator("button[value=pay]").click()
    page.wait_for_url("**/hi/bookings/*")
    in_hindi(page)
    assert page.locator("h1").inner_text().startswith("ई-टिकट")
    assert "₹" in page.locator(".ticket-facts").inner_text()
    page.get_by_role("link", name="टिकट रद्द करें").click()
    page.wait_for_url("**/hi/bookings/*/cancel")
    in_hindi(page)
    # Two steps (issue 14): tick nobody by default, then confirm who is cancelled and the refund.
    page.get_by_label("Asha Rao").check()
    page.get_by_role("button", name="रद्दीकरण जाँचें").click()
    confirm = page.get_by_role("button", name="हाँ, 1 यात्री का टिकट रद्द करें")
    confirm.wait_for()
    in_hindi(page)
    confirm.click()
    page.wait_for_url("**/hi/bookings/*")
    in_hindi(page)
    assert "रद्द हो गया। रिफ़ंड: ₹" in page.locator(".messages").inner_text()


def pages_cache(page, code):
    """The name of the worker's page cache for one language (rc-pages-v<version>-<code>)."""
    version = page.evaluate("caches.keys()")
    statics = next(name for name in version if name.startswith("rc-static-v"))
    return f"rc-pages-v{statics.removeprefix('rc-static-v')}-{code}"


def cached_pages(page, code):
    """The paths in one language's page cache ([] when it holds none)."""
    return page.evaluate(
        """async (name) => (await caches.has(name))
            ? (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname) : []""",
        pages_cache(page, code),
    )


def test_the_service_worker_serves_the_hindi_offline_page_in_hindi(site, network, new_page):
    page = new_page(service_workers="allow", **PHONE)
    page.goto(f"{site.url}/hi/")
    wait_until(
        page,
        "navigator.serviceWorker.controller && navigator.serviceWorker.controller.state === 'activated'",
    )
    hindi = cached_pages(page, "hi")
    assert {"/hi/", "/hi/offline"} <= set(hindi) and "/offline" not in hindi
    # Only the installing page's language is precached: no English or Tamil page was fetched.
    assert "/offline" not in cached_pages(page, "en-in") and cached_pages(page, "ta") == []
    # An English page opened online keeps the English offline page from then on.
    page.goto(f"{site.url}/pnr")
    english = pages_cache(page, "en-in")
    wait_until(page, f"caches.open('{english}').then((c) => c.match('/offline')).then(Boolean)")
    assert "/offline" in cached_pages(page, "en-in") and cached_pages(page, "ta") == []
    page.context.set_offline(True)
    page.goto(f"{site.url}/hi/trains/12951")  # never visited: the Hindi offline page
    assert page.locator("h1").inner_text() == "आप ऑफ़लाइन हैं"
    in_hindi(page)
    page.goto(f"{site.url}/trains/12951")  # the English page: the English offline page
    assert page.locator("h1").inner_text() == "You are offline"
    page.context.set_offline(False)
    page.goto("about:blank")
