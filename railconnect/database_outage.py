"""A database outage answers 503 with a clear page (JSON under /api/), never a 500, and says so
in the log once per interval rather than once per request.

While PostgreSQL is unreachable (restarting, failing over, overloaded), a request that needs it
raises OperationalError or InterfaceError, or waits DATABASE_POOL_TIMEOUT seconds for a pooled
connection and gets psycopg_pool's PoolTimeout (Django re-raises it as OperationalError). Two
pieces turn those into `503 Service Unavailable` with `Retry-After: DATABASE_OUTAGE_RETRY_AFTER`:

- `DatabaseOutageMiddleware.process_exception`, for errors raised by a view (most of them);
- `server_error`, the site's `handler500`, for errors raised in a middleware (a session saved,
  `request.user` first read by the cache policy...). Django calls it while handling the
  exception, so it can look at `sys.exc_info()`.

Both act with DEBUG off only, like any handler500: with DEBUG on, a developer sees Django's debug
page (an SQLite "no such table" is an OperationalError too, and deserves its traceback).

The site recovers by itself: the pool checks each connection before lending it
(`check=ConnectionPool.check_connection` in settings.DATABASES) and keeps reconnecting in the
background. The first outage response logs an error; later ones are counted and summarised at
most once per DATABASE_OUTAGE_LOG_INTERVAL; the first request that uses the database again after
an outage logs a warning with its length. All of it is per worker process.
"""

import logging
import sys
import threading
import time

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http.response import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

from railconnect.json_errors import json_error

try:  # psycopg 3 (PostgreSQL); absent on an SQLite-only install.
    import psycopg
    from psycopg_pool import PoolTimeout
except ImportError:  # pragma: no cover
    OUTAGE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
else:
    OUTAGE_ERRORS = (
        OperationalError,
        InterfaceError,
        PoolTimeout,
        psycopg.OperationalError,
        psycopg.InterfaceError,
    )

logger = logging.getLogger("railconnect.database")

MESSAGE = "The service is temporarily unavailable: our database is not answering. Please try again shortly."


def outage_error(exception):
    """The database outage error behind `exception` (itself or what caused it), or None."""
    seen = 0
    while exception is not None and seen < 5:
        if isinstance(exception, OUTAGE_ERRORS):
            return exception
        if isinstance(exception, DatabaseError):
            return None  # IntegrityError, DataError...: a bug or bad data, not an outage
        exception = exception.__cause__ or exception.__context__
        seen += 1
    return None


class OutageLog:
    """Rate-limited log lines for one process: when an outage starts, while it lasts, when it ends."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        self.down_since = None
        self.last_logged = 0.0
        self.unlogged = 0
        self.answered = 0

    @property
    def is_down(self):
        return self.down_since is not None

    def failed(self, error, request):
        now = time.monotonic()
        with self._lock:
            self.answered += 1
            if self.down_since is None:
                self.down_since = now
            if self.last_logged and now - self.last_logged < settings.DATABASE_OUTAGE_LOG_INTERVAL:
                self.unlogged += 1
                return
            first = not self.last_logged
            self.last_logged = now
            suppressed, self.unlogged = self.unlogged, 0
        if first:
            logger.error(
                "Database unavailable (%s: %s) on %s %s; answering 503 until it is back",
                type(error).__name__,
                str(error).strip(),
                request.method,
                request.path,
            )
        else:
            logger.error(
                "Database still unavailable after %.0f s (%s: %s); %d more 503 responses since the "
                "last report",
                now - self.down_since,
                type(error).__name__,
                str(error).strip(),
                suppressed,
            )

    def succeeded(self):
        if self.down_since is None:
            return
        with self._lock:
            if self.down_since is None:
                return
            down_for, answered = time.monotonic() - self.down_since, self.answered
            self.reset()
        logger.warning(
            "Database is back after %.1f s; %d requests were answered 503 meanwhile", down_for, answered
        )


outage_log = OutageLog()


def wants_json(request):
    return request.path.startswith("/api/") or request.content_type == "application/json"


def outage_response(request, error):
    """The 503 for a request that failed because the database is unavailable."""
    from django.contrib.auth.models import AnonymousUser

    outage_log.failed(error, request)
    # A user that could not be loaded would be tried again (and waited for again) by the next
    # middleware that asks, e.g. the cache policy's "is this page personal?".
    request.user = AnonymousUser()
    retry_after = settings.DATABASE_OUTAGE_RETRY_AFTER
    if wants_json(request):
        response = json_error(MESSAGE, status=503, code="database_unavailable", retry_after=retry_after)
    else:
        # Rendered without the request: the usual context (the signed-in user, the CSRF token)
        # would read the session and the user, which may need the very database that is down.
        response = HttpResponse(render_to_string("503.html", {"retry_after": retry_after}), status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    # Logged above, at most once per interval: not again by django.request, with a traceback.
    response._has_been_logged = True
    return response


class DatabaseOutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            outage_log.is_down
            and response.status_code != 503
            and connections["default"].connection is not None
        ):
            # This request used the database (its pooled connection goes back at request end).
            outage_log.succeeded()
        return response

    def process_exception(self, request, exception):
        error = None if settings.DEBUG else outage_error(exception)
        if error is None:
            return None
        return outage_response(request, error)


def server_error(request, template_name="500.html"):
    """handler500: a 503 when the exception being handled is a database outage, else Django's 500."""
    error = outage_error(sys.exc_info()[1])
    if error is not None:
        return outage_response(request, error)
    return defaults.server_error(request, template_name=template_name)
