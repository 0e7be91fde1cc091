from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render

from .health import cache_overview
from .policy import __doc__ as policy_doc


@staff_member_required
def cache_stats(request):
    return render(
        request,
        "caching/cache_stats.html",
        {"overview": cache_overview(), "policy": policy_doc, "title": "Cache statistics"},
    )
