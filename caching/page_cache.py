"""Whole-page caching of public pages for visitors without a session.

Home, search results and schedules are the same for every anonymous visitor, and rendering the
template is most of their cost once the data is cached, so the finished response is kept in
the two-level cache for a short while (PAGE_CACHE_TTL). Keys hold the timetable version (an
import or admin edit shows at once) and today's date (the home page's default date). A visitor
with a session cookie (signed in, or mid-booking) always gets a freshly rendered page, and every
response says `Vary: Cookie` so no shared cache confuses the two.
"""

from functools import wraps

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from timetable.version import timetable_version

from .tiered import tiered_cache


def _frozen(response):
    return response.status_code, response.content, dict(response.items())


def _thawed(frozen):
    status, content, headers = frozen
    response = HttpResponse(content, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def anonymous_page_cache(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "GET" or settings.SESSION_COOKIE_NAME in request.COOKIES:
            response = view(request, *args, **kwargs)
        else:
            parts = (timetable_version(), timezone.localdate().isoformat(), request.get_full_path())
            response = _thawed(tiered_cache.get_or_set("page", parts, lambda: _frozen(view(request, *args, **kwargs))))
        patch_vary_headers(response, ["Cookie"])
        return response

    return wrapper
