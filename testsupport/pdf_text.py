"""Reading a Hindi or Tamil e-ticket PDF back (tests/test_etickets.py, tests/test_notifications.py).

A shaped word is not stored as its letters. reportlab writes the glyphs HarfBuzz chose, in visual
order (a vowel sign drawn before its consonant comes first), and it gives every glyph that no
character maps to (a conjunct, a vowel sign's contextual form) a private-use code point. So pypdf
reads "यात्री" back as "या\\ue000ी". `shaped_pattern` predicts that reading from uharfbuzz's own
shaping of the text with the same font: a glyph the font's character map has becomes its character,
any other glyph becomes "a private-use character". A word that was not shaped reads back as its
letters and does not match.
"""

import re
from functools import cache
from typing import Any

import uharfbuzz
from reportlab.pdfbase.ttfonts import TTFont

PRIVATE_USE = "[\ue000-\uf8ff]"
# The features reportlab shapes with (reportlab.pdfbase.ttfonts.shapeFragWord).
FEATURES = {"kern": True, "liga": True, "dlig": True}


@cache
def _font(path: str) -> tuple[uharfbuzz.Font, dict[int, list[int]]]:
    with open(path, "rb") as file:
        data = file.read()
    # reportlab's own reading of the font's character map: which glyph is which character.
    face: Any = TTFont("probe", path).face  # glyphToChar: not in reportlab's stubs
    glyph_to_char: dict[int, list[int]] = face.glyphToChar
    return uharfbuzz.Font(uharfbuzz.Face(uharfbuzz.Blob(data))), glyph_to_char


def shaped_glyphs(word: str, *, font_path: str) -> list[int]:
    """The glyph ids HarfBuzz sets `word` with in this font."""
    font, _ = _font(font_path)
    buffer = uharfbuzz.Buffer()
    buffer.add_str(word)
    buffer.guess_segment_properties()
    uharfbuzz.shape(font, buffer, FEATURES)
    return [info.codepoint for info in buffer.glyph_infos]


def shaped_pattern(text: str, *, font_path: str) -> re.Pattern[str]:
    """What pypdf reads for `text` set word by word in this font and shaped (see above)."""
    _, glyph_to_char = _font(font_path)
    words = []
    for word in text.split():
        glyphs = shaped_glyphs(word, font_path=font_path)
        words.append(
            "".join(
                re.escape(chr(glyph_to_char[glyph][0])) if glyph in glyph_to_char else PRIVATE_USE
                for glyph in glyphs
            )
        )
    return re.compile(r"\s+".join(words))
