"""Request limits per client, kept in the Django cache (local memory or Redis alike).

Fixed windows: the first request of a client in a window `add`s a counter that expires with the
window, later ones `incr` it (atomic in Redis and in the local-memory cache). With Redis every
worker and app instance shares the count; with the local-memory cache each worker process counts
on its own (the limit then applies per worker). If the cache fails the request is let through: a
limiter must not take the site down with it.

Clients are told apart by IP address (IPv6 by its /64, which one subscriber usually owns), or by
signed-in user where that is fairer (bookings). Behind a reverse proxy set CLIENT_IP_HEADER (e.g.
HTTP_X_REAL_IP) to the header the proxy sets, or every visitor looks like the proxy.

One small mechanism for every limit (login, sign-up, password reset, bookings, RUM) rather than a
library per concern: each is a counter in the cache, and they all answer 429 the same way.
"""

import ipaddress
import logging
import time
from collections.abc import Callable, Collection
from functools import wraps
from typing import Concatenate

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext

from caching.keys import cache_key
from railconnect.json_errors import json_error

logger = logging.getLogger("railconnect.rate_limit")
clock = time.time  # windows follow the wall clock (tests hold it still)


def client_address(request: HttpRequest) -> str:
    header = settings.CLIENT_IP_HEADER
    raw = (request.META.get(header, "") if header else "") or request.META.get("REMOTE_ADDR", "")
    raw = raw.split(",")[0].strip()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return "unknown"
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def signed_in_user_or_address(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    return f"user:{user.pk}" if user is not None and user.is_authenticated else client_address(request)


def _window(window):
    now = clock()
    return int(now // window), max(1, int(window - now % window + 0.999))


def hit(scope, client, limit, window):
    """Count one request; (allowed, seconds until the window resets)."""
    bucket, retry_after = _window(window)
    key = cache_key("ratelimit", scope, client, bucket)
    try:
        if cache.add(key, 1, timeout=window + 1):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=window + 1)
                count = 1
    except Exception:  # noqa: BLE001 - a broken cache must not break the endpoint
        logger.warning("rate limit cache unavailable; request allowed", exc_info=True)
        return True, retry_after
    return (not isinstance(count, int) or count <= limit), retry_after


def count(scope, client, window):
    """How many hits `client` has in the current window, without adding one."""
    bucket, retry_after = _window(window)
    try:
        value = cache.get(cache_key("ratelimit", scope, client, bucket))
    except Exception:  # noqa: BLE001
        return 0, retry_after
    return (value if isinstance(value, int) else 0), retry_after


def too_many_requests(request: HttpRequest, retry_after: int, message: str) -> HttpResponse:
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        return json_error(message, status=429, code="rate_limited", retry_after=retry_after)
    response = render(request, "429.html", {"message": message, "retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


# Q: the view's request type (an AuthenticatedHttpRequest behind a login check) is kept.
def rate_limited[Q: HttpRequest, **P, R: HttpResponseBase](
    scope: str, key: Callable[[HttpRequest], str] = client_address, methods: Collection[str] = ("POST",)
) -> Callable[[Callable[Concatenate[Q, P], R]], Callable[Concatenate[Q, P], R | HttpResponse]]:
    """Limit `methods` requests to settings.RATE_LIMITS[scope] = (requests, seconds) per key."""

    def decorator(
        view: Callable[Concatenate[Q, P], R],
    ) -> Callable[Concatenate[Q, P], R | HttpResponse]:
        @wraps(view)
        def wrapper(request: Q, *args: P.args, **kwargs: P.kwargs) -> R | HttpResponse:
            if request.method in methods:
                limit, window = settings.RATE_LIMITS[scope]
                allowed, retry_after = hit(scope, key(request), limit, window)
                if not allowed:
                    return too_many_requests(
                        request,
                        retry_after,
                        gettext("Too many requests: please wait a moment and try again."),
                    )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
