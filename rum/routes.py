"""Page identity for RUM: the URL route a page was served by, never its full URL (the route
templates are observability/routes.py's, shared with the slow-request log). The endpoint accepts
only routes that exist in the URLconf.
"""

from functools import lru_cache

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, get_urlconf

from observability.routes import request_route, template_of


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
