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
