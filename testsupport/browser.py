"""Helpers for the browser tests (tests/browser/, Playwright): a page's cumulative layout shift, a
slow mobile link, and polling a condition in the page. The browser and live-server fixtures are
in tests/browser/conftest.py."""

import time

LAYOUT_SHIFT = """() => new Promise((resolve) => {
  let total = 0;
  const entries = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (!entry.hadRecentInput) { total += entry.value; entries.push(entry.value); }
    }
  }).observe({ type: "layout-shift", buffered: true });
  setTimeout(() => resolve({ total, entries }), 200);
})"""


def slow_network(page, latency_ms=300, kbps=400):
    """Every response arrives late (as on a poor mobile link), so images and fragments land after
    the first paint: anything that was not given its space would then move the page."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": latency_ms,
            "downloadThroughput": kbps * 1024 / 8,
            "uploadThroughput": kbps * 1024 / 8,
        },
    )
    return cdp


def wait_until(page, expression, timeout=10.0, interval=0.1):
    """Poll a JavaScript expression until it is truthy. (Playwright's wait_for_function compiles
    its predicate inside the page, which the site's CSP, script-src 'self', forbids.)"""
    deadline = time.monotonic() + timeout
    while True:
        if page.evaluate(expression):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {expression}")
        page.wait_for_timeout(interval * 1000)


def signed_in_page(new_page, site, user=None, *, client=None, **options):
    """A page whose browser shares a Django test client's session: `client` when given (its session
    may hold a booking draft), else a new one signed in as `user`. Also the rc_signed_in hint a real
    log-in sets (accounts/signed_in_hint.py), which the cached public pages' header reads."""
    from django.conf import settings
    from django.test import Client

    from accounts.signed_in_hint import SIGNED_IN_COOKIE

    if client is None:
        client = Client()
        client.force_login(user)
    page = new_page(**options)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [
            {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site.url},
            {"name": SIGNED_IN_COOKIE, "value": "1", "url": site.url},
        ]
    )
    return page
