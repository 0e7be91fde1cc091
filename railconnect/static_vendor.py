"""Browser modules installed from npm, copied into the static source tree before collectstatic.

package.json pins them as dependencies and package-lock.json locks them; `npm ci --omit=dev` (run by
`make run` / `make test` through the Makefile's node_modules/.runtime-installed step) puts them in
node_modules/. STATIC_VENDOR_FILES maps a static name (under static/, e.g.
vendor/web-vitals.attribution.js) to its file in node_modules/; `manage.py build_static` copies each
one there first, so it is built exactly like the site's own files: a content-hashed name, .br/.gz
variants, a year's immutable caching, and a new name when the locked version changes. Nothing is
fetched at run time. static/vendor/ is ignored by git: it is a build output. Source maps are not
published (build_static leaves *.map out), so the `sourceMappingURL` comment pointing at one is
dropped from the copy.
"""

import os
import re
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

# `//# sourceMappingURL=...` (JS) or `/*# sourceMappingURL=... */` (CSS), on a line of its own.
_SOURCE_MAP_COMMENT = re.compile(rb"^\s*(//|/\*)# sourceMappingURL=\S*(\s*\*/)?\s*$\n?", re.MULTILINE)


def vendor_static_files():
    """Copy every STATIC_VENDOR_FILES entry into static/; returns the names that changed."""
    changed = []
    static_root = Path(settings.BASE_DIR) / "static"
    for name, source in getattr(settings, "STATIC_VENDOR_FILES", {}).items():
        source = Path(settings.BASE_DIR) / source
        if not source.is_file():
            raise CommandError(
                f"{source} is missing: install the locked npm packages first (`npm ci`, which `make` runs)"
            )
        target = static_root / name
        content = _SOURCE_MAP_COMMENT.sub(b"", source.read_bytes())
        if target.is_file() and target.read_bytes() == content:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed, so a concurrent build never reads half a file.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
        changed.append(name)
    return changed
