"""Serves image renditions, in production too (WhiteNoise serves static files, not media).

Only renditions are reachable: a strict pattern (key / width . format) and a path joined under
MEDIA_ROOT, so originals, which may still carry EXIF with a GPS position, are never served. A
rendition's URL names its content (see image_pipeline), so it is immutable for a year and
validated by an ETag made from the path without opening the file. The file goes out through
FileResponse (the server's sendfile where it has one). A CDN or a front web server may take over
MEDIA_URL/renditions/ later; nothing else changes.
"""

import os
import re

from django.conf import settings
from django.http import FileResponse, Http404
from django.utils._os import safe_join
from django.utils.http import http_date
from django.views.decorators.http import condition, require_safe

from railconnect.http_caching import immutable

from .image_pipeline import EXTENSIONS, MIME_TYPES, RENDITIONS_DIR

RENDITION_PATH = re.compile(
    rf"^{RENDITIONS_DIR}/(?P<key>[0-9a-f]{{16}})/(?P<width>[0-9]{{1,5}})\.(?P<ext>avif|webp|jpg)$"
)
CONTENT_TYPES = {EXTENSIONS[fmt]: MIME_TYPES[fmt] for fmt in MIME_TYPES}


def _etag(request, path):
    match = RENDITION_PATH.match(path)
    return f"{match['key']}-{match['width']}-{match['ext']}" if match else None


@require_safe
@condition(etag_func=_etag)
def rendition(request, path):
    match = RENDITION_PATH.match(path)
    if not match:
        raise Http404("No such picture.")
    try:
        full_path = safe_join(settings.MEDIA_ROOT, path)
        handle = open(full_path, "rb")
    except (OSError, ValueError):
        raise Http404("No such picture.") from None
    response = FileResponse(handle, content_type=CONTENT_TYPES[match["ext"]])
    response["Last-Modified"] = http_date(os.fstat(handle.fileno()).st_mtime)
    return immutable(response)
