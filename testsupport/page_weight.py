"""Finding the key pages' URLs (see performance_budgets.KEY_PAGES) and measuring their weight.

Shared by the budget test and `make lighthouse` (scripts/lighthouse.py), so both look at the same
pages. Measurement reads the built files in STATIC_ROOT: run `manage.py build_static` first.
"""

import datetime
import re
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from importlib import import_module
from pathlib import Path
from urllib.parse import urljoin, urlparse

import brotli
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import get_resolver, reverse
from django.utils import timezone
from django.utils.http import urlencode

from .performance_budgets import KEY_PAGES


class PageUnavailable(Exception):
    """The page cannot be measured yet (its app or provider is missing): a reason, not a failure."""


def search_results(user=None):
    """A search with results: between two of the busiest stations, on the first date with trains."""
    from search.forms import SearchForm
    from search.train_search import find_journeys
    from timetable.models import Station

    busiest = list(Station.objects.filter(train_count__gt=0).order_by("-train_count", "code")[:8])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    best = None
    for origin in busiest:
        for destination in busiest:
            if origin == destination:
                continue
            for offset in range(7):
                query = {"from": origin.code, "to": destination.code, "date": (tomorrow + datetime.timedelta(days=offset)).isoformat()}
                form = SearchForm(query)
                if not form.is_valid():
                    break
                count = len(find_journeys(form.cleaned_data["from"], form.cleaned_data["to"], form.cleaned_data["date"]))
                if count and (best is None or count > best[0]):
                    best = (count, query)
                if count:
                    break
        if best and best[0] >= 5:
            break
    if best is None:
        raise PageUnavailable("no two stations with a train between them: load a timetable (seed_demo)")
    return f"{reverse('search')}?{urlencode(best[1])}"


def make_user():
    """A signed-in visitor for login pages: a new user with an unusable password."""
    User = get_user_model()
    identifier = f"perf-{secrets.token_hex(4)}@example.com"
    return User.objects.create_user(**{User.USERNAME_FIELD: identifier}, password=None)


def url_name_exists(name):
    """Whether a (possibly namespaced) URL name is defined, whatever arguments it takes."""
    resolver = get_resolver()
    if name in resolver.reverse_dict:  # a plain name (even one with a colon in it)
        return True
    *namespaces, view_name = name.split(":")
    for namespace in namespaces:
        if namespace not in resolver.namespace_dict:
            return False
        resolver = resolver.namespace_dict[namespace][1]
    return view_name in resolver.reverse_dict


def page_url(page, user=None):
    """The URL of a key page, or PageUnavailable saying why it cannot be measured yet."""
    if not url_name_exists(page.url_name):
        raise PageUnavailable(f"URL name {page.url_name!r} does not resolve yet (its app is not built or not installed)")
    if not page.provider:
        return reverse(page.url_name)
    candidates = (page.provider,) if isinstance(page.provider, str) else page.provider
    for dotted in candidates:
        module_name, _, function_name = dotted.rpartition(".")
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as error:
            # Only the provider module itself may be missing; a broken import inside it is a bug.
            if error.name and (module_name == error.name or module_name.startswith(error.name + ".")):
                continue
            raise
        provider = getattr(module, function_name, None)
        if provider is not None:
            return provider(user)
    raise PageUnavailable(
        f"{' or '.join(candidates)} is missing: the app owning {page.url_name!r} should provide it "
        "(see railconnect/performance_budgets.py)"
    )


def key_pages():
    return list(KEY_PAGES)


# --- Weighing a page ---------------------------------------------------------------------------

# Static imports only: `import x from "./a.js"`, `import "./a.js"`, `export * from "./a.js"`.
# A dynamic import("./a.js") loads on first need and is deliberately not followed.
STATIC_IMPORT = re.compile(
    r"""(?:^|[;\s})])(?:import|export)\s*(?:[\w*{}\s,$]+?\s*from\s*)?["']([./][^"']+)["']""", re.MULTILINE
)


class _AssetParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stylesheets, self.scripts = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rel = (attrs.get("rel") or "").lower().split()
        if tag == "link" and "stylesheet" in rel and attrs.get("href"):
            self.stylesheets.append(attrs["href"])
        elif tag == "link" and "modulepreload" in rel and attrs.get("href"):
            self.scripts.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])


@dataclass
class PageWeight:
    html: int
    css: int = 0
    js: int = 0
    files: dict = field(default_factory=dict)  # URL -> Brotli bytes

    def as_dict(self):
        return {"html": self.html, "css": self.css, "js": self.js}


def brotli_size(data, quality=11):
    return len(brotli.compress(data, mode=brotli.MODE_TEXT, quality=quality))


def _static_file(url):
    static_prefix = urlparse(settings.STATIC_URL).path
    path = urlparse(url).path
    if not path.startswith(static_prefix):
        raise ValueError(f"{url} is not a static file: budgets cover only this site's built static files")
    file = Path(settings.STATIC_ROOT) / path[len(static_prefix) :]
    if not file.is_file():
        raise FileNotFoundError(f"{url} is not in the build ({file}): run `manage.py build_static`")
    return file


def served_size(url):
    """Bytes on the wire for a static file: its .br variant, as WhiteNoise serves it."""
    file = _static_file(url)
    variant = file.with_name(file.name + ".br")
    return variant.stat().st_size if variant.is_file() else brotli_size(file.read_bytes())


def module_graph(url):
    """`url` and every module it imports statically, recursively."""
    seen, pending = [], [url]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.append(current)
        source = _static_file(current).read_text(encoding="utf-8")
        pending.extend(urljoin(current, specifier) for specifier in STATIC_IMPORT.findall(source))
    return seen


def page_weight(html):
    """Brotli bytes of a page's HTML and of the CSS and JS it loads before interaction."""
    body = html.encode() if isinstance(html, str) else html
    parser = _AssetParser()
    parser.feed(body.decode("utf-8"))
    weight = PageWeight(html=brotli_size(body, settings.COMPRESSION_BROTLI_QUALITY))
    for url in dict.fromkeys(parser.stylesheets):
        weight.files[url] = served_size(url)
        weight.css += weight.files[url]
    modules = dict.fromkeys(module for script in parser.scripts for module in module_graph(script))
    for url in modules:
        weight.files[url] = served_size(url)
        weight.js += weight.files[url]
    return weight


def over_budget(weight, budgets):
    """{kind: (measured, budget)} for every figure above its budget."""
    measured = weight.as_dict()
    return {kind: (measured[kind], limit) for kind, limit in budgets.items() if measured[kind] > limit}
