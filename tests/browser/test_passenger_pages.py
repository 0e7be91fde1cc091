"""The passenger pages on a 390x844 phone (and 360 px, and a desktop), in Chromium (issue 14):
nothing scrolls sideways, the key figure (total, refund, status) is on screen, cancellation asks
first, outcomes and errors are clear, the header says who is signed in, and axe-core finds no
accessibility violation on any key page, phone and desktop, signed in and out."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from booking.models import Booking
from payments.models import Payment

from testsupport.bookings import payload, post_booking, travel_date
from testsupport.browser import signed_in_page
from testsupport.networks import booking_network
from testsupport.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
NARROW = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
FAMILY = [
    {"name": "Asha Rao", "age": 34, "gender": "F"},
    {"name": "Ravi Rao", "age": 36, "gender": "M"},
    {"name": "Meera Rao", "age": 61, "gender": "F", "berth_preference": "LB"},
]
JOURNEY = f"/book/12951/{travel_date().isoformat()}/AAA/DDD/3A"
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# Is the element's box inside the viewport horizontally (not cut off, no scrolling needed)?
ON_SCREEN = (
    "(e) => { const r = e.getBoundingClientRect();"
    " return r.width > 0 && r.left >= 0 && r.right <= innerWidth; }"
)


@pytest.fixture
def passenger():
    """A signed-in passenger's Django client with a paid booking, an unpaid one, a saved passenger
    and a booking draft in the session: everything the passenger pages show."""
    booking_network()
    client = Client()
    client.force_login(make_user("asha"))
    paid = post_booking(client, payload(passengers=FAMILY)).json()["pnr"]
    client.post(f"/api/bookings/{paid}/pay", "{}", content_type="application/json")
    unpaid = post_booking(client, payload(date=travel_date(12).isoformat())).json()["pnr"]
    client.post("/dashboard/passengers", {"name": "Kiran Rao", "age": "40", "gender": "M"})
    rows = {"quota": "GN"}
    for index, person in enumerate(FAMILY[:2]):
        rows.update({f"p-{index}-{key}": str(value) for key, value in person.items()})
    review = client.post(JOURNEY + "/passengers", rows)["Location"]
    payment = Payment.objects.get(booking__pnr=unpaid).token
    return {"client": client, "paid": paid, "unpaid": unpaid, "review": review, "payment": payment}


def private_pages(passenger):
    paid = passenger["paid"]
    return {
        "review": (passenger["review"], ".fare tfoot td:last-child"),
        "e-ticket": (f"/bookings/{paid}", ".passengers tbody tr:first-child td[data-label='Current status']"),
        "cancel": (f"/bookings/{paid}/cancel", "td[data-label^='Refund']"),
        "unpaid booking": (f"/bookings/{passenger['unpaid']}", ".ticket-status"),
        "my bookings": ("/bookings/", "td[data-label='Status']"),
        "saved passengers": ("/dashboard/passengers", ".row-actions button"),
        "dashboard": ("/dashboard", ".trip-status"),
        "statistics": ("/dashboard/statistics", ".figure"),
        "passenger form": (JOURNEY + "/passengers", "button[name=add_passenger]"),
        "payment": (f"/payments/{passenger['payment']}", "button[value=pay]"),
        "PNR status": (f"/pnr/{paid}", "main h1"),
        "upcoming journeys": ("/dashboard/upcoming", ".trip-status"),
        "past journeys": ("/dashboard/journeys", "main h1"),
        "mobile number": ("/accounts/mobile/", "main h1"),
        "password change": ("/accounts/password/change/", "main h1"),
    }


def public_pages():
    date = travel_date().isoformat()
    return {
        "home": "/",
        "search results": f"/search?from=AAA&to=DDD&date={date}",
        "availability": JOURNEY,
        "schedule": "/trains/12951",
        "unknown train": "/trains/99999",
        "PNR": "/pnr",
        "log in": "/accounts/login/",
        "sign up": "/accounts/signup/",
        "not found": "/no/such/page",
        "offline": "/offline",
    }


@pytest.mark.parametrize("viewport", [PHONE, NARROW], ids=["390px", "360px"])
def test_no_passenger_page_scrolls_sideways_and_the_key_figure_is_on_screen(
    site, passenger, new_page, viewport
):
    page = signed_in_page(new_page, site, client=passenger["client"], viewport=viewport)
    for name, (path, figure) in private_pages(passenger).items():
        page.goto(site.url + path)
        assert page.evaluate(SIDEWAYS) <= 0, f"{name} scrolls sideways at {viewport['width']} px"
        assert page.locator(figure).first.evaluate(ON_SCREEN), f"{name}: {figure} is off screen"
    signed_out = new_page(viewport=viewport)
    for name, path in public_pages().items():
        signed_out.goto(site.url + path)
        assert signed_out.evaluate(SIDEWAYS) <= 0, f"{name} scrolls sideways at {viewport['width']} px"


# Every visible control a finger may need, smaller than 44x44 CSS px. Links inside a sentence are
# exempt (WCAG 2.5.8's inline exception: they cannot grow without spreading the text); a checkbox
# counts with its label, which toggles it; the skip link is off screen until focused.
SMALL_TARGETS = """() => {
  const controls = document.querySelectorAll("a[href], button, summary, select, input:not([type=hidden])");
  const big = (box) => box.width >= 44 && box.height >= 44;
  return [...controls].filter((e) => {
    const r = e.getBoundingClientRect();
    if (!r.width || !r.height || r.right <= 0 || getComputedStyle(e).visibility === "hidden") return false;
    if (big(r)) return false;
    const sentence = e.closest("p, li, td, dd, .help, footer");
    const text = e.textContent.trim();
    if (getComputedStyle(e).display === "inline" && sentence && sentence.textContent.trim() !== text) {
      return false;
    }
    const label = e.labels && e.labels[0];
    return !(label && big(label.getBoundingClientRect()));
  }).map((e) => {
    const r = e.getBoundingClientRect();
    return `${e.tagName} "${(e.textContent || e.name || "").trim().slice(0, 30)}" ${r.width}x${r.height}`;
  });
}"""


def test_every_touch_target_is_at_least_44_px(site, passenger, new_page):
    page = signed_in_page(new_page, site, client=passenger["client"], viewport=PHONE)
    small = {}
    for name, (path, _figure) in private_pages(passenger).items():
        page.goto(site.url + path)
        small[name] = page.evaluate(SMALL_TARGETS)
    page.goto(f"{site.url}/bookings/{passenger['paid']}/cancel")
    page.check("input[name=passenger] >> nth=0")
    page.click("text=Review the cancellation")
    small["cancel confirmation"] = page.evaluate(SMALL_TARGETS)
    signed_out = new_page(viewport=PHONE)
    for name, path in public_pages().items():
        signed_out.goto(site.url + path)
        small[f"{name}, signed out"] = signed_out.evaluate(SMALL_TARGETS)
    assert {name: found for name, found in small.items() if found} == {}


def test_cancelling_on_a_phone_ticks_nobody_and_confirms_the_refund_first(site, passenger, new_page):
    page = signed_in_page(new_page, site, client=passenger["client"], viewport=PHONE)
    page.goto(f"{site.url}/bookings/{passenger['paid']}/cancel")
    boxes = page.locator("input[name=passenger]")
    assert boxes.count() == 3 and not any(boxes.nth(i).is_checked() for i in range(3))
    page.check("input[name=passenger] >> nth=1")
    page.click("text=Review the cancellation")
    assert "1 passenger will be cancelled" in page.text_content("caption")
    refund = page.locator(".key-figure")
    assert "Refund: ₹" in refund.text_content() and refund.evaluate(ON_SCREEN)
    booking = Booking.objects.get(pnr=passenger["paid"])
    assert booking.passengers.filter(status="CAN").count() == 0, "nothing cancelled before confirming"
    page.click("text=Yes, cancel 1 passenger")
    assert "Cancelled. Refund: ₹" in page.text_content("main")
    assert booking.passengers.filter(status="CAN").count() == 1


def test_payment_outcomes_and_an_unpaid_booking_never_reads_as_confirmed(site, passenger, new_page):
    page = signed_in_page(new_page, site, client=passenger["client"], viewport=PHONE)
    page.goto(f"{site.url}/bookings/{passenger['unpaid']}")
    assert "CNF" not in page.text_content("main")
    page.click("text=Pay ₹")
    page.click("button[value=fail]")
    alert = page.locator(".outcome.failed[role=alert]")
    assert "Payment failed" in alert.text_content() and "press Pay below to try again" in alert.text_content()
    assert alert.evaluate(ON_SCREEN) and "CNF" not in page.text_content("main")
    page.click(".ticket-actions >> text=Pay ₹")
    page.click("button[value=pay]")
    assert "Payment successful: your ticket is booked." in page.text_content(".outcome")
    assert "CNF" in page.text_content(".passengers")
    assert Payment.objects.filter(state="succeeded").count() == 2


def test_error_pages_have_the_header_and_the_reason(site, passenger, new_page):
    page = signed_in_page(new_page, site, client=passenger["client"], viewport=PHONE)
    response = page.goto(site.url + "/book/review/expired-draft")
    assert response.status == 404
    assert page.locator(".site-header").is_visible()
    assert "This booking draft has expired: start again from the search." in page.text_content("main")
    assert page.goto(site.url + "/payments/not-a-token").status == 404
    assert "This payment link is not valid" in page.text_content("main")


def test_change_passengers_brings_back_what_was_typed_and_add_passenger_works_without_javascript(
    site, passenger, new_page
):
    page = signed_in_page(
        new_page, site, client=passenger["client"], viewport=PHONE, java_script_enabled=False
    )
    page.goto(site.url + passenger["review"])
    page.click("text=Change passengers")
    assert page.input_value("#p-0-name") == "Asha Rao" and page.input_value("#p-1-name") == "Ravi Rao"
    page.click("text=Add passenger")
    assert page.input_value("#p-1-name") == "Ravi Rao" and page.input_value("#p-2-name") == ""
    assert page.input_value("#p-2-gender") == "", "no gender chosen for the passenger"
    for selector in ("button[name=add_passenger]", ".booking-form button[type=submit]:not([name])"):
        box = page.locator(selector).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, selector


def test_the_header_says_who_is_signed_in_on_every_page(site, passenger, new_page):
    signed_in = signed_in_page(new_page, site, client=passenger["client"], viewport=PHONE)
    signed_out = new_page(viewport=PHONE)
    for path in ("/", "/pnr", "/bookings/", "/dashboard"):
        signed_in.goto(site.url + path)
        assert signed_in.locator(".site-header >> text=My bookings").is_visible(), path
        assert not signed_in.locator(".site-header >> text=Log in").is_visible(), path
    for path in ("/", "/pnr", JOURNEY):
        signed_out.goto(site.url + path)
        assert signed_out.locator(".site-header >> text=Sign up").is_visible(), path
        assert not signed_out.locator(".site-header >> text=My bookings").is_visible(), path


def test_without_javascript_the_cached_pages_header_still_says_who_is_signed_in(site, passenger, new_page):
    signed_in = signed_in_page(
        new_page, site, client=passenger["client"], viewport=PHONE, java_script_enabled=False
    )
    signed_out = new_page(viewport=PHONE, java_script_enabled=False)
    date = travel_date().isoformat()
    for path in ("/", f"/search?from=AAA&to=DDD&date={date}", "/trains/12951", "/hi/"):
        signed_out.goto(site.url + path)  # the cached page is the same for both
        assert signed_out.locator(".site-header [data-account-nav=signed-out]").is_visible(), path
        assert not signed_out.locator(".site-header [data-account-nav=signed-in]").is_visible(), path
        signed_in.goto(site.url + path)
        assert signed_in.locator(".site-header [data-account-nav=signed-in]").is_visible(), path
        assert not signed_in.locator(".site-header [data-account-nav=signed-out]").is_visible(), path
    signed_in.goto(site.url + "/dashboard")
    signed_in.click(".site-header >> text=Log out")
    signed_in.goto(site.url + "/")
    assert signed_in.locator(".site-header >> text=Log in").is_visible(), "after logging out"


# --- axe-core ------------------------------------------------------------------------------------


def axe_violations(page):
    """axe-core's violations of the page (WCAG 2.x A and AA and best practice), as short strings."""
    page.add_script_tag(path=str(AXE))  # the context bypasses the CSP for this inline script
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
        for v in result["violations"]
    ]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_axe_finds_no_violation_on_the_key_pages(site, passenger, new_page, viewport):
    if not AXE.exists():
        pytest.skip(f"no {AXE.relative_to(settings.BASE_DIR)}: npm ci (make test installs the dev packages)")
    found = {}
    signed_in = signed_in_page(new_page, site, client=passenger["client"], viewport=viewport, bypass_csp=True)
    signed_out = new_page(viewport=viewport, bypass_csp=True)
    for page, who in ((signed_out, "signed out"), (signed_in, "signed in")):
        for name, path in public_pages().items():
            page.goto(site.url + path)
            found[f"{name}, {who}"] = axe_violations(page)
    for name, (path, _figure) in private_pages(passenger).items():
        signed_in.goto(site.url + path)
        found[f"{name}, signed in"] = axe_violations(signed_in)
    signed_in.goto(f"{site.url}/bookings/{passenger['paid']}/cancel")
    signed_in.check("input[name=passenger] >> nth=0")
    signed_in.click("text=Review the cancellation")
    found["cancel confirmation, signed in"] = axe_violations(signed_in)
    assert {page: v for page, v in found.items() if v} == {}, json.dumps(found, indent=1)
