"""?profile=1 on any page, for staff: pyinstrument profiles the request and the call tree is
returned instead of the page (interactive HTML); ?profile=text gives the same tree as plain text.

Only for signed-in, active staff users (the middleware sits after AuthenticationMiddleware); for
anyone else the parameter is ignored and the page is served as usual. The parameter is removed
before the view sees the request, so the view answers exactly as it would without it. The
profile is never stored by any cache (private, no-store). pyinstrument's HTML carries inline
script and style, so that response brings its own Content-Security-Policy allowing them (and
nothing from elsewhere). PROFILING_ENABLED=0 turns it off; PROFILING_INTERVAL is the sampling
interval (s).
"""

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import patch_cache_control

MODES = {"1": "html", "html": "html", "text": "text"}
PROFILE_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:"
)


def may_profile(request):
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def _without_parameter(request):
    query = request.GET.copy()
    query.pop("profile", None)
    query._mutable = False
    request.GET = query
    request.META["QUERY_STRING"] = query.urlencode()


class ProfilingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        mode = MODES.get(request.GET.get("profile", ""))
        if mode is None or not settings.PROFILING_ENABLED or not may_profile(request):
            return self.get_response(request)
        from pyinstrument import Profiler

        _without_parameter(request)
        profiler = Profiler(interval=settings.PROFILING_INTERVAL, async_mode="disabled")
        profiler.start()
        try:
            page = self.get_response(request)
        finally:
            profiler.stop()
        if mode == "text":
            response = HttpResponse(
                profiler.output_text(unicode=True, color=False), content_type="text/plain; charset=utf-8"
            )
        else:
            response = HttpResponse(profiler.output_html(), content_type="text/html; charset=utf-8")
            response["Content-Security-Policy"] = PROFILE_CSP
        response["X-Profiled-Status"] = str(page.status_code)
        response["X-Robots-Tag"] = "noindex"
        patch_cache_control(response, private=True, no_store=True)
        return response
