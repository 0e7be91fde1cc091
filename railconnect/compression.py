"""Brotli or gzip for dynamic HTML and JSON: one middleware, one set of rules.

Static files are not compressed here: WhiteNoise serves their precompressed .br / .gz variants
(made once at build time) and answers before this middleware runs.

A response is compressed when all of these hold:
- its type is text-like (HTML, JSON, CSS, JS, SVG, XML, plain text) and it has no Content-Encoding;
- it is at least COMPRESSION_MIN_BYTES long (streaming responses: always);
- the request has no `x-no-compression` header (an opt-out for clients and debugging, as in the
  reference design);
- it does not mix a secret with reflected input (BREACH): see `mixes_secret_with_input`.
Brotli (quality COMPRESSION_BROTLI_QUALITY) when the client accepts `br`, else gzip through
Django's GZipMiddleware (which also pads the gzip header with random bytes: Django's own
mitigation of length-based attacks). Compressed responses get `Vary: Accept-Encoding` and a weak
ETag, which If-None-Match still matches.

Why not the django-brotli package: it has a fixed 200-byte threshold, no way to skip a response,
ignores `br;q=0`, and decodes streamed bodies as UTF-8 text; the rules above are this project's.
"""

import brotli
from django.conf import settings
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers

from caching.local_lru import MISSING, LocalLRU

COMPRESSIBLE_TYPES = frozenset(
    {
        "text/html",
        "text/plain",
        "text/css",
        "text/javascript",
        "text/xml",
        "application/json",
        "application/javascript",
        "application/manifest+json",
        "application/xml",
        "image/svg+xml",
    }
)


def mark_secret(response):
    """Declare that a response carries a secret other than the CSRF token (a one-time payment
    token, a signed ticket code): it is then treated like a page with a CSRF token."""
    response.contains_secret = True
    return response


def mixes_secret_with_input(request, response):
    """BREACH needs a secret and attacker-chosen text in the same compressed body.

    The secret: the page embeds the CSRF token (Django flags the request when a token is handed
    out: `{% csrf_token %}`, `get_token`) or the view called `mark_secret`. The attacker's text: any
    query string, or a request body (a form posted back with its values). Such responses go out
    uncompressed; they are personal anyway (private, never in a shared cache). A page with a token
    but no input (a plain GET of a form) is compressed: there is nothing to reflect.
    """
    secret = bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE")) or getattr(response, "contains_secret", False)
    if not secret:
        return False
    return bool(request.META.get("QUERY_STRING")) or request.method not in ("GET", "HEAD", "OPTIONS")


def accepted_encoding(header):
    """The coding to use for an Accept-Encoding header: "br", "gzip" or None (identity).

    Honours q-values (`br;q=0` refuses brotli) and `*`; on a tie brotli wins.
    """
    weights = {}
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        weights[name] = q
    star = weights.get("*", 0.0)
    br = weights.get("br", star)
    gzip = weights.get("gzip", weights.get("x-gzip", star))
    if br <= 0 and gzip <= 0:
        return None
    return "br" if br >= gzip else "gzip"


def _media_type(response):
    return response.get("Content-Type", "").split(";", 1)[0].strip().lower()


def _weaken_etag(response):
    etag = response.get("ETag")
    if etag and etag.startswith('"'):
        response.headers["ETag"] = "W/" + etag


def _not_modified(request, response):
    """A 304 has no body to compress, but it must name the representation the client holds: when
    that was a compressed one (its weak ETag came back in If-None-Match), answer with it."""
    etag = response.get("ETag")
    if etag and etag.startswith('"') and f"W/{etag}" in request.META.get("HTTP_IF_NONE_MATCH", ""):
        response.headers["ETag"] = "W/" + etag
        patch_vary_headers(response, ("Accept-Encoding",))
    return response


# Brotli costs more than the rest of a cached page's request put together (0.3 of 0.75 ms,
# measured with cProfile). The same page body is compressed once per process and reused: keyed by
# its ETag, which ConditionalGetMiddleware made from a hash of exactly these bytes.
_compressed_bodies = LocalLRU(max_entries=512)
COMPRESSED_BODY_TTL = 600


def _compress_once(response, quality):
    etag = response.get("ETag")
    key = (etag, quality)
    compressed = _compressed_bodies.get(key) if etag else MISSING
    if compressed is MISSING:
        compressed = brotli.compress(response.content, mode=brotli.MODE_TEXT, quality=quality)
        if etag:
            _compressed_bodies.set(key, compressed, COMPRESSED_BODY_TTL)
    return compressed


class CompressionMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if response.status_code == 304:
            return _not_modified(request, response)
        if response.has_header("Content-Encoding") or _media_type(response) not in COMPRESSIBLE_TYPES:
            return response
        if not response.streaming and len(response.content) < settings.COMPRESSION_MIN_BYTES:
            return response
        if request.META.get("HTTP_X_NO_COMPRESSION") is not None:
            return response
        if mixes_secret_with_input(request, response):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        encoding = accepted_encoding(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        if encoding == "gzip":
            return super().process_response(request, response)
        if encoding == "br":
            return self._brotli(response)
        return response

    def _brotli(self, response):
        quality = settings.COMPRESSION_BROTLI_QUALITY
        if response.streaming:
            if response.is_async:
                response.streaming_content = _abrotli_stream(response.streaming_content, quality)
            else:
                response.streaming_content = _brotli_stream(response.streaming_content, quality)
            del response.headers["Content-Length"]
        else:
            compressed = _compress_once(response, quality)
            if len(compressed) >= len(response.content):
                return response
            response.content = compressed
            response.headers["Content-Length"] = str(len(compressed))
        _weaken_etag(response)
        response.headers["Content-Encoding"] = "br"
        return response


def _brotli_stream(chunks, quality):
    compressor = brotli.Compressor(mode=brotli.MODE_TEXT, quality=quality)
    for chunk in chunks:
        # Flush after each chunk: a streamed page should reach the browser as it is produced.
        data = compressor.process(chunk) + compressor.flush()
        if data:
            yield data
    yield compressor.finish()


async def _abrotli_stream(chunks, quality):
    compressor = brotli.Compressor(mode=brotli.MODE_TEXT, quality=quality)
    async for chunk in chunks:
        data = compressor.process(chunk) + compressor.flush()
        if data:
            yield data
    yield compressor.finish()
