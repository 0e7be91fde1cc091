from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.checks import Error, register


@register()
def slip_font_installed(**kwargs: Any) -> list[Error]:
    """The slip embeds a TrueType font that has the rupee sign (reportlab's built-in fonts lack it)."""
    if Path(settings.ERS_FONT_PATH).is_file() and Path(settings.ERS_BOLD_FONT_PATH).is_file():
        return []
    return [
        Error(
            f"The e-ticket PDF font is missing: {settings.ERS_FONT_PATH} / {settings.ERS_BOLD_FONT_PATH}.",
            hint="Install Debian's fonts-dejavu-core (apt-get install fonts-dejavu-core), or set "
            "ERS_FONT_PATH and ERS_BOLD_FONT_PATH to a TrueType font with the rupee sign (U+20B9).",
            id="etickets.E001",
        )
    ]


@register()
def script_fonts_installed(**kwargs: Any) -> list[checks.Warning]:
    """A slip in Hindi or Tamil embeds that script's fonts (etickets/scripts.py). A warning, not an
    error: without them those passengers get their slip in English (etickets/slip.py), and the
    site (`make run` on a fresh machine) still starts."""
    missing = [
        path
        for paths in settings.ERS_SCRIPT_FONT_PATHS.values()
        for path in paths
        if not Path(path).is_file()
    ]
    if not missing:
        return []
    return [
        checks.Warning(
            f"The e-ticket PDF's Hindi / Tamil fonts are missing: {', '.join(missing)}; those slips "
            "will be in English.",
            hint="Install Debian's fonts-noto-core (apt-get install fonts-noto-core), or set "
            "ERS_DEVANAGARI_FONT_PATH, ERS_DEVANAGARI_BOLD_FONT_PATH, ERS_TAMIL_FONT_PATH and "
            "ERS_TAMIL_BOLD_FONT_PATH to Noto Sans Devanagari / Noto Sans Tamil (or fonts with the "
            "same scripts).",
            id="etickets.W002",
        )
    ]
