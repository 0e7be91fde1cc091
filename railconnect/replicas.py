"""Reads from a PostgreSQL streaming replica, honestly: only where staleness cannot mislead anybody.

With DATABASE_REPLICA_URL set (settings: the "replica" alias) the read-only public pages
(settings.REPLICA_READ_ROUTES: search, schedules, availability, PNR status, the stations API...)
read the models of settings.REPLICA_READ_APPS from the replica; every other page, every write,
every read inside a transaction, and every model outside those apps (accounts, sessions, login
protection, tasks) stays on the primary. Without a replica nothing here does anything.

A request reads the replica only when all of these hold (decided once, before its view runs):

- the replica is fit: its health, checked by each process at most every REPLICA_HEALTH_SECONDS,
  says it is up, in recovery (a replica, not a promoted server), and at most REPLICA_MAX_LAG_SECONDS
  behind the primary;
- read-your-writes: the passenger has no change the replica has not replayed yet. A response to
  a request that wrote to the primary (a booking, a payment, a cancellation, a queued booking
  allocated by its status poll...) carries a cookie (rc_written) with the primary's WAL position
  after the write (pg_current_wal_lsn()); until the replica's replay position (pg_last_wal_replay_lsn())
  has reached it, that browser's pages read the primary. The cookie lasts
  REPLICA_READ_YOUR_WRITES_SECONDS, longer than the lag threshold, so by the time it is gone the
  replica has either replayed the write or is too far behind to be read at all.

And when the replica fails anyway, the passenger does not see it: a database error on a request
that read the replica marks it down in this process and runs the page again on the primary (it
is a GET: safe to repeat), and a 404 from the replica (a booking made on another device a moment
ago, say) is asked of the primary too. A replica that does not answer costs at most
REPLICA_CONNECT_TIMEOUT to the one request that checks its health, never seconds.

Lag: each health check reads the primary's current position, then the replica's replay
position. When the replica has replayed everything the primary had, the lag is 0 (not the age of
its last replayed transaction, which grows on an idle primary without the replica being behind).
Otherwise it is the smaller of two upper bounds: the time since this process last saw the primary
at a position the replica has replayed, and the age of the last transaction the replica replayed
(pg_last_xact_replay_timestamp()). So it grows by wall-clock time while replay is paused or the
replica is cut off and the primary moves on.

Metrics: railconnect_db_replica_lag_seconds (gauge, the highest over live processes; +Inf while
the replica is down) and
railconnect_db_replica_fallbacks_total{reason} (down, lag, read_your_writes, error, not_found):
requests for replica-eligible pages that read the primary instead, and why.

The seam for inventory partitions (booking.admission.database_for): `read_alias(primary)` is
"replica" only for the main primary ("default"); a partition's reads stay on its own primary.
"""

import collections
import contextvars
import logging
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter, Gauge

from railconnect.database_outage import outage_error

DEFAULT = "default"
REPLICA = "replica"
# The browser's last write: the primary's WAL position after it, as one hex number ("3000148" for
# PostgreSQL's "0/3000148": a "/" would make the cookie value quoted).
WRITTEN_COOKIE = "rc_written"
COOKIE_LSN_PATTERN = re.compile(r"^[0-9A-Fa-f]{1,16}$")
SAFE_METHODS = frozenset({"GET", "HEAD"})
WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "MERGE")
LSN_PATTERN = re.compile(r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$")

logger = logging.getLogger("railconnect.replicas")

REPLICA_LAG = Gauge(
    "railconnect_db_replica_lag_seconds",
    "How far the read replica is behind the primary (s), at the last health check",
    multiprocess_mode="livemax",
)
REPLICA_FALLBACKS = Counter(
    "railconnect_db_replica_fallbacks",
    "Requests for replica-eligible pages answered from the primary instead, by reason",
    ["reason"],
)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def parse_lsn(text: str | None) -> int | None:
    """A PostgreSQL WAL position ("16/B374D848") as a number, or None."""
    match = LSN_PATTERN.match(text or "")
    if match is None:
        return None
    return (int(match.group(1), 16) << 32) | int(match.group(2), 16)


def format_lsn(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def parse_cookie_lsn(text: str | None) -> int | None:
    """The WAL position of the read-your-writes cookie, or None (absent or not a position)."""
    if not text or COOKIE_LSN_PATTERN.match(text) is None:
        return None
    return int(text, 16)


# --- Health of the replica, per process ----------------------------------------------------------


@dataclass(frozen=True)
class ReplicaHealth:
    up: bool
    # The replica's replay position (0 when down) and its lag behind the primary (s; inf: unknown).
    replay_lsn: int = 0
    lag_seconds: float = math.inf
    # Why it is not fit ("down", "lag"), or "" when it may be read.
    reason: str = "down"

    @property
    def fit(self) -> bool:
        return not self.reason


def _current_primary_lsn() -> int | None:
    """The primary's WAL position now, or None when it cannot be read."""
    try:
        with connections[DEFAULT].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            row = cursor.fetchone()
    except Exception as error:  # noqa: BLE001  the primary's outage is reported where it matters
        logger.debug("primary WAL position unavailable: %s", error)
        return None
    return parse_lsn(row[0] if row else None)


class ReplicaMonitor:
    """The replica's health as this process last saw it; refreshed at most every
    REPLICA_HEALTH_SECONDS by one request at a time (the others use the previous verdict)."""

    def __init__(self, alias: str = REPLICA) -> None:
        self.alias = alias
        self._lock = threading.Lock()
        self._health: ReplicaHealth | None = None
        self._checked_at = -math.inf
        # (monotonic time, primary position) seen by health checks: the latest one at or below the
        # replica's replay position dates the replica's data.
        self._samples: collections.deque[tuple[float, int]] = collections.deque(maxlen=1000)

    def health(self) -> ReplicaHealth:
        health = self._health
        if health is None:
            with self._lock:
                if self._health is None:
                    self._refresh()
        elif time.monotonic() - self._checked_at >= settings.REPLICA_HEALTH_SECONDS:
            if self._lock.acquire(blocking=False):
                try:
                    self._refresh()
                finally:
                    self._lock.release()
        assert self._health is not None
        return self._health

    def mark_down(self) -> None:
        """A request just failed on the replica: nobody here reads it until the next check."""
        self._health = ReplicaHealth(up=False)
        self._checked_at = time.monotonic()
        REPLICA_LAG.set(math.inf)

    def _refresh(self) -> None:
        self._health = self.check()
        self._checked_at = time.monotonic()
        # A replica that is down or cannot be measured is infinitely behind (+Inf).
        REPLICA_LAG.set(self._health.lag_seconds if self._health.up else math.inf)

    def check(self) -> ReplicaHealth:
        sampled_at = time.monotonic()
        primary_lsn = _current_primary_lsn()
        try:
            with connections[self.alias].cursor() as cursor:
                cursor.execute(
                    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
                    "pg_last_wal_receive_lsn()::text, "
                    "extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8"
                )
                row = cursor.fetchone()
        except Exception as error:  # noqa: BLE001  any failure to ask means: do not read it
            if self._health is None or self._health.up:
                logger.warning(
                    "read replica unavailable (%s: %s): reading the primary", type(error).__name__, error
                )
            self.close_connection()
            return ReplicaHealth(up=False)
        in_recovery, replay_text, receive_text, replay_age = row if row else (False, None, None, None)
        replay_lsn = parse_lsn(replay_text)
        if not in_recovery or replay_lsn is None:
            logger.warning(
                "the database at alias %r is not a streaming replica: reading the primary", self.alias
            )
            return ReplicaHealth(up=False)
        lag = self._lag(
            sampled_at=sampled_at,
            primary_lsn=primary_lsn,
            replay_lsn=replay_lsn,
            receive_lsn=parse_lsn(receive_text),
            replay_age=replay_age,
        )
        if self._health is not None and not self._health.up:
            logger.warning("read replica is back (lag %.2f s)", lag)
        reason = "" if lag <= settings.REPLICA_MAX_LAG_SECONDS else "lag"
        return ReplicaHealth(up=True, replay_lsn=replay_lsn, lag_seconds=lag, reason=reason)

    def _lag(
        self,
        *,
        sampled_at: float,
        primary_lsn: int | None,
        replay_lsn: int,
        receive_lsn: int | None,
        replay_age: float | None,
    ) -> float:
        if primary_lsn is None:
            # The primary cannot be asked: the replica's own view (caught up with what it received?).
            if receive_lsn is not None and receive_lsn <= replay_lsn:
                return 0.0
            return float(replay_age) if replay_age is not None else math.inf
        self._samples.append((sampled_at, primary_lsn))
        if replay_lsn >= primary_lsn:
            self._samples.clear()
            self._samples.append((sampled_at, primary_lsn))
            return 0.0
        # Two upper bounds of the staleness, the smaller one wins. (1) The latest moment this
        # process saw the primary at a position the replica has replayed (coarse when this process
        # has not checked for a while). (2) The age of the last transaction the replica replayed
        # (coarse after the primary was idle). Keep that latest sample and the later ones.
        while len(self._samples) >= 2 and self._samples[1][1] <= replay_lsn:
            self._samples.popleft()
        oldest_time, oldest_lsn = self._samples[0]
        bound = time.monotonic() - oldest_time if oldest_lsn <= replay_lsn else math.inf
        if replay_age is not None:
            bound = min(bound, float(replay_age))
        return max(0.0, bound)

    def close_connection(self) -> None:
        try:
            connections[self.alias].close()
        except Exception:  # noqa: BLE001, S110  a broken connection that will not even close
            pass


monitor = ReplicaMonitor()


# --- Per request: may it read the replica, and did it -------------------------------------------


@dataclass
class RequestReads:
    # This request is a read-only public page and the replica is fit for this passenger.
    eligible: bool = False
    # It read the replica (a 404 or a database error is then asked of the primary).
    used: bool = False
    # Asked of the primary after the replica failed it: never the replica again.
    primary_only: bool = False


_request_reads: contextvars.ContextVar[RequestReads | None] = contextvars.ContextVar(
    "replica_request_reads", default=None
)


def read_alias(primary: str) -> str:
    """The alias to read from for data whose primary is `primary`: "replica" when `primary` is the
    main primary, this request is a read-only public page, its passenger has no write the replica
    has not replayed, and the replica is up and not lagging; otherwise `primary`. Reads inside a
    transaction always go to the primary (they must see the transaction's own writes and locks)."""
    if primary != DEFAULT:
        return primary
    reads = _request_reads.get()
    if reads is None or not reads.eligible or reads.primary_only:
        return primary
    if connections[DEFAULT].in_atomic_block:
        return primary
    reads.used = True
    return REPLICA


class ReplicaRouter:
    """Django database router: the replica-eligible apps' reads through read_alias; nothing migrates
    on the replica (it is a copy of the primary, migrated there)."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if model._meta.app_label not in settings.REPLICA_READ_APPS:
            return None
        instance = hints.get("instance")
        if instance is not None and getattr(instance._state, "db", None):
            return None  # related objects come from where their instance came from
        alias = read_alias(DEFAULT)
        return alias if alias != DEFAULT else None

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # Rows read from the replica are the primary's rows: relating them is fine.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if db == REPLICA:
            return False
        return None


def _written_lsn(request: HttpRequest) -> int | None:
    return parse_cookie_lsn(request.COOKIES.get(WRITTEN_COOKIE))


class ReplicaReadsMiddleware:
    """Decides, before each view, whether the request may read the replica (read_alias), retries on
    the primary what the replica failed, and remembers each browser's last write (read-your-writes)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_configured():
            return self.get_response(request)
        reads = RequestReads()
        token = _request_reads.set(reads)
        wrote: list[bool] = []
        try:
            with connections[DEFAULT].execute_wrapper(_WriteSpotter(wrote)):
                response = self.get_response(request)
                if reads.used and response.status_code == 404 and not reads.primary_only:
                    # Made a moment ago on another device, perhaps: the primary has the last word.
                    REPLICA_FALLBACKS.labels("not_found").inc()
                    reads.primary_only = True
                    response = self.get_response(request)
            if wrote:
                self._remember_write(response)
        finally:
            _request_reads.reset(token)
        return response

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        reads = _request_reads.get()
        if reads is None or reads.primary_only or request.method not in SAFE_METHODS:
            return None
        match = request.resolver_match
        if match is None or match.view_name not in settings.REPLICA_READ_ROUTES:
            return None
        health = monitor.health()
        if not health.fit:
            REPLICA_FALLBACKS.labels(health.reason).inc()
            return None
        written = _written_lsn(request)
        if written is not None and written > health.replay_lsn:
            REPLICA_FALLBACKS.labels("read_your_writes").inc()
            return None
        reads.eligible = True
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        reads = _request_reads.get()
        if reads is None or not reads.used or reads.primary_only:
            return None
        if outage_error(exception) is None and not isinstance(exception, DatabaseError):
            return None
        logger.warning(
            "read replica failed %s %s (%s: %s): answering from the primary",
            request.method,
            request.path,
            type(exception).__name__,
            exception,
        )
        monitor.mark_down()
        monitor.close_connection()
        REPLICA_FALLBACKS.labels("error").inc()
        reads.primary_only = True
        # The whole inner chain again (a GET: safe to repeat), now on the primary only.
        return self.get_response(request)

    def _remember_write(self, response: HttpResponse) -> None:
        lsn = _current_primary_lsn()
        if lsn is None:
            return
        response.set_cookie(
            WRITTEN_COOKIE,
            f"{lsn:X}",
            max_age=settings.REPLICA_READ_YOUR_WRITES_SECONDS,
            secure=settings.HTTPS,
            httponly=True,
            samesite="Lax",
        )


class _WriteSpotter:
    """Execute wrapper on the primary's connection: notes that the request wrote something."""

    def __init__(self, wrote: list[bool]) -> None:
        self.wrote = wrote

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if not self.wrote and sql.lstrip()[:6].upper().startswith(WRITE_STATEMENTS):
            self.wrote.append(True)
        return execute(sql, params, many, context)
