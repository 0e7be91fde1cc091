"""The site's URLs plus a bare "hello world" view: the ceiling a Django page can reach under the
same gunicorn settings. Used only by benchmarks (ROOT_URLCONF=benchmarks.urls)."""

from django.http import HttpResponse
from django.urls import path

from railconnect.urls import handler500  # noqa: F401 - the site's 503-on-outage handler
from railconnect.urls import urlpatterns as site_urlpatterns


def hello(request):
    return HttpResponse("Hello, world")


urlpatterns = [path("bench/hello", hello), *site_urlpatterns]
