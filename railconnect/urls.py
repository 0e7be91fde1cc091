from django.contrib import admin
from django.urls import include, path

from caching.views import cache_stats
from observability.views import metrics
from railconnect.rate_limits import rate_limited

urlpatterns = [
    path("", include("search.urls")),
    path("", include("timetable.urls")),
    path("", include("promotions.urls")),
    path("", include("accounts.urls")),
    path("", include("booking.urls")),
    path("", include("payments.urls")),
    path("", include("dashboard.urls")),
    # Real-user Web Vitals beacons (POST /rum) and the Prometheus exposition (GET /metrics).
    path("", include("rum.urls")),
    # The progressive web app: /sw.js (scope /), /manifest.webmanifest, /offline.
    path("", include("pwa.urls")),
    path("metrics", metrics, name="metrics"),
    # Staff pages that live beside the admin (before it, so its catch-all doesn't take them).
    path("admin/cache-stats/", cache_stats, name="cache-stats"),
    # The admin's login shares the public login's per-address request limit (the failed-login
    # lock-out covers both by itself: accounts/login_lockout.py).
    path("admin/login/", rate_limited("login")(admin.site.login)),
    path("admin/", admin.site.urls),
]

# A body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 (JSON under /api/), not a bare 400.
handler400 = "railconnect.json_errors.bad_request"
# The site's 404 and 403 pages (header, the specific reason), JSON under /api/.
handler403 = "railconnect.error_pages.permission_denied"
handler404 = "railconnect.error_pages.page_not_found"
# A database outage raised outside a view (in a middleware) answers 503 too, not 500.
handler500 = "railconnect.database_outage.server_error"
