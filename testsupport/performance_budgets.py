"""Performance budgets: the one file that says how heavy a key page may be.

Figures are Brotli-compressed bytes of what a page needs before any interaction:
- html: the document itself (inlined CSS included), compressed as the server compresses it;
- css:  every stylesheet it links (as WhiteNoise serves it: the prebuilt .br file);
- js:   every script it references plus every module those import statically. Modules loaded with
        a dynamic import() on first need (the autocomplete, the passenger helpers) are not counted.

Checked by tests/test_performance_budgets.py (part of `make test`) against the real build
(`manage.py build_static`), printing each figure (weighed by testsupport/page_weight.py).
`make lighthouse` runs the same pages in Chromium.

Adding a key page: list it in KEY_PAGES. `url_name` must resolve for the page to be measured
(until then it is skipped, saying so). When the URL needs objects (a booking) or a signed-in
visitor, `provider` is a function `provider(user) -> url` in testsupport/pages.py; it creates what
the page needs in the (test or temporary) database and returns the URL to measure. `user` is a
freshly created, signed-in user for `login=True` pages, else None.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from . import pages

KB = 1024

# Starting budgets, per page, before interaction.
BUDGETS = {"html": 25 * KB, "css": 12 * KB, "js": 15 * KB}


@dataclass(frozen=True)
class KeyPage:
    name: str
    url_name: str
    provider: Callable[..., str] | None = None
    login: bool = False
    # Required pages are always measured: being unable to is a failure, not a skip.
    required: bool = False
    budgets: dict = field(default_factory=lambda: dict(BUDGETS))
    # The page in this language (its /hi/... URL); empty: the default language (docs/i18n.md).
    language: str = ""


KEY_PAGES = [
    KeyPage("home", "home", required=True),
    KeyPage("search results", "search", provider=pages.search_results, required=True),
    KeyPage("availability", "booking:choose", provider=pages.availability),
    KeyPage("booking passenger form", "booking:passengers", provider=pages.passenger_form, login=True),
    KeyPage("e-ticket", "booking:eticket", provider=pages.eticket, login=True),
    KeyPage("dashboard", "dashboard", provider=pages.dashboard, login=True),
    # The same budgets hold in Hindi (Devanagari text, system fonts: no web font to download).
    KeyPage("home (Hindi)", "home", required=True, language="hi"),
    KeyPage("search results (Hindi)", "search", provider=pages.search_results, required=True, language="hi"),
    KeyPage("e-ticket (Hindi)", "booking:eticket", provider=pages.eticket, login=True, language="hi"),
    # And in Tamil (another script, longer words).
    KeyPage("home (Tamil)", "home", required=True, language="ta"),
    KeyPage("search results (Tamil)", "search", provider=pages.search_results, required=True, language="ta"),
    KeyPage("e-ticket (Tamil)", "booking:eticket", provider=pages.eticket, login=True, language="ta"),
]
