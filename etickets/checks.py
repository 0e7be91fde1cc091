from pathlib import Path
from typing import Any

from django.conf import settings
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
