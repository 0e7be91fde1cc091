"""The passenger dashboard: journeys, statistics and saved passengers. Thin views.

The dashboard's first response holds everything in the first screenful (the upcoming journeys).
Past and cancelled journeys and the statistics are lazy fragments: the page holds a skeleton of
their exact size, static/js/pages/dashboard.js fetches `*-fragment` URLs as they near the viewport
and swaps the HTML in. The fragments are partials of the full pages that serve the same content
without JavaScript (`dashboard/history.html#history`, `dashboard/statistics.html#statistics`).

Everything is personal: every query is filtered by request.user (another passenger's saved
passenger is a 404), and responses are `private_page` (only the passenger's browser keeps them).
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from railconnect.http_caching import private_page

from . import journeys, svg_charts, travel_stats
from .forms import SavedPassengerForm
from .models import SavedPassenger

UPCOMING_PAGE_SIZE = 20


def fragment_login_required(view):
    """A fragment is fetched by script into a page: when the session has ended answer 403 with a
    short note instead of redirecting (the script would paste the whole login page in)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponse(
                format_html(
                    '<p class="note">Your session has ended: <a href="{}">log in</a> again.</p>',
                    resolve_url(settings.LOGIN_URL),
                ),
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapper


# --- Journeys --------------------------------------------------------------------------------


@login_required
@private_page
@require_safe
def dashboard(request):
    now = timezone.now()
    upcoming, more_upcoming = journeys.upcoming(request.user, now, settings.DASHBOARD_UPCOMING_LIMIT)
    journeys.with_links(upcoming)
    # One index-only count sizes the history skeleton exactly (rows on its first page).
    history_count = journeys.all_history(request.user, now).count()
    context = {
        "upcoming": upcoming,
        "more_upcoming": more_upcoming,
        "history_count": history_count,
        "history_rows": range(min(history_count, settings.DASHBOARD_HISTORY_PAGE_SIZE)),
    }
    return render(request, "dashboard/dashboard.html", context)


@login_required
@private_page
@require_safe
def upcoming_journeys(request):
    now = timezone.now()
    page = Paginator(journeys.all_upcoming(request.user, now), UPCOMING_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "dashboard/upcoming.html", {"page": page, "upcoming": journeys.with_links(page.object_list)}
    )


def _history_page(request):
    queryset = journeys.all_history(request.user, timezone.now())
    page = Paginator(queryset, settings.DASHBOARD_HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = journeys.with_links(list(page.object_list))
    return page


@login_required
@private_page
@require_safe
def history(request):
    return render(request, "dashboard/history.html", {"page": _history_page(request)})


@fragment_login_required
@private_page
@require_safe
def history_fragment(request):
    return render(
        request, "dashboard/history.html#history", {"page": _history_page(request), "fragment": True}
    )


# --- Statistics --------------------------------------------------------------------------------


def _statistics_context(request):
    stats = travel_stats.stats_for(request.user)
    months = settings.DASHBOARD_CHART_MONTHS
    series = stats.monthly(months)
    return {
        "stats": stats,
        "chart": svg_charts.month_bars(series),
        "chart_months": months,
        "chart_empty": not any(count for _month, count in series),
    }


@login_required
@private_page
@require_safe
def statistics(request):
    return render(request, "dashboard/statistics.html", _statistics_context(request))


@fragment_login_required
@private_page
@require_safe
def statistics_fragment(request):
    return render(request, "dashboard/statistics.html#statistics", _statistics_context(request))


# --- Saved passengers ----------------------------------------------------------------------


def _next_url(request):
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


@login_required
@private_page
@require_http_methods(["GET", "HEAD", "POST"])
def saved_passengers(request):
    form = SavedPassengerForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        passenger = form.save()
        messages.success(request, _("Saved %(name)s.") % {"name": passenger.name})
        return redirect(_next_url(request) or "saved-passengers")
    context = {
        "passengers": SavedPassenger.objects.filter(user=request.user),
        "form": form,
        "limit": settings.SAVED_PASSENGERS_MAX,
        "next": _next_url(request),
    }
    return render(request, "dashboard/saved_passengers.html", context, status=400 if form.errors else 200)


@login_required
@private_page
@require_http_methods(["GET", "HEAD", "POST"])
def saved_passenger_edit(request, pk):
    passenger = get_object_or_404(SavedPassenger, pk=pk, user=request.user)
    form = SavedPassengerForm(request.POST or None, instance=passenger, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Updated %(name)s.") % {"name": passenger.name})
        return redirect("saved-passengers")
    return render(
        request,
        "dashboard/saved_passenger_edit.html",
        {"form": form, "passenger": passenger},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def saved_passenger_delete(request, pk):
    passenger = get_object_or_404(SavedPassenger, pk=pk, user=request.user)
    passenger.delete()
    messages.success(request, _("Removed %(name)s.") % {"name": passenger.name})
    return redirect("saved-passengers")
