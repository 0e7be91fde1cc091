"""How long browsers and shared caches may keep a response: the policy, in one place.

| what | Cache-Control | where it is applied |
|---|---|---|
| content-hashed static files (manifest names, compressor's CACHE/ output) and image renditions
  | `public, max-age=31536000, immutable` | WhiteNoise hooks below; `immutable()` for the rendition view |
| other static files (unhashed names) | `max-age=60, public` | WhiteNoise's default |
| public pages and JSON: home, search results, schedules, search APIs
  | `public, max-age=60, stale-while-revalidate=300` | `@public_page` |
| personal pages (dashboard, bookings) | `private, no-cache` (or `private, max-age=N`) | `@private_page` |
| secrets (payment pages; an e-ticket awaiting payment, which links to the gateway) | `private, no-store`
  | `@no_store`; booking.views.ticket |
| the e-ticket once paid (the service worker keeps it offline; cleared at logout) | `private, no-cache`
  | `@private_page` |
| anything a view left unmarked | `no-cache`, or `private, no-store` when personal | `CachePolicyMiddleware` |

"Personal" means the response sets a cookie (a CSRF or session cookie), embeds a CSRF token, or
was built from the session of a signed-in user. A page marked public that turns out personal is
downgraded to `private, no-cache`, so a shared cache never keeps one person's page for another.
A personal response also says `X-Robots-Tag: noindex`: it is no page for a search engine.

Validators: Django's ConditionalGetMiddleware gives every GET response an ETag and answers a
matching If-None-Match (or If-Modified-Since, when the view set Last-Modified) with 304 Not
Modified. The compression middleware weakens the ETag of a compressed body (W/"..."), which
If-None-Match still matches. Public responses vary on Accept-Encoding (compression) and on Cookie
whenever the session was read (SessionMiddleware adds it).

Max-ages are tunables in settings.py: IMMUTABLE_MAX_AGE, PUBLIC_PAGE_MAX_AGE,
PUBLIC_PAGE_STALE_WHILE_REVALIDATE, PRIVATE_PAGE_MAX_AGE.
"""

import re
from collections.abc import Callable
from functools import wraps
from typing import Concatenate
from urllib.parse import urlparse

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import patch_cache_control

# compressor's offline output: CACHE/css/output.0123456789ab.css (the hash is of the content).
_COMPRESSOR_OUTPUT = re.compile(r"^CACHE/(css|js)/[\w-]+\.[0-9a-f]{12}\.(css|js)$")
# A manifest-hashed name: site.0123456789ab.css
_HASHED_NAME = re.compile(r"^(?P<stem>.+)\.[0-9a-f]{12}(?P<ext>\.[^./]+)$")


def immutable_cache_control():
    return f"public, max-age={settings.IMMUTABLE_MAX_AGE}, immutable"


def immutable(response):
    """Mark a response whose URL names its content (a hash in the path) as cacheable forever."""
    response["Cache-Control"] = immutable_cache_control()
    return response


# --- Static files (WhiteNoise hooks: WHITENOISE_IMMUTABLE_FILE_TEST / ADD_HEADERS_FUNCTION) ---


def immutable_static_file(path, url):
    """True when `url` names a static file by a hash of its content.

    Two kinds: the manifest storage's hashed copies (css/site.0123456789ab.css, checked against the
    manifest, as WhiteNoise's own test does) and django-compressor's offline output under CACHE/,
    which is not in the manifest but is named by a hash of its content all the same.
    """
    prefix = urlparse(settings.STATIC_URL or "/static/").path
    if not url.startswith(prefix):
        return False
    name = url[len(prefix) :]
    if _COMPRESSOR_OUTPUT.match(name):
        return True
    match = _HASHED_NAME.match(name)
    if not match:
        return False
    from django.contrib.staticfiles.storage import staticfiles_storage

    stored_name = getattr(staticfiles_storage, "stored_name", None)
    if stored_name is None:
        return False
    try:
        return stored_name(match["stem"] + match["ext"]) == name
    except ValueError:
        return False


def static_file_headers(headers, path, url):
    """WhiteNoise marks immutable files with a ten-year max-age; the policy says one year."""
    if "immutable" in (headers.get("Cache-Control") or ""):
        headers["Cache-Control"] = immutable_cache_control()


# --- Dynamic responses -------------------------------------------------------------------------


# Q: the view's request type (an AuthenticatedHttpRequest behind a login check) is kept.
def _cache_control_decorator[Q: HttpRequest, **P, R: HttpResponseBase](
    apply: Callable[[HttpResponseBase], None],
) -> Callable[[Callable[Concatenate[Q, P], R]], Callable[Concatenate[Q, P], R]]:
    def decorator(view: Callable[Concatenate[Q, P], R]) -> Callable[Concatenate[Q, P], R]:
        @wraps(view)
        def wrapper(request: Q, *args: P.args, **kwargs: P.kwargs) -> R:
            response = view(request, *args, **kwargs)
            apply(response)
            return response

        return wrapper

    return decorator


def _public(response: HttpResponseBase) -> None:
    if response.status_code == 200:
        patch_cache_control(
            response,
            public=True,
            max_age=settings.PUBLIC_PAGE_MAX_AGE,
            stale_while_revalidate=settings.PUBLIC_PAGE_STALE_WHILE_REVALIDATE,
        )
    else:
        # Errors (a 400 for a bad search, a 404) are not worth keeping; revalidate every time.
        patch_cache_control(response, no_cache=True)


def _private(response: HttpResponseBase) -> None:
    if settings.PRIVATE_PAGE_MAX_AGE > 0:
        patch_cache_control(response, private=True, max_age=settings.PRIVATE_PAGE_MAX_AGE)
    else:
        patch_cache_control(response, private=True, no_cache=True)


def _no_store(response: HttpResponseBase) -> None:
    patch_cache_control(response, private=True, no_store=True)


public_page = _cache_control_decorator(_public)
public_page.__doc__ = (
    "The same for everyone: any cache may keep it briefly and serve it stale while revalidating."
)
private_page = _cache_control_decorator(_private)
private_page.__doc__ = "One person's page: only their browser may keep it, revalidating with the ETag."
no_store = _cache_control_decorator(_no_store)
no_store.__doc__ = "Carries a secret: nothing may store it."


def is_personal(request, response):
    """Whether the response belongs to one visitor (see the module docstring)."""
    if response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return True
    session = getattr(request, "session", None)
    if session is not None and session.accessed:
        # Only when the view already read the session: asking here must not read it (that would
        # add "Vary: Cookie" to every page).
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated) or not session.is_empty()
    return False


class CachePolicyMiddleware:
    """Gives unmarked responses a safe Cache-Control and stops personal pages being shared.

    Sits just inside ConditionalGetMiddleware, so the 304s it makes carry the same policy.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        cache_control = response.get("Cache-Control", "")
        personal = is_personal(request, response)
        if not cache_control:
            if personal or request.method not in ("GET", "HEAD"):
                _no_store(response)
            else:
                patch_cache_control(response, no_cache=True)
        elif personal and "public" in cache_control:
            del response["Cache-Control"]
            _private(response)
        if personal:
            # One visitor's page (a ticket, the dashboard): never for a search engine's index.
            response.headers.setdefault("X-Robots-Tag", "noindex")
        return response
