"""Page identity for RUM: the URL route a page was served by, never its full URL.

`/book/<train>/<date>/<board>/<alight>/<travel_class>` groups every booking page together and
carries no passenger's query values. Converters are dropped (`<str:pnr>` -> `<pnr>`) and regular
expression routes are written the same way (`^trains/(?P<number>...)$` -> `/trains/<number>`).
The endpoint accepts only routes that exist in the URLconf.
"""

import re
from functools import lru_cache

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, get_urlconf


def _replace_named_groups(pattern):
    """`(?P<name>...)` -> `<name>`, with nested parentheses inside the group."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("(?P<", i):
            end_name = pattern.index(">", i)
            name = pattern[i + 4 : end_name]
            depth, j = 1, end_name + 1
            while j < len(pattern) and depth:
                if pattern[j] == "\\":
                    j += 2
                    continue
                depth += {"(": 1, ")": -1}.get(pattern[j], 0)
                j += 1
            out.append(f"<{name}>")
            i = j
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def template_of(route):
    """A resolver route (path() or re_path() syntax, possibly joined from includes) as a template."""
    if "(?P<" in route or route.startswith("^") or route.endswith("$"):
        route = _replace_named_groups(route).replace("^", "").replace("$", "").replace("\\", "")
    return "/" + _CONVERTER.sub(r"<\1>", route)


def request_route(request):
    match = getattr(request, "resolver_match", None)
    if match is None or match.route is None:
        return ""
    return template_of(match.route)


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern).lstrip("^") if prefix else str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


@lru_cache(maxsize=8)
def _known_routes(urlconf):
    return frozenset(template_of(route) for route in _walk(get_resolver(urlconf).url_patterns))


def known_routes():
    return _known_routes(get_urlconf() or settings.ROOT_URLCONF)


def is_known_route(route):
    return route in known_routes()


def context(request):
    """Template context (settings' context processor): what base.html puts on <html> for rum.js."""
    if not settings.RUM_ENABLED:
        return {"rum_route": ""}
    return {"rum_route": request_route(request), "rum_sample_rate": f"{settings.RUM_SAMPLE_RATE:g}"}
