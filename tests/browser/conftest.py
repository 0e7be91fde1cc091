"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live
server, which serves the real production build (hashed modules, compressor's CSS) from a
temporary `build_static` output. Skipped, with the reason, when Chromium or Playwright is missing
(.ci/run installs Chromium)."""

import importlib.util
import os
from pathlib import Path

import pytest

# pytest-django's live server and Playwright's sync API share the main thread's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    reason = None
    if not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM}: apt-get install -y chromium (.ci/run does)"
    elif importlib.util.find_spec("playwright") is None:
        reason = "playwright is not installed (requirements-dev.txt)"
    elif os.environ.get("BROWSER_TESTS") == "later":
        # Set by scripts/run-tests.py: each browser test runs once, in the PostgreSQL + Redis pass.
        reason = "browser tests run in the PostgreSQL + Redis pass of `make test`"
    if reason:
        if os.environ.get("CI") == "true" and os.environ.get("BROWSER_TESTS") != "later":
            return  # CI installs both: let the tests fail loudly instead of skipping
        here = Path(__file__).parent
        for item in items:
            if Path(item.fspath).is_relative_to(here):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(production_static, settings, live_server, transactional_db, tmp_path):
    """The live server, serving the built static files (its static handler uses the finders, so
    the build folder is added to them: hashed names and compressor's output are found there)."""
    served = tmp_path / "served-static"
    served.symlink_to(production_static, target_is_directory=True)
    settings.STATICFILES_DIRS = [served, *settings.STATICFILES_DIRS]
    # No RUM beacons (tests/browser/test_rum.py turns them on): a page closed at the end of a test
    # would send one while the test database is being flushed.
    settings.RUM_ENABLED = False
    return live_server


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(**options):
        # No service worker unless a test asks for one (tests/browser/test_pwa.py passes
        # service_workers="allow"): its background precaching would hit the live server's shared
        # in-memory SQLite while other tests run or tear down.
        options.setdefault("service_workers", "block")
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()
