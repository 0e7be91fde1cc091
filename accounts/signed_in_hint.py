"""The "signed in" hint: a cookie that lets a whole-page-cached public page show the right header.

Public pages are the same for everyone (caching/page_cache.py, shared caches), so their header
cannot read the session without making them uncacheable ("Vary: Cookie"). Instead a cookie,
SIGNED_IN_COOKIE=1, is set at log-in and deleted at log-out; static/js/pwa.js (on every page) shows
the header's signed-in links when it is present. It carries no identity and grants nothing: a stale
one only shows "My account" to someone who then meets the log-in page. Private pages render the
header from the session itself and correct the cookie when it disagrees (an expired session).
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

SIGNED_IN_COOKIE = "rc_signed_in"
_CHANGE = "_signed_in_hint"


def note_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    setattr(request, _CHANGE, True)


def note_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    setattr(request, _CHANGE, False)


class SignedInHintMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        signed_in = getattr(request, _CHANGE, None)
        if signed_in is None and hasattr(request, "_cached_user"):  # the page read the session anyway
            signed_in = request.user.is_authenticated
        if signed_in is None or signed_in == (SIGNED_IN_COOKIE in request.COOKIES):
            return response
        if signed_in:
            response.set_cookie(
                SIGNED_IN_COOKIE,
                "1",
                max_age=settings.SESSION_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                samesite="Lax",
            )
        else:
            response.delete_cookie(SIGNED_IN_COOKIE, samesite="Lax")
        return response
