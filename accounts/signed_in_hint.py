"""The "signed in" hint: a cookie that lets a whole-page-cached public page show the right header.

Public pages are the same for everyone (caching/page_cache.py, shared caches), so their header
cannot read the session without making them uncacheable ("Vary: Cookie"). Instead a cookie,
SIGNED_IN_COOKIE=1, is set at log-in and deleted at log-out; static/js/pwa.js (on every page) shows
the header's signed-in links when it is present. It carries no identity and grants nothing: a stale
one only shows "My account" to someone who then meets the log-in page. Private pages render the
header from the session itself and correct the cookie when it disagrees (an expired session).

Without JavaScript the script cannot read the cookie, so a public page's <head> also holds
`<noscript><link rel="stylesheet" href="/accounts/signed-in.css"></noscript>` (templates/base.html):
a browser with scripting off fetches this tiny stylesheet, which `signed_in_css` answers from the
session (private, revalidated every time; empty when signed out), and it shows the signed-in set.
With JavaScript the <noscript> content is never parsed, so the page costs nothing more, and the
page itself stays the same for everyone (whole-page cached, public).
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

SIGNED_IN_COOKIE = "rc_signed_in"
_CHANGE = "_signed_in_hint"
# The header's two link sets (templates/partials/header.html): the signed-in one is `hidden` in the
# page; these selectors outrank site.css's `.account-nav[hidden]{display:none}`.
SIGNED_IN_CSS = (
    ".account-nav[data-account-nav=signed-out]{display:none}"
    ".account-nav[data-account-nav=signed-in][hidden]{display:inline-flex}\n"
)


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


@require_safe
def signed_in_css(request: HttpRequest) -> HttpResponse:
    """The no-JavaScript header's stylesheet: shows the signed-in links when the session is signed
    in. Personal (it reads the session: Vary: Cookie), so `private, no-cache`: after a log-in or
    log-out the browser asks again and gets the other answer (an unchanged one is a 304)."""
    body = SIGNED_IN_CSS if request.user.is_authenticated else ""
    response = HttpResponse(body, content_type="text/css; charset=utf-8")
    patch_cache_control(response, private=True, no_cache=True)
    return response
