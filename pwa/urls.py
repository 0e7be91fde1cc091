from django.urls import path

from . import views

app_name = "pwa"

urlpatterns = [
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("offline", views.offline, name="offline"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("pwa/owner", views.owner, name="owner"),
]
