"""Inventory partitioned by train over several PostgreSQL primaries, as the PRS keeps each train in
one of its regional centres (issue 16; docs/partitioning.md).

- **Which rows are partitioned**: a train's inventories, its booking queue, its bookings and their
  passengers, their payments and refunds (and the dashboard's statistics view over those bookings)
  live on the primary that owns the train: `PARTITIONED` below. Everything else (accounts,
  sessions, tasks, the timetable, refund rules, quota shares) is global, on "default" only.
  "default" is also the first partition, so with one database (no DATABASE_PARTITION_URLS)
  nothing changes.
- **Which train lives where** is data: one global `TrainPartition` row per train, written the first
  time the train is booked (`train id mod the number of partitions`, or set by hand in the admin
  before that) and never changed afterwards by the site (moving a train means moving its rows:
  an offline job). Each process caches the rows it has read: they never change.
- **A PNR names its partition by its first digit**, as real PNRs name their PRS centre: partition k
  (0-based, in DATABASE_PARTITIONS order) draws first digits d with (d - 1) mod n == k, so a PNR
  lookup asks one database. With one database every digit 1-9 is drawn, as before. A PNR not found
  where its digit points (made before a partition was added) is looked for on the others.
- **No transaction spans two databases**: every write path works on the one partition of its train
  (`pinned(alias)` routes the partitioned models' queries there, `transaction.atomic(using=alias)`
  makes the transaction). Reads of global data (timetable, refund rules) inside it are plain
  autocommit reads on "default"; notifications and tasks are enqueued after the partition's
  commit (`transaction.on_commit(..., using=alias)`).
- **References from partitioned rows to global ones** are ids without foreign-key constraints
  (`db_constraint=False`); no query joins across databases: `with_journey_objects` reads the
  trains and stations of bookings on another partition from "default".
"""

import contextvars
import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, overload

from django.conf import settings
from django.db import models

from railconnect import replicas

if TYPE_CHECKING:
    from .models import Booking

# app_label.model_name of every partitioned model.
PARTITIONED = frozenset(
    {
        "booking.inventory",
        "booking.queuedbookingrequest",
        "booking.booking",
        "booking.bookingpassenger",
        "payments.payment",
        "payments.refund",
        "dashboard.usertravelstats",
    }
)
DEFAULT = "default"
REPLICA = replicas.REPLICA  # a streaming copy of "default" (railconnect/replicas.py), never a partition

_pinned: contextvars.ContextVar[str | None] = contextvars.ContextVar("booking_partition", default=None)
_train_partitions: dict[int, str] = {}


def aliases() -> tuple[str, ...]:
    """Every partition's database alias, "default" first."""
    partitions: tuple[str, ...] = settings.DATABASE_PARTITIONS
    return partitions


def is_partitioned_model(model: type[models.Model]) -> bool:
    return model._meta.label_lower in PARTITIONED


def _is_partitioned_row(instance: object) -> bool:
    # getattr: the instance may be a lazy proxy (request.user), whose type has no _meta.
    meta = getattr(instance, "_meta", None)
    return meta is not None and meta.label_lower in PARTITIONED


@contextmanager
def pinned(alias: str) -> Iterator[str]:
    """Route the partitioned models' queries that name no database to partition `alias` while the
    block runs (this thread or task only). The write paths of one train run inside one."""
    if alias not in aliases():
        raise ValueError(f"{alias!r} is not an inventory partition")
    token = _pinned.set(alias)
    try:
        yield alias
    finally:
        _pinned.reset(token)


def home(row: models.Model) -> str:
    """The partition a row belongs to: where it was read from, "default" for the replica's rows
    (a copy of "default") and for unsaved ones."""
    db = row._state.db
    return db if db in aliases() else DEFAULT


def current() -> str:
    """The partition pinned by the innermost `pinned` block, else "default"."""
    return _pinned.get() or DEFAULT


# --- The train -> partition mapping (data) ----------------------------------------------------


def database_for(*, train_id: int, assign: bool = True) -> str:
    """The alias of the primary holding train `train_id`'s inventories, queue, bookings and payments.

    A train not yet mapped is given its partition here (`assign`: the booking path) or, for a read
    (`assign=False`: availability), answered by the rule without writing: nothing of it exists
    anywhere yet, and the first booking writes the same choice."""
    partitions = aliases()
    if len(partitions) == 1:
        return DEFAULT
    known = _train_partitions.get(train_id)
    if known is not None:
        return known
    from .models import TrainPartition  # models import this module's constants

    rows = TrainPartition.objects.using(DEFAULT).filter(train_id=train_id)
    alias = rows.values_list("database", flat=True).first()
    if alias is None and not assign:
        return partitions[train_id % len(partitions)]
    if alias is None:
        # First use: the rule's choice, written once (a concurrent first use writes the same).
        TrainPartition.objects.using(DEFAULT).bulk_create(
            [TrainPartition(train_id=train_id, database=partitions[train_id % len(partitions)])],
            ignore_conflicts=True,
        )
        alias = rows.values_list("database", flat=True).get()
    if alias not in partitions:
        raise LookupError(f"train {train_id} is on partition {alias!r}, which DATABASE_PARTITIONS lacks")
    _train_partitions[train_id] = alias
    return alias


def forget_train_partitions() -> None:
    """Drop this process's cache of the mapping (tests that rewrite it)."""
    _train_partitions.clear()


# --- PNRs name their partition ------------------------------------------------------------------


def pnr_first_digits(alias: str) -> tuple[int, ...]:
    """The first digits of the PNRs made on partition `alias`."""
    partitions = aliases()
    index = partitions.index(alias)
    return tuple(digit for digit in range(1, 10) if (digit - 1) % len(partitions) == index)


def partition_of_pnr(pnr: str) -> str:
    """The partition a PNR was made on (by its first digit); "default" for anything else."""
    partitions = aliases()
    # ASCII 1-9 only: str.isdigit() also takes "²", which int() refuses (a 500 on /pnr/², found by
    # tests/test_fuzz_api.py), and a PNR is made of ASCII digits (new_pnr).
    first = pnr[:1]
    if not first or first not in "123456789":
        return DEFAULT
    return partitions[(int(first) - 1) % len(partitions)]


def lookup_order(pnr: str) -> list[str]:
    """Where to look for a PNR: its partition first, then the others (PNRs made before a partition
    was added may carry another partition's digit)."""
    first = partition_of_pnr(pnr)
    return [first, *(alias for alias in aliases() if alias != first)]


def first_found[M: models.Model](query: Callable[[str], models.QuerySet[M]], pnr: str) -> M | None:
    """The first row `query(alias)` finds, asking the PNR's own partition first (one query with one
    database, or when the PNR is where its digit says)."""
    for alias in lookup_order(pnr):
        row = query(alias).first()
        if row is not None:
            return row
    return None


# --- Reading across partitions ------------------------------------------------------------------

JOURNEY_OBJECTS = ("train", "board_station", "alight_station")


def with_journey_objects[M: models.Model](queryset: models.QuerySet[M], *fields: str) -> models.QuerySet[M]:
    """`queryset` joined to its global rows (train, stations) when it reads "default", where they
    live too (one query, as before partitioning). On another partition no join is possible: call
    `attach_journey_objects` on the rows read."""
    if queryset.db in (DEFAULT, REPLICA):
        return queryset.select_related(*(fields or JOURNEY_OBJECTS))
    return queryset


def attach_journey_objects(rows: Sequence[Any], *, fields: Iterable[str] = JOURNEY_OBJECTS) -> None:
    """Give rows read from a partition other than "default" their global train and stations, read
    from "default" in one query per model (rows read from "default" have them joined already)."""
    from timetable.models import Station, Train

    remote = [row for row in rows if row._state.db not in (None, DEFAULT, REPLICA)]
    if not remote:
        return
    fields = tuple(fields)
    models_of = {"train": Train, "board_station": Station, "alight_station": Station}
    wanted: dict[type[models.Model], set[int]] = {}
    for name in fields:
        wanted.setdefault(models_of[name], set()).update(getattr(row, f"{name}_id") for row in remote)
    found = {model: model._default_manager.using(DEFAULT).in_bulk(list(ids)) for model, ids in wanted.items()}
    for row in remote:
        for name in fields:
            field = type(row)._meta.get_field(name)
            field.set_cached_value(row, found[models_of[name]].get(getattr(row, f"{name}_id")))


# --- The router -----------------------------------------------------------------------------------


class PartitionRouter:
    """Partitioned models go to the partition of the row at hand (an instance hint), else to the
    pinned partition, else "default". A global model asked for through a partitioned row (a
    booking's train or user) goes to "default", never to the partition the row came from, which has
    no such table. Other global models: no opinion (the replica router, or "default")."""

    def _route(self, model: type[models.Model], read: bool, **hints: Any) -> str | None:
        instance = hints.get("instance")
        db = getattr(getattr(instance, "_state", None), "db", None)
        if is_partitioned_model(model):
            if (
                db is not None
                and (db in aliases() or (read and db == REPLICA))
                and _is_partitioned_row(instance)
            ):
                return str(db)  # from where its row came (a replica's rows are "default"'s)
            pinned = _pinned.get()
            if pinned is not None or not read:
                return pinned or DEFAULT
            # A read of "default"'s rows outside any write path: the replica when it may serve it
            # (railconnect/replicas.py decides; "default" otherwise, and always inside a transaction).
            return replicas.read_alias(DEFAULT)
        if db is not None and db != DEFAULT and db in aliases():
            return DEFAULT
        return None

    def db_for_read(self, model: type[models.Model], **hints: Any) -> str | None:
        return self._route(model, True, **hints)

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str | None:
        return self._route(model, False, **hints)

    def allow_relation(self, obj1: models.Model, obj2: models.Model, **hints: Any) -> bool | None:
        first, second = _is_partitioned_row(obj1), _is_partitioned_row(obj2)
        if first and second:
            return obj1._state.db == obj2._state.db or None in (obj1._state.db, obj2._state.db)
        if first or second:
            return True  # a partitioned row refers to a global one by id (no constraint, no join)
        return None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        """Partitioned models on every partition (default included), global ones on "default" only.
        RunPython and RunSQL operations name their model in their hints (model_name) when they
        touch a partitioned one; without it they are global. Aliases that are no partition (the
        replica): no opinion here."""
        if db not in aliases():
            return None
        name = model_name or hints.get("model_name")
        if name is not None and f"{app_label}.{name}".lower() in PARTITIONED:
            return True
        return db == DEFAULT


# --- Finding one booking or request -------------------------------------------------------------


def find_booking(
    pnr: str,
    narrow: Callable[[models.QuerySet[Any]], models.QuerySet[Any]] = lambda rows: rows,
    *,
    related: Sequence[str] = JOURNEY_OBJECTS,
) -> "Booking | None":
    """The booking with PNR `pnr` (narrowed by `narrow`, e.g. to one passenger's) on whichever
    partition holds it, with its `related` global rows (train, stations), or None. One query when
    the booking is on "default"; on another partition, one more per global model."""
    from .models import Booking, with_pnr

    # read_alias: the replica instead of "default" for a read-only public page when it may serve it.
    booking = first_found(
        lambda alias: narrow(
            with_journey_objects(with_pnr(Booking.objects.using(replicas.read_alias(alias)), pnr), *related)
        ),
        pnr,
    )
    if booking is not None and related:
        attach_journey_objects([booking], fields=related)
    return booking


# A queued request's number in its URL: its id with one database; with several, its id and its
# partition's index in the last decimal digit (ids are per database, so they alone could collide).
def public_request_id(pk: int, alias: str) -> int:
    partitions = aliases()
    return pk if len(partitions) == 1 else pk * 10 + partitions.index(alias)


def request_location(public_id: int) -> tuple[int, str] | None:
    """(id, partition) of a request's public number, or None when it names no partition."""
    partitions = aliases()
    if len(partitions) == 1:
        return public_id, DEFAULT
    index = public_id % 10
    return (public_id // 10, partitions[index]) if index < len(partitions) else None


class Merged[T: models.Model]:
    """One ordered list over the same query on every partition, for Paginator and slicing: count()
    is one COUNT per partition; a slice [start:stop] reads the first `stop` rows of each partition
    in the query's own order (an index scan each) and merges them by `key`. With one database it is
    exactly the query itself: one COUNT, one slice."""

    def __init__(
        self,
        query: Callable[[str], models.QuerySet[T]],
        *,
        key: Callable[[T], Any],
        reverse: bool = False,
        related: Sequence[str] = (),
    ) -> None:
        self.querysets = [query(alias) for alias in aliases()]
        self.key, self.reverse, self.related = key, reverse, tuple(related)

    def count(self) -> int:
        return sum(queryset.count() for queryset in self.querysets)

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[T]:
        return iter(self[0 : self.count()])

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        if index.step not in (None, 1) or index.stop is None:
            raise TypeError("Merged supports slices [start:stop] only")
        start = index.start or 0
        if len(self.querysets) == 1:
            rows = list(self.querysets[0][start : index.stop])
        else:
            runs = [list(queryset[: index.stop]) for queryset in self.querysets]
            rows = list(heapq.merge(*runs, key=self.key, reverse=self.reverse))[start : index.stop]
        if self.related:
            attach_journey_objects(rows, fields=self.related)
        return rows
