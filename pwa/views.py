"""The web app manifest, the service worker and the offline page.

/sw.js is served by Django (a worker's scope is its URL's folder, so it must live at the root)
with `Cache-Control: no-cache`: the browser revalidates it on every update check, and its body
names a version derived from the static-files manifest plus the worker's own source, so a deploy
whose assets changed makes a new worker and an unchanged deploy does not (same bytes, no update).
"""

import hashlib
import json
from functools import wraps

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from railconnect.http_caching import no_store, public_page
from railconnect.languages import html_lang

from . import assets

THEME_COLOUR = "#0b4f8a"
BACKGROUND_COLOUR = "#ffffff"

# Static files the key pages use (home/search, booking, dashboard, e-ticket), precached on install.
PRECACHE_STATIC = [
    "js/pwa.js",
    "js/pwa-offline.js",
    "js/pages/search.js",
    "js/pages/booking.js",
    "js/pages/dashboard.js",
    "js/components/station-autocomplete.js",
    "js/components/lazy-fragments.js",
    "js/components/passenger-formset.js",
    "js/components/saved-passengers.js",
    "js/rum.js",
    "js/components/rum-collector.js",
    "vendor/web-vitals.attribution.js",
    "pwa/icon-192.png",
]


def _static_url(name):
    """The (hashed) URL of a static file, or None when the build does not have it."""
    try:
        return static(name)
    except ValueError:
        return None


def static_manifest_fingerprint():
    """A digest of the static build: every source name and its hashed name (empty in development,
    without the manifest storage)."""
    hashed = getattr(staticfiles_storage, "hashed_files", None) or {}
    return hashlib.sha256(json.dumps(sorted(hashed.items())).encode()).hexdigest()


def worker_version():
    source = get_template("pwa/sw.js").template.source
    digest = hashlib.sha256((static_manifest_fingerprint() + "\n" + source).encode()).hexdigest()
    return digest[:12]


def worker_languages():
    """Each language's URL prefix, home and offline page, the default (unprefixed) one first."""
    languages = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            home = reverse("home")
            languages.append(
                {"code": code, "prefix": home.rstrip("/"), "home": home, "offline": reverse("offline")}
            )
    return sorted(languages, key=lambda language: language["prefix"] != "")


@require_safe
def service_worker(request):
    precache_static = [url for url in map(_static_url, PRECACHE_STATIC) if url]
    context = {
        "version": worker_version(),
        "languages": json.dumps(worker_languages()),
        "precache_static": json.dumps(precache_static),
        "owner_url": json.dumps(reverse("pwa:owner")),
        "static_prefix": json.dumps(staticfiles_storage.base_url or "/static/"),
    }
    response = render(request, "pwa/sw.js", context, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


def manifest_data():
    """The manifest in the active language: its texts, `lang`, and a start_url and shortcuts that
    open that language's pages."""
    icons = []
    for size in assets.ICON_SIZES:
        icons.append(
            {
                "src": static(f"pwa/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
        )
        icons.append(
            {
                "src": static(f"pwa/icon-maskable-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "maskable",
            }
        )
    screenshots = [
        {
            "src": static(f"pwa/screenshot-{form_factor}.png"),
            "sizes": f"{width}x{height}",
            "type": "image/png",
            "form_factor": form_factor,
            "label": _("Search trains and book berths"),
        }
        for form_factor, (width, height) in assets.SCREENSHOTS.items()
    ]
    shortcut_icon = [{"src": static("pwa/icon-192.png"), "sizes": "192x192", "type": "image/png"}]
    return {
        "id": "/",
        "name": "RailConnect India",
        "short_name": "RailConnect",
        "description": _("Search Indian Railways trains, book berths and carry your e-ticket offline."),
        "start_url": reverse("home") + "?source=pwa",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "lang": html_lang(translation.get_language()),
        "dir": "ltr",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "categories": ["travel", "navigation"],
        "icons": icons,
        "screenshots": screenshots,
        "shortcuts": [
            {
                "name": _("Search trains"),
                "short_name": _("Search"),
                "url": reverse("home"),
                "icons": shortcut_icon,
            },
            {
                "name": _("My journeys"),
                "short_name": _("Journeys"),
                "url": reverse("dashboard"),
                "icons": shortcut_icon,
            },
            {
                "name": _("PNR status"),
                "short_name": "PNR",
                "url": reverse("booking:pnr-form"),
                "icons": shortcut_icon,
            },
        ],
    }


@require_safe
@public_page
def manifest(request):
    """One URL for every language (`?lang=hi`: base.html links each page's own), so the installed
    app starts in the language it was installed from; an unknown code gets the default."""
    code = request.GET.get("lang", settings.LANGUAGE_CODE)
    if code not in dict(settings.LANGUAGES):
        code = settings.LANGUAGE_CODE
    with translation.override(code):
        data = manifest_data()
    return JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"indent": 1})


@require_safe
@public_page
def offline(request):
    """What the worker shows for a page it cannot fetch and has not kept: pages/tickets kept on this
    device are listed by static/js/pwa-offline.js (from the worker's caches). The same for
    everyone: its header does not read the session."""
    request.public_page = True
    return render(request, "pwa/offline.html")


@require_safe
@no_store
def owner(request):
    """Asked by the worker after a page that names no owner (public pages are the same for
    everyone): pwa.owner.OwnerTagMiddleware puts the owner tag on this empty answer."""
    return HttpResponse(status=204)


def clear_browser_cache(view):
    """For the logout view: `Clear-Site-Data: "cache"` empties the browser's HTTP cache for the
    site, which may hold e-tickets (they are `private, no-cache` so the service worker can keep
    them offline). The worker's own personal cache is deleted by the worker (pwa/templates/pwa/sw.js)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method == "POST":
            response["Clear-Site-Data"] = '"cache"'
        return response

    return wrapper
