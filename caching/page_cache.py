"""Whole-page caching of public pages.

Home, search results and schedules are the same for every visitor (their header nav never
reads the session: see templates/partials/header.html and `request.public_page`), and
rendering the template is most of their cost once the data is cached, so the finished
response is kept in the two-level cache for a short while (PAGE_CACHE_TTL). Keys hold the
version of the data the page shows (the view names it: `@public_page_cache(version=
timetable_version)`, so an import or admin edit shows at once), today's date (the home page's
default date), the page's language and the full path with its query string.
"""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from .tiered import tiered_cache


def _frozen(response):
    return response.status_code, response.content, dict(response.items())


def _thawed(frozen):
    status, content, headers = frozen
    response = HttpResponse(content, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def public_page_cache[**P](
    *, version: Callable[[], object]
) -> Callable[
    [Callable[Concatenate[HttpRequest, P], HttpResponse]], Callable[Concatenate[HttpRequest, P], HttpResponse]
]:
    """Cache a public view's whole response under `version()`, the version of what it shows."""

    def decorator(
        view: Callable[Concatenate[HttpRequest, P], HttpResponse],
    ) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            request.public_page = True
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            # The language is in the path too (/hi/...); named apart so no key can be shared.
            parts = (
                version(),
                translation.get_language(),
                timezone.localdate().isoformat(),
                request.get_full_path(),
            )
            return _thawed(
                tiered_cache.get_or_set("page", parts, lambda: _frozen(view(request, *args, **kwargs)))
            )

        return wrapper

    return decorator
