"""The site's URLs plus a bare "hello world" view: the ceiling a Django page can reach under the
same gunicorn settings. Used only by benchmarks (ROOT_URLCONF=benchmarks.urls)."""

from django.http import HttpResponse
from django.urls import path

from railconnect import urls as site_urls


def hello(request):
    return HttpResponse("Hello, world")


urlpatterns = [path("bench/hello", hello), *site_urls.urlpatterns]
handler500 = site_urls.handler500  # the site's 503-on-outage handler
