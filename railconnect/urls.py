from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from accounts.urls import unprefixed_urlpatterns as accounts_unprefixed
from booking.urls import api_urlpatterns as booking_api
from caching.views import cache_stats
from observability.views import metrics
from pwa.urls import page_urlpatterns as pwa_pages
from railconnect.languages import choose_language
from railconnect.rate_limits import rate_limited
from search.urls import api_urlpatterns as search_api

# Unprefixed only: the same in every language (docs/i18n.md).
urlpatterns = [
    path("", include(search_api)),
    path("", include(booking_api)),
    path("", include("promotions.urls")),
    # The e-ticket PDF (written in the passenger's remembered language, not the URL's) and the
    # /verify/ page a TTE's phone opens from the QR code: one URL each, whatever the language.
    path("", include("etickets.urls")),
    # Real-user Web Vitals beacons (POST /rum) and the Prometheus exposition (GET /metrics).
    path("", include("rum.urls")),
    # The progressive web app: /sw.js (scope /), /manifest.webmanifest, /pwa/owner.
    path("", include("pwa.urls")),
    # The no-JavaScript header's signed-in stylesheet (accounts/signed_in_hint.py).
    path("", include(accounts_unprefixed)),
    path("metrics", metrics, name="metrics"),
    # The language switcher's links: remember the choice, go to the same page in that language.
    path("language/<str:code>", choose_language, name="choose-language"),
    # Staff pages that live beside the admin (before it, so its catch-all doesn't take them).
    path("admin/cache-stats/", cache_stats, name="cache-stats"),
    # The admin's login shares the public login's per-address request limit (the failed-login
    # lock-out covers both by itself: accounts/login_lockout.py).
    path("admin/login/", rate_limited("login")(admin.site.login)),
    path("admin/", admin.site.urls),
]

# Passenger pages: English unprefixed, every other language under its code (/hi/..., /ta/...).
urlpatterns += i18n_patterns(
    path("", include("search.urls")),
    path("", include("timetable.urls")),
    path("", include("accounts.urls")),
    path("", include("booking.urls")),
    path("", include("payments.urls")),
    path("", include("dashboard.urls")),
    path("", include(pwa_pages)),
    prefix_default_language=False,
)

# A body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 (JSON under /api/), not a bare 400.
handler400 = "railconnect.json_errors.bad_request"
# The site's 404 and 403 pages (header, the specific reason), JSON under /api/.
handler403 = "railconnect.error_pages.permission_denied"
handler404 = "railconnect.error_pages.page_not_found"
# A database outage raised outside a view (in a middleware) answers 503 too, not 500.
handler500 = "railconnect.database_outage.server_error"
