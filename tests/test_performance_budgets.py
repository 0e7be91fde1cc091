"""The performance budget check (testsupport/performance_budgets.py), run by `make test`.

Each key page is rendered from the real production build (hashed files, compressor's output) and
its HTML, CSS and JS are weighed Brotli-compressed; every figure is printed, and the test fails
when one is over its budget. Pages whose app does not exist yet are skipped with the reason.
"""

import re

import pytest

from demo.pictures import seed_pictures

from testsupport.networks import next_weekday, tiny_network
from testsupport.page_weight import over_budget, page_weight
from testsupport.pages import PageUnavailable, page_url
from testsupport.performance_budgets import BUDGETS, KEY_PAGES
from testsupport.users import make_passwordless_user

pytestmark = pytest.mark.django_db


def _kb(size):
    return f"{size / 1024:5.1f} KB"


@pytest.mark.parametrize("page", KEY_PAGES, ids=lambda page: page.name.replace(" ", "-"))
def test_key_page_is_within_its_budget(page, client, production_static, capsys):
    tiny_network()
    if page.name == "home":
        seed_pictures()
    user = make_passwordless_user() if page.login else None
    try:
        url = page_url(page, user)
    except PageUnavailable as reason:
        if page.required:
            pytest.fail(f"{page.name} must always be measured, but: {reason}")
        pytest.skip(f"budget for {page.name!r} not measured: {reason}")
    if user is not None:
        client.force_login(user)
    response = client.get(url, HTTP_ACCEPT_ENCODING="identity")
    assert response.status_code == 200, url
    weight = page_weight(response.content)
    with capsys.disabled():
        print(
            f"\n  budget {page.name:<24} html {_kb(weight.html)} / {_kb(page.budgets['html'])}"
            f"   css {_kb(weight.css)} / {_kb(page.budgets['css'])}"
            f"   js {_kb(weight.js)} / {_kb(page.budgets['js'])}   ({url})"
        )
        for asset, size in weight.files.items():
            print(f"    {_kb(size)}  {asset}")
    assert not over_budget(weight, page.budgets), (
        f"{page.name} is over budget: {over_budget(weight, page.budgets)}"
    )


def test_the_check_fails_when_a_budget_is_exceeded(client, production_static):
    tiny_network()
    weight = page_weight(client.get("/").content)
    assert weight.html > 0 and weight.js > 0
    assert over_budget(weight, BUDGETS) == {}
    tight = {"html": 100, "css": 12 * 1024, "js": 100}
    assert set(over_budget(weight, tight)) == {"html", "js"}


def test_static_imports_count_and_dynamic_imports_do_not(client, production_static):
    tiny_network()
    weight = page_weight(client.get("/").content)
    names = " ".join(weight.files)
    # search.js loads the autocomplete with a dynamic import(): not counted before interaction.
    assert "/static/js/pages/search." in names
    assert "station-autocomplete" not in names
    # The results page modulepreloads the fragment loader, so it counts there.
    monday = next_weekday(0).isoformat()
    results = page_weight(client.get("/search", {"from": "Alpha", "to": "Beta", "date": monday}).content)
    assert "/static/js/components/lazy-fragments." in " ".join(results.files)
    # Every counted file is a hashed one from the build.
    assert all(".js" in url and url.count(".") >= 2 for url in weight.files)


def test_inline_css_is_counted_in_the_html(client, production_static):
    tiny_network()
    html = client.get("/").content.decode()
    assert "<style" in html and ".search-form" in html, "the site stylesheet is inlined by compressor"
    # No stylesheet request for a browser running scripts: the only <link rel="stylesheet"> is the
    # header's no-JavaScript one, inside <noscript> (accounts/signed_in_hint.py), which such a
    # browser never parses, and which page_weight therefore does not count.
    assert re.sub(r"<noscript>.*?</noscript>", "", html, flags=re.S).count('<link rel="stylesheet"') == 0
    assert page_weight(html).css == 0


def test_pages_of_apps_not_built_yet_are_reported_not_measured():
    from testsupport.pages import search_results
    from testsupport.performance_budgets import KeyPage

    with pytest.raises(PageUnavailable, match="does not resolve"):
        page_url(KeyPage("nowhere", "no-such-url-name"))
    # A provider with nothing to show yet (no timetable loaded) says why.
    page = KeyPage("search results", "search", provider=search_results)
    with pytest.raises(PageUnavailable, match="load a timetable"):
        page_url(page)
    # The provider, a plain function, builds the URL that is measured.
    tiny_network()
    assert page_url(page).startswith("/search?")
