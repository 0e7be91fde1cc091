"""The message catalogues: locale/<code>/LC_MESSAGES/django.po, compiled to django.mo with Babel
(a pinned Python package) rather than GNU gettext's msgfmt, which a fresh machine lacks. The
static build (`make static`, so `make run` and `make test`) compiles them; the .mo files are
build output (git-ignored). `incomplete_entries` is what the completeness test checks.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings


def catalogue_paths() -> list[Path]:
    return sorted(
        path for folder in settings.LOCALE_PATHS for path in Path(folder).glob("*/LC_MESSAGES/*.po")
    )


def compile_catalogues() -> list[Path]:
    """Writes each .po's .mo beside it when missing or older; returns the ones written."""
    written = []
    for po_path in catalogue_paths():
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            # Fuzzy entries are left out, as msgfmt does (the tests refuse any anyway).
            write_mo(mo_file, catalogue, use_fuzzy=False)
        written.append(mo_path)
    return written


def incomplete_entries(po_path: Path) -> list[str]:
    """The msgids of a catalogue that are untranslated (wholly or in a plural form) or fuzzy."""
    with po_path.open("rb") as po_file:
        catalogue = read_po(po_file)
    bad = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if message.fuzzy or not all(strings):
            bad.append(message.id if isinstance(message.id, str) else message.id[0])
    return bad
