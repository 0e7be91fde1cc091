"""Page weight: the Brotli bytes of a rendered page's HTML and of the CSS and JS it loads before
any interaction, and which figures are over a budget (testsupport/performance_budgets.py).

Used by the budget test (tests/test_performance_budgets.py) and tests/test_rum_assets.py.
Measurement reads the built files in STATIC_ROOT: run `manage.py build_static` first.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import brotli
from django.conf import settings

# Static imports only: `import x from "./a.js"`, `import "./a.js"`, `export * from "./a.js"`.
# A dynamic import("./a.js") loads on first need and is deliberately not followed.
STATIC_IMPORT = re.compile(
    r"""(?:^|[;\s})])(?:import|export)\s*(?:[\w*{}\s,$]+?\s*from\s*)?["']([./][^"']+)["']""", re.MULTILINE
)


class _AssetParser(HTMLParser):
    """The stylesheets and scripts a browser with scripting on loads: what is inside <noscript>
    (the header's no-JavaScript stylesheet, templates/base.html) it never parses."""

    def __init__(self):
        super().__init__()
        self.stylesheets, self.scripts = [], []
        self.noscript = 0

    def handle_endtag(self, tag):
        if tag == "noscript" and self.noscript:
            self.noscript -= 1

    def handle_starttag(self, tag, attrs):
        if tag == "noscript":
            self.noscript += 1
        if self.noscript:
            return
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
