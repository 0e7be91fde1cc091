"""Hindi and Tamil on the slip: which font sets which word (docs/etickets.md).

DejaVu Sans (settings.ERS_FONT_PATH) sets Latin text: names, stations, trains, the PNR, and every
English slip. A slip in Hindi or Tamil also embeds that script's font (settings.ERS_SCRIPT_FONT_PATHS,
Debian's Noto Sans Devanagari / Noto Sans Tamil), and reportlab shapes its words with HarfBuzz
(uharfbuzz): conjuncts, vowel signs placed and reordered.

Two facts decide how text is split between the fonts. Debian's Noto fonts for these scripts have
digits, punctuation and the rupee sign but no Latin letters, and reportlab shapes a word (a run
between spaces) with the font of its first character. So each word is set in one font: a word with
letters of the script goes wholly into the script's font when that font has all its characters; any
other word stays in DejaVu Sans. A word that joins the script to Latin letters (no font here has
both) is split into its runs with a space, so each run is shaped by a font that has it.
"""

from pathlib import Path
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

from django.conf import settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

# The Unicode blocks of each language's script (Devanagari and Devanagari Extended; Tamil and
# Tamil Supplement), and the joiners that steer conjuncts in both.
SCRIPT_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "hi": ((0x0900, 0x097F), (0xA8E0, 0xA8FF)),
    "ta": ((0x0B80, 0x0BFF), (0x11FC0, 0x11FFF)),
}
JOINERS = frozenset({0x200C, 0x200D})


class ScriptFontMissing(RuntimeError):
    pass


class ScriptFonts(NamedTuple):
    """The registered names of one language's script fonts and the characters they have."""

    language: str
    regular: str
    bold: str
    characters: frozenset[int]


def script_fonts(language: str) -> ScriptFonts | None:
    """The script fonts of `language`, registered with reportlab on first use; None for a language
    written in Latin letters (English)."""
    paths = settings.ERS_SCRIPT_FONT_PATHS.get(language)
    if paths is None:
        return None
    # Named after the files, so other paths (settings) are registered, not mistaken for these.
    regular, bold = (f"RC-{Path(path).stem}" for path in paths)
    if regular not in pdfmetrics.getRegisteredFontNames() or bold not in pdfmetrics.getRegisteredFontNames():
        try:
            pdfmetrics.registerFont(TTFont(regular, paths[0]))
            pdfmetrics.registerFont(TTFont(bold, paths[1]))
        except TTFError as error:  # a missing or unreadable file
            raise ScriptFontMissing(
                f"The e-ticket PDF in {language} needs its script's fonts at {paths[0]} and {paths[1]} "
                "(Debian: apt-get install fonts-noto-core; or set ERS_DEVANAGARI_FONT_PATH and the "
                "other ERS_*_FONT_PATH variables)"
            ) from error
    font: Any = pdfmetrics.getFont(regular)
    return ScriptFonts(language, regular, bold, frozenset(font.face.charToGlyph))


def in_script(character: str, language: str) -> bool:
    code = ord(character)
    return code in JOINERS or any(low <= code <= high for low, high in SCRIPT_RANGES[language])


def markup(text: str, *, fonts: ScriptFonts | None, bold: bool = False) -> str:
    """`text` as reportlab paragraph markup: escaped, with each word of the script wrapped in the
    script's font (see above). English (no script fonts): only escaped."""
    if fonts is None:
        return escape(text)
    font = fonts.bold if bold else fonts.regular
    words = []
    for word in text.split(" "):
        if not any(in_script(character, fonts.language) for character in word):
            words.append(escape(word))
            continue
        for run, script_font in _runs(word, fonts):
            words.append(f'<font name="{font}">{escape(run)}</font>' if script_font else escape(run))
    return " ".join(words)


def _runs(word: str, fonts: ScriptFonts) -> list[tuple[str, bool]]:
    """The word whole in the script's font when that font has all its characters; else split into
    runs the script's font has (True) and runs it lacks (False), each set as a word of its own."""
    if all(ord(character) in fonts.characters for character in word):
        return [(word, True)]
    runs: list[tuple[str, bool]] = []
    for character in word:
        has = ord(character) in fonts.characters
        if runs and runs[-1][1] == has:
            runs[-1] = (runs[-1][0] + character, has)
        else:
            runs.append((character, has))
    return runs
