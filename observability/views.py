"""GET /metrics: the Prometheus exposition (observability/metrics.py), for the monitoring system only.

Allowed when either holds:
- the request carries `Authorization: Bearer <METRICS_TOKEN>` (when METRICS_TOKEN is set);
- it comes straight from an address in METRICS_ALLOWED_NETWORKS (default: loopback and private
  ranges) with no proxy header (X-Forwarded-For, X-Real-IP, Forwarded). A request relayed by a
  reverse proxy arrives from the proxy's address, so it must use the token.
Everyone else gets 403. METRICS_ENABLED=0 turns the endpoint off (404).
"""

import hmac
import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.views.decorators.http import require_safe
from prometheus_client.exposition import choose_encoder

from railconnect.http_caching import no_store

from .metrics import exposition_registry, update_pool_metrics

PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


@lru_cache(maxsize=4)
def _networks(spec):
    return tuple(ipaddress.ip_network(network, strict=False) for network in spec)


def allowed(request):
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return True
    if any(request.META.get(header) for header in PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    address = getattr(address, "ipv4_mapped", None) or address
    return any(address in network for network in _networks(tuple(settings.METRICS_ALLOWED_NETWORKS)))


@require_safe
@no_store
def metrics(request):
    if not settings.METRICS_ENABLED:
        raise Http404
    if not allowed(request):
        return HttpResponseForbidden("forbidden\n", content_type="text/plain")
    update_pool_metrics(force=True)
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encoder(exposition_registry()), content_type=content_type)
