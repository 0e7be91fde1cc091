"""A per-client request limit kept in the Django cache (local memory or Redis alike).

Fixed windows: the first request of a client in a window `add`s a counter that expires with the
window, later ones `incr` it (atomic in Redis and in the local-memory cache). With Redis every
worker and app instance shares the count; with the local-memory cache each worker process counts
on its own (the limit then applies per worker). If the cache fails the request is let through: a
limiter must not take the endpoint down with it.

Clients are told apart by IP address (IPv6 by its /64, which one subscriber usually owns). Behind
a reverse proxy set CLIENT_IP_HEADER (e.g. HTTP_X_REAL_IP) to the header the proxy sets, or every
visitor looks like the proxy.
"""

import ipaddress
import logging
import time

from django.conf import settings
from django.core.cache import cache

from railconnect.cache_keys import cache_key

logger = logging.getLogger("railconnect.rate_limit")


def client_address(request):
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


def hit(scope, client, limit, window):
    """Count one request; (allowed, seconds until the window resets)."""
    now = time.time()
    bucket = int(now // window)
    retry_after = max(1, int(window - now % window + 0.999))
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
