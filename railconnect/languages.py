"""Which language a page is in, and how a passenger chooses it (docs/i18n.md).

The URL names the language: English pages are unprefixed, every other language's pages live
under its code (`/hi/search?...`, `/ta/search?...`: `i18n_patterns` with
prefix_default_language=False in railconnect/urls.py, read by Django's LocaleMiddleware). So a
page's bytes depend on its URL alone, and every cache that keys on the URL (the whole-page cache,
browsers, shared caches, the service worker) keeps one copy per language by construction.

Only an unprefixed page depends on the passenger: `PreferredLanguageMiddleware` answers it with
a 302 to the same page in the passenger's language when their remembered choice (the cookie the
switcher sets) or, on a first visit, `Accept-Language` prefers another language. Such responses
say `Vary: Cookie, Accept-Language`, so no cache hands the English page to a Hindi passenger.

The switcher is plain links (no JavaScript, no form, so no CSRF token on public pages) to
`/language/<code>?next=<the same page in that language>`, which sets the cookie and redirects.
The API, /sw.js, /rum, /metrics, the manifest and the admin stay unprefixed.
"""

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import is_valid_path, translate_url
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

# Sent by the switcher's view with `request` and `language`: accounts remembers the choice of a
# signed-in passenger on the account (accounts/languages.py), for what is sent to them later.
language_chosen = Signal()


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def prefixed_codes() -> list[str]:
    """The languages whose pages carry a URL prefix (all but the default, English)."""
    return [code for code in language_codes() if code != settings.LANGUAGE_CODE]


def html_lang(code: str) -> str:
    """BCP 47 tag for `lang` and Content-Language: en-IN, hi, ta."""
    language, _, region = code.partition("-")
    return f"{language}-{region.upper()}" if region else language


def page_in(language: str, full_path: str) -> str:
    """The same page (path and query) in `language`, or the path unchanged when it has no
    language version (an API or the admin)."""
    # Resolving a prefixed path needs its own language active (LocalePrefixPattern matches the
    # active language's prefix only).
    source = translation.get_language_from_path(urlsplit(full_path).path) or settings.LANGUAGE_CODE
    with translation.override(source):
        return translate_url(full_path, language)


def has_version_in(language: str, path: str) -> bool:
    """Whether the unprefixed `path` is a page with a version in `language` (not the API...)."""
    with translation.override(language):
        return bool(is_valid_path(f"/{language}{path}"))


class PreferredLanguageMiddleware:
    """302 from an unprefixed passenger page to the passenger's language (just after Django's
    LocaleMiddleware, which has already activated the language the URL names)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        redirect = self._redirect(request)
        if redirect is not None:
            patch_vary_headers(redirect, ("Cookie", "Accept-Language"))
            redirect["Cache-Control"] = "private, no-cache"
            return redirect
        response = self.get_response(request)
        if (
            request.method in ("GET", "HEAD")
            and translation.get_language_from_path(request.path_info) is None
            and self._has_language_versions(request.path_info)
        ):
            # The unprefixed page would have been a redirect for another passenger (only a GET's
            # answer is ever kept by a cache: a POST's needs no Vary, nor the URL resolved again).
            patch_vary_headers(response, ("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", html_lang(translation.get_language()))
        return response

    @staticmethod
    def _has_language_versions(path: str) -> bool:
        # Every language has the same pages (one i18n_patterns list): asking one of them is enough.
        return any(has_version_in(code, path) for code in prefixed_codes()[:1])

    def _redirect(self, request: HttpRequest) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD"):
            return None
        if translation.get_language_from_path(request.path_info) is not None:
            return None
        wanted = translation.get_language_from_request(request, check_path=False)
        if wanted == settings.LANGUAGE_CODE or wanted not in prefixed_codes():
            return None
        if not has_version_in(wanted, request.path_info):
            return None  # no language version: the API, /sw.js, the admin...
        return HttpResponseRedirect(page_in(wanted, request.get_full_path()))


@require_safe
@never_cache
def choose_language(request: HttpRequest, code: str) -> HttpResponse:
    """The switcher's link: remember `code` and go to `next` (the same page in that language)."""
    if code not in language_codes():
        return HttpResponseBadRequest("Unknown language.", content_type="text/plain; charset=utf-8")
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ) or not target.startswith("/"):
        target = "/"
    response = HttpResponseRedirect(page_in(code, target))
    language_chosen.send(sender=choose_language, request=request, language=code)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",  # settings.LANGUAGE_COOKIE_SAMESITE, typed for set_cookie
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )
    return response


def context(request: HttpRequest) -> dict[str, object]:
    """Template context: the page's `lang` and the switcher's links (the current page and query in
    each other language). Built from the URL alone, so a cached public page stays the same for
    everyone who asks for that URL."""
    current = translation.get_language()
    full_path = request.get_full_path()
    switcher = [
        {
            "code": code,
            "lang": html_lang(code),
            "name": name,
            "current": code == current,
            "url": f"/language/{code}?" + urlencode({"next": page_in(code, full_path)}),
        }
        for code, name in settings.LANGUAGES
    ]
    return {
        "LANGUAGE_CODE": current,
        "default_language": settings.LANGUAGE_CODE,
        "html_lang": html_lang(current),
        "language_switcher": switcher,
    }
