"""The URL route a request was served by, as a template: never its full URL.

`/book/<train>/<date>/<board>/<alight>/<travel_class>` groups every booking page together and
carries no passenger's query values. Converters are dropped (`<str:pnr>` -> `<pnr>`) and regular
expression routes are written the same way (`^trains/(?P<number>...)$` -> `/trains/<number>`).
A page's language prefix is dropped (`/hi/search` is `/search`). Slow-request log lines (logs.py)
and RUM page views (rum/routes.py) are labelled with it.
"""

import re

from django.conf import settings


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


def _without_language_prefix(route):
    """`hi/search` -> `search`: a page is one route in every language (docs/i18n.md)."""
    for code, _name in settings.LANGUAGES:
        if route.startswith(f"{code}/"):
            return route[len(code) + 1 :]
    return route


def template_of(route):
    """A resolver route (path() or re_path() syntax, possibly joined from includes) as a template,
    the same in every language."""
    route = _without_language_prefix(route)
    if "(?P<" in route or route.startswith("^") or route.endswith("$"):
        route = _replace_named_groups(route).replace("^", "").replace("$", "").replace("\\", "")
    return "/" + _CONVERTER.sub(r"<\1>", route)


def request_route(request):
    match = getattr(request, "resolver_match", None)
    if match is None or match.route is None:
        return ""
    return template_of(match.route)
