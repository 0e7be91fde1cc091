"""Admin pages for tables of millions of rows, and read-only ones for rows only services may change.

Cross-cutting (knows no domain app): booking and payments both use it, and payments must not
import booking. `CappedCountPaginator` counts at most CAP rows, and `LargeTableAdmin` never runs a
full COUNT(*) (show_full_result_count off).
"""

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows (SELECT COUNT(*) FROM (... LIMIT CAP)): page links stop there."""

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet):
            try:
                return queryset.order_by()[: self.CAP].count()
            except TypeError:  # an already sliced queryset cannot be reordered
                pass
        return len(queryset)


class LargeTableAdmin[ModelT: Model](admin.ModelAdmin[ModelT]):
    paginator = CappedCountPaginator
    show_full_result_count = False
    list_per_page = 50


class ReadOnlyAdmin[ModelT: Model](LargeTableAdmin[ModelT]):
    """Bookings, inventory and payments change only through the booking engine (which keeps the
    seat map, queues and payments consistent): the admin shows them, it does not edit them."""

    def has_add_permission(self, request: HttpRequest, obj: ModelT | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ModelT | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ModelT | None = None) -> bool:
        return False
