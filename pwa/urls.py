from django.urls import path

from . import views

app_name = "pwa"

urlpatterns = [
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("pwa/owner", views.owner, name="owner"),
]

# The offline page exists in each language (/offline, /hi/offline, ...): railconnect/urls.py.
page_urlpatterns = [
    path("offline", views.offline, name="offline"),
]
