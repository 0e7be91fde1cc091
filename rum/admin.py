"""Staff pages in the admin: the Web Vitals report (the changelist of the daily aggregates) and a
read-only list of raw page views."""

import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone

from . import aggregation, report
from .models import DailyMetric, PageView


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DailyMetric)
class WebVitalsReportAdmin(ReadOnly):
    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            today = timezone.localdate()
            written = aggregation.aggregate(today - datetime.timedelta(days=1), today)
            messages.success(request, f"Aggregated yesterday and today: {written} figures.")
            return HttpResponseRedirect(request.get_full_path())
        context = {
            **self.admin_site.each_context(request),
            **report.build(request.GET),
            "opts": self.model._meta,
            "title": "Core Web Vitals of real visitors",
        }
        return TemplateResponse(request, "admin/rum/report.html", context)


@admin.register(PageView)
class PageViewAdmin(ReadOnly):
    list_display = (
        "received_at",
        "route",
        "device_class",
        "connection_type",
        "navigation_type",
        "lcp",
        "inp",
        "cls",
        "fcp",
        "ttfb",
        "server_total",
    )
    list_filter = ("device_class", "navigation_type", "connection_type", "day")
    search_fields = ("route", "lcp_target", "inp_target", "cls_target")
    show_full_result_count = False
