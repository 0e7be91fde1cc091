"""Admin pages for tables of millions of rows, and read-only ones for rows only services may change.

Cross-cutting (knows no domain app): booking and payments both use it, and payments must not
import booking. `CappedCountPaginator` counts at most CAP rows, and `LargeTableAdmin` never runs a
full COUNT(*) (show_full_result_count off).
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import Field, ForeignKey, Model, QuerySet
from django.http import HttpRequest, QueryDict
from django.utils.functional import cached_property

if TYPE_CHECKING:
    from django.contrib.admin.filters import _ListFilterChoices
    from django.contrib.admin.options import _ListFilterT


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


class PartitionFilter(admin.SimpleListFilter):
    """Which inventory partition (settings.DATABASE_PARTITIONS, booking/partitions.py) the list
    reads: a partitioned table is one table per primary, so the list shows one at a time, the
    main primary's first. Shown only when there are several."""

    title = "partition (database)"
    parameter_name = "partition"

    def __init__(self, request: HttpRequest, params: Any, model: Any, model_admin: Any) -> None:
        super().__init__(request, params, model, model_admin)
        self.model_admin = model_admin  # for its list_select_related

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(alias, alias) for alias in settings.DATABASE_PARTITIONS]

    def choices(self, changelist: Any) -> Iterator["_ListFilterChoices"]:
        # No "All": one list cannot span two databases.
        current = self.value() or settings.DATABASE_PARTITIONS[0]
        for alias, title in self.lookup_choices:
            yield {
                "selected": alias == current,
                "query_string": changelist.get_query_string({self.parameter_name: alias}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        alias = partition_of(request)
        if alias == settings.DATABASE_PARTITIONS[0]:
            return queryset
        # The related global rows (trains, stations, users) are on the main primary: fetched in
        # one query each there, not joined (there is no such table on this partition).
        return queryset.using(alias).prefetch_related(*self.model_admin.list_select_related)


def partition_of(request: HttpRequest) -> str:
    """The partition a list or a row's page reads: the list's filter, which the admin carries to a
    row's page in `_changelist_filters` (ids are per database: row 7 of each partition is another
    row). The main primary when neither names one."""
    alias = request.GET.get(PartitionFilter.parameter_name) or QueryDict(
        request.GET.get("_changelist_filters", "")
    ).get(PartitionFilter.parameter_name, "")
    return alias if alias in settings.DATABASE_PARTITIONS else settings.DATABASE_PARTITIONS[0]


class PartitionedAdmin[ModelT: Model](ReadOnlyAdmin[ModelT]):
    """Read-only admin of a table partitioned by train: the list reads one partition at a time
    (PartitionFilter), a row's page reads the partition its list showed (ids are per database),
    and a search field on a global row (an inventory's train number) looks the row's ids up on the
    main primary first; such a field is searched alone (our admins have one search field each). A
    relation to a global row is one without a database constraint (booking/partitions.py)."""

    def get_list_filter(self, request: HttpRequest) -> list["_ListFilterT"]:
        filters = list(super().get_list_filter(request))
        return [PartitionFilter, *filters] if len(settings.DATABASE_PARTITIONS) > 1 else filters

    def get_list_select_related(self, request: HttpRequest) -> Any:
        if partition_of(request) != settings.DATABASE_PARTITIONS[0]:
            return []  # prefetched by PartitionFilter instead (False would join every relation)
        return super().get_list_select_related(request)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ModelT], search_term: str
    ) -> tuple[QuerySet[ModelT], bool]:
        alias = partition_of(request)
        if alias == settings.DATABASE_PARTITIONS[0] or not search_term:
            return super().get_search_results(request, queryset, search_term)
        for path in self.get_search_fields(request):
            name, _, rest = path.lstrip("=^@").partition("__")
            field = self.model._meta.get_field(name)
            if rest and isinstance(field, ForeignKey) and not getattr(field, "db_constraint", True):
                # A global row: its ids from the main primary, then an id filter here.
                main = field.related_model._default_manager.using(settings.DATABASE_PARTITIONS[0])
                ids = list(main.filter(**{rest: search_term}).values_list("pk", flat=True))
                return queryset.filter(**{f"{field.attname}__in": ids}), False
        return super().get_search_results(request, queryset, search_term)

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> ModelT | None:
        field = self.model._meta.pk if from_field is None else self.model._meta.get_field(from_field)
        assert isinstance(field, Field)
        try:
            return (
                self.get_queryset(request)
                .using(partition_of(request))
                .get(**{field.name: field.to_python(object_id)})
            )
        except (ObjectDoesNotExist, ValidationError, ValueError):
            return None
