from django.contrib import admin
from django.urls import include, path

from caching.views import cache_stats

urlpatterns = [
    path("", include("search.urls")),
    path("", include("timetable.urls")),
    path("", include("promotions.urls")),
    path("", include("accounts.urls")),
    path("", include("booking.urls")),
    path("", include("payments.urls")),
    # Staff pages that live beside the admin (before it, so its catch-all doesn't take them).
    path("admin/cache-stats/", cache_stats, name="cache-stats"),
    path("admin/", admin.site.urls),
]
