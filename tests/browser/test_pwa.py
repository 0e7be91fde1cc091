"""The progressive web app in Debian's Chromium: the worker installs and controls the page, the
manifest parses, the site works offline (home, a previously viewed e-ticket, the offline page for
anything else), logging out leaves no personal page or ticket in any cache, and a kept e-ticket is
never shown to anyone but the session that fetched it (another passenger signing in, a session
that ended or expired: pwa/owner.py, docs/security/offline-privacy.md)."""

import json
import re
import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.test import Client
from django.utils import timezone

from testsupport.booking_rows import DAY, World, booking, save_all
from testsupport.browser import wait_until
from testsupport.networks import booking_network
from testsupport.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)

WORKER_READY = """async () => {
  const registration = await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve,
    { once: true }));
  }
  return { scope: registration.scope, state: registration.active.state,
    script: registration.active.scriptURL };
}"""

# Whether any personal cache (whatever its owner) holds the e-ticket of this PNR.
KEPT = """async (pnr) => {
  for (const name of await caches.keys()) {
    if (!name.startsWith("rc-personal")) continue;
    if ((await (await caches.open(name)).keys()).some((r) => r.url.endsWith("/bookings/" + pnr))) return true;
  }
  return false;
}"""
NOTHING_PERSONAL = "async () => !(await caches.keys()).some((name) => name.startsWith('rc-personal'))"

CACHE_CONTENTS = """async () => {
  const out = {};
  for (const name of await caches.keys()) {
    out[name] = (await (await caches.open(name)).keys()).map((request) => new URL(request.url).pathname);
  }
  return out;
}"""


@pytest.fixture
def new_page(new_page):
    """The conftest's pages, each led away (about:blank) at the end and given a moment: the
    worker's background fetches and the RUM beacon sent on leaving reach the live server before
    the test database is flushed (a write during the flush fails with "database table is locked")."""
    pages = []

    def make(**options):
        page = new_page(**options)
        pages.append(page)
        return page

    yield make
    for page in pages:
        try:
            page.context.set_offline(False)
            page.goto("about:blank")
        except Exception:  # noqa: BLE001 - a page the test already closed
            pass
    if pages:
        pages[0].wait_for_timeout(500)


@pytest.fixture
def passenger():
    booking_network()
    user = make_user("asha")
    world = World()
    ticket = booking(
        world,
        user,
        departs_at=timezone.now() + 5 * DAY,
        train="12951",
        passengers=(("Asha Rao", 34, "F", "CNF"), ("Ravi Rao", 36, "M", "WL")),
    )
    save_all([ticket])
    user.ticket = ticket
    return user


def signed_in_page(new_page, site, user):
    client = Client()
    client.force_login(user)
    page = new_page(service_workers="allow")
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": site.url,
            }
        ]
    )
    return page


def view_ticket(page, site, pnr):
    """Open the e-ticket online (the page is controlled) and wait until the worker has kept it."""
    page.goto(f"{site.url}/bookings/{pnr}")
    wait_until(page, f"({KEPT})({json.dumps(pnr)})")


def offline_ticket_list(page):
    """The offline page's "My journeys on this device", once the page has filled it."""
    page.locator('[data-offline-list="tickets"][aria-busy="false"]').wait_for(state="attached")
    return page.locator('[data-offline-list="tickets"]').inner_text()


def assert_nothing_of(page, user):
    """The page shows none of the user's e-ticket: no passenger name, no berth, no PNR listed."""
    text = page.locator("body").inner_text()
    assert page.locator("h1").inner_text() == "You are offline", text
    for passenger in user.ticket.passengers.all():
        assert passenger.name not in text
        if passenger.berth_number:
            assert f"{passenger.coach}/{passenger.berth_number}" not in text
    assert user.ticket.pnr not in offline_ticket_list(page)


def controlled(page, url):
    page.goto(url)
    page.evaluate(WORKER_READY)
    page.wait_for_function(
        "navigator.serviceWorker.controller && navigator.serviceWorker.controller.state === 'activated'"
    )
    worker = page.evaluate(WORKER_READY)
    assert worker["state"] == "activated"
    return worker


def test_worker_installs_and_controls_the_page(site, new_page):
    page = new_page(service_workers="allow")
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    worker = controlled(page, site.url + "/")
    assert worker["scope"] == site.url + "/"
    assert worker["script"] == site.url + "/sw.js"
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    caches = page.evaluate(CACHE_CONTENTS)
    pages = next(v for k, v in caches.items() if k.startswith("rc-pages-v"))
    assert "/" in pages and "/offline" in pages
    statics = next(v for k, v in caches.items() if k.startswith("rc-static-v"))
    assert any(path.startswith("/static/js/pwa.") for path in statics)
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_manifest_parses_and_has_what_installability_needs(site, new_page):
    page = new_page(service_workers="allow")
    page.goto(site.url + "/")
    href = page.get_attribute('link[rel="manifest"]', "href")
    response = page.request.get(site.url + href)
    assert response.ok
    manifest = json.loads(response.text())
    assert manifest["display"] == "standalone" and manifest["start_url"] and manifest["name"]
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        image = page.request.get(site.url + icon["src"])
        assert image.ok and image.headers["content-type"] == "image/png"


def test_offline_home_ticket_and_offline_page(site, passenger, new_page):
    page = signed_in_page(new_page, site, passenger)
    controlled(page, site.url + "/")
    pnr = passenger.ticket.pnr
    view_ticket(page, site, pnr)  # controlled now: the worker keeps the e-ticket
    page.goto(site.url + "/dashboard")  # more pages of the same session keep it
    page.goto(site.url + "/trains/12002")  # a public page: the worker asks who is signed in, the same owner
    page.wait_for_load_state("networkidle")
    assert page.evaluate(KEPT, pnr)
    page.context.set_offline(True)
    page.goto(site.url + "/")
    page.reload()
    assert page.locator("form input[name]").count() > 0, "home (the search form) works offline"
    page.goto(f"{site.url}/bookings/{pnr}")
    table = page.locator("table.passengers").inner_text()
    assert "Asha Rao" in table and "Ravi Rao" in table and "CNF" in table and "WL" in table
    # Kept seconds ago, and still it says it is the saved copy, as of when (IST, 24-hour).
    saved = page.locator("[data-saved-copy]")
    saved.wait_for()
    assert re.fullmatch(
        r"Saved copy, as of \d\d? \w+ \d{4}, \d\d:\d\d IST: the status may have changed since\.",
        saved.inner_text(),
    ), saved.inner_text()
    page.goto(site.url + "/trains/12951")  # never visited: the offline page
    assert page.locator("h1").inner_text() == "You are offline"
    page.goto(site.url + "/dashboard")  # My journeys offline: the upcoming tickets kept here
    listed = page.locator('[data-offline-list="tickets"] li')
    listed.first.wait_for()
    text = listed.first.inner_text()
    assert f"PNR {pnr}" in text and "Booked" in text and "as of" in text


def test_logout_leaves_no_personal_page_in_any_cache(site, passenger, new_page):
    page = signed_in_page(new_page, site, passenger)
    controlled(page, site.url + "/")
    pnr = passenger.ticket.pnr
    view_ticket(page, site, pnr)
    page.locator("form.nav-form button").click()  # Log out
    page.wait_for_url(site.url + "/")
    contents = page.evaluate(CACHE_CONTENTS)
    assert not [name for name in contents if name.startswith("rc-personal")], contents
    for name, paths in contents.items():
        for path in paths:
            assert not path.startswith(("/bookings", "/dashboard", "/accounts", "/payments")), (name, path)
    # and offline, the ticket is gone: the offline page instead
    page.context.set_offline(True)
    page.goto(f"{site.url}/bookings/{pnr}")
    assert page.locator("h1").inner_text() == "You are offline"
    assert page.locator('[data-offline-list="tickets"] li').count() == 0


def test_the_next_passenger_signing_in_sees_nothing_of_the_last_ones_tickets(site, passenger, new_page):
    """Issue 13, finding 6: Asha views her e-ticket and never logs out; Bob signs in on the same
    phone, then goes offline. Her ticket's URL shows nothing of hers, nor does the offline page."""
    make_user("bob")
    page = signed_in_page(new_page, site, passenger)
    controlled(page, site.url + "/")
    view_ticket(page, site, passenger.ticket.pnr)
    page.goto(site.url + "/accounts/login/")
    page.fill("#id_username", "bob")
    page.fill("#id_password", "a-long-test-password")
    page.locator("form.account-form button[type=submit]").click()
    page.wait_for_url(site.url + "/dashboard")  # Bob's first page online
    page.context.set_offline(True)
    page.goto(f"{site.url}/bookings/{passenger.ticket.pnr}")
    assert_nothing_of(page, passenger)
    page.goto(site.url + "/dashboard")  # "My journeys" offline: the offline page
    assert_nothing_of(page, passenger)


@pytest.mark.parametrize("ending", ["deleted on the server", "cookie expired"])
def test_a_session_that_ended_takes_its_tickets_with_it(site, passenger, new_page, ending):
    """The session ends without a logout; the next page online (a public one, which names no
    owner: the worker asks) deletes everything personal."""
    page = signed_in_page(new_page, site, passenger)
    controlled(page, site.url + "/")
    view_ticket(page, site, passenger.ticket.pnr)
    if ending == "deleted on the server":
        cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
        SessionStore(session_key=cookie["value"]).delete()
    else:
        page.context.clear_cookies()  # what the browser does when the cookie's Max-Age runs out
    page.goto(site.url + "/")
    wait_until(page, f"({NOTHING_PERSONAL})()")
    page.context.set_offline(True)
    page.goto(f"{site.url}/bookings/{passenger.ticket.pnr}")
    assert_nothing_of(page, passenger)


def test_tickets_are_not_shown_offline_past_the_sessions_end(site, passenger, new_page, settings):
    """Offline, the worker cannot hear that the session ended: it stops at the end it was told."""
    page = signed_in_page(new_page, site, passenger)
    controlled(page, site.url + "/")
    view_ticket(page, site, passenger.ticket.pnr)
    settings.SESSION_COOKIE_AGE = 3  # the last page online says: the session ends in 3 s
    page.goto(site.url + "/dashboard")
    ends = time.monotonic() + 3
    page.context.set_offline(True)
    page.goto(f"{site.url}/bookings/{passenger.ticket.pnr}")
    assert "Asha Rao" in page.locator("table.passengers").inner_text(), "still within the session"
    page.wait_for_timeout(1000 * (ends - time.monotonic()) + 500)
    page.goto(f"{site.url}/bookings/{passenger.ticket.pnr}")
    assert_nothing_of(page, passenger)
    assert page.evaluate(NOTHING_PERSONAL), "and the entries are deleted"


def test_new_version_prompts_and_reloads_into_the_new_worker(site, new_page, monkeypatch):
    from pwa import views

    page = new_page(service_workers="allow")
    controlled(page, site.url + "/")
    # An unchanged deploy: the same bytes, so no new worker.
    assert page.evaluate("""async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      await registration.update();
      return registration.installing === null && registration.waiting === null;
    }""")
    # A ticket kept by a worker from before owner tags: in the unowned cache, which the new worker drops.
    page.evaluate(
        "async () => (await caches.open('rc-personal')).put('/bookings/1', new Response('Asha Rao'))"
    )
    # A deploy with changed assets: a new version, a new worker waiting, the prompt shown.
    monkeypatch.setattr(views, "static_manifest_fingerprint", lambda: "a different build")
    page.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()")
    prompt = page.locator("#sw-update")
    prompt.wait_for()
    assert "New version available" in prompt.inner_text()
    old_cache = page.evaluate("async () => (await caches.keys()).find((n) => n.startsWith('rc-static-v'))")
    with page.expect_navigation():
        prompt.get_by_role("button", name="reload").click()
    wait_until(
        page,
        f"(async (old) => {{ const keys = await caches.keys(); "
        f"return !keys.includes(old) && keys.some((n) => n.startsWith('rc-static-v')); }})"
        f"({json.dumps(old_cache)})",
    )
    assert page.locator("#sw-update").count() == 0
    assert "rc-personal" not in page.evaluate("async () => await caches.keys()")


def test_repeat_visit_to_search_results_fetches_no_static_files(site, new_page):
    """Measured: what reaches the network on a second visit to the search results page (the
    worker serves every hashed static file from its cache). Printed with -s."""
    from testsupport.networks import next_weekday, tiny_network

    tiny_network()
    date = next_weekday(0)
    page = new_page(service_workers="allow")
    controlled(page, site.url + "/")
    url = f"{site.url}/search?from=ALP&to=BET&date={date.isoformat()}"
    page.goto(url)
    page.wait_for_load_state("networkidle")
    seen = []

    def record(route):
        response = route.fetch()
        seen.append(
            (
                route.request.method,
                route.request.url.removeprefix(site.url),
                len(response.body()),
                response.headers.get("content-encoding", ""),
                response.headers.get("content-length"),
            )
        )
        route.fulfill(response=response)

    page.context.route("**/*", record)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    print(
        f"\nrepeat visit to {url.removeprefix(site.url)}: {len(seen)} network requests, "
        f"{sum(entry[2] for entry in seen)} bytes (decoded bodies); "
        f"(method, path, decoded, encoding, Content-Length): {seen}"
    )
    assert not [entry[1] for entry in seen if entry[1].startswith("/static/")], seen


def test_without_service_workers_the_site_simply_works_online(site, new_page):
    from testsupport.networks import next_weekday, tiny_network

    tiny_network()
    page = new_page(service_workers="block")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site.url + "/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate(
        "navigator.serviceWorker === undefined || navigator.serviceWorker.controller === null"
    )
    page.fill("#from", "ALP")
    page.fill("#to", "BET")
    page.fill("#date", next_weekday(0).isoformat())
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/search?**")
    assert page.locator("h1").count() == 1
    assert not errors, errors
