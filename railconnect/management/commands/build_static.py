"""Build the static files the way production serves them, in three steps (after copying the
npm-installed browser modules of STATIC_VENDOR_FILES into static/vendor/: railconnect/static_vendor.py):

1. collectstatic: copies into STATIC_ROOT under content-hashed names (ES module specifiers
   rewritten too) with .br and .gz variants (railconnect.static_storage);
2. compress: django-compressor renders every {% compress %} block ahead of time (offline) into
   STATIC_ROOT/CACHE/ (files named by a hash of their content) plus its manifest;
3. precompress compressor's CACHE/ output (.br, .gz), which collectstatic did not see.

Source maps (*.map) are never collected: they publish the unminified sources. Any left in STATIC_ROOT
by an earlier build are deleted, since WhiteNoise serves whatever the folder holds.

Before all that, the message catalogues are compiled (railconnect/catalogues.py).

Then WhiteNoise, reading STATIC_ROOT at start-up, serves all of it with a year's immutable
caching. `make static` runs this; so do the browser and budget tests (into a temporary folder).
"""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from whitenoise.compress import Compressor

from railconnect.catalogues import compile_catalogues
from railconnect.static_vendor import vendor_static_files

# A source map and its precompressed variants (also under a hashed name: x.js.0123456789ab.map).
SOURCE_MAP_SUFFIXES = (".map", ".map.br", ".map.gz")


class Command(BaseCommand):
    help = (
        "collectstatic + compress (offline) + precompress compressor's output: the production static build."
    )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        # The translations (locale/*.po -> .mo, with Babel: no system gettext needed).
        compile_catalogues()
        vendor_static_files()
        for stale in Path(settings.STATIC_ROOT).rglob("*.map*"):
            if stale.name.endswith(SOURCE_MAP_SUFFIXES):
                stale.unlink()
        call_command(
            "collectstatic", interactive=False, verbosity=max(0, verbosity - 1), ignore_patterns=["*.map"]
        )
        call_command("compress", force=True, verbosity=max(0, verbosity - 1))
        output = Path(settings.COMPRESS_ROOT) / settings.COMPRESS_OUTPUT_DIR
        compressor = Compressor(quiet=True)
        made = 0
        for path in sorted(output.rglob("*")):
            if path.is_file() and compressor.should_compress(str(path)):
                made += len(list(compressor.compress(str(path))))
        if verbosity:
            self.stdout.write(
                f"Static files built in {settings.STATIC_ROOT} "
                f"({made} precompressed variants of compressor output)."
            )
