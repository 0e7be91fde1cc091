"""The Electronic Reservation Slip: one booking as a PDF (reportlab), with a QR code (segno).

Why these libraries: reportlab is the long-standing PDF toolkit for Python (tables, flowing pages,
TrueType embedding with subsetting, text shaping through uharfbuzz); segno is a small,
dependency-free, standards-complete QR encoder. Writing PDF or QR encoding by hand would be far
more code to get right.

The page is narrow (105 mm, a phone's proportions) with 7.5-12 pt text, so it reads on a phone
without zooming and prints on A4/A6 alike. Latin text is set in DejaVu Sans, embedded (subset): it
has the rupee sign, which the 14 standard PDF fonts lack. The slip is in the passenger's language:
a Hindi or Tamil slip also embeds Noto Sans Devanagari or Noto Sans Tamil and shapes their words
with HarfBuzz (etickets/scripts.py). Names, stations, trains and the PNR stay in English letters,
as on Indian Railways' tickets.
"""

import io
import logging
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

import segno
from django.conf import settings
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from booking.models import Booking, BookingPassenger, RefundRule
from booking.refunds import active_rules, describe_rule
from payments.models import Payment
from railconnect.indian_formats import rupees

from .scripts import ScriptFontMissing, ScriptFonts, markup, script_fonts

logger = logging.getLogger(__name__)

PAGE = (105 * mm, 240 * mm)
FONT, BOLD = "RC-DejaVuSans", "RC-DejaVuSans-Bold"


class FontMissing(RuntimeError):
    pass


class _UnshapedFont(TTFont):
    """A font whose words reportlab sets as they are, never shaped, also in a shaped paragraph:
    reportlab shapes with ligatures on, discretionary ones (dlig) too, which would turn "st" in a
    URL or a name into the single glyph U+FB06. Latin text needs no shaping. reportlab leaves a
    word unshaped when its font has no HarfBuzz font (ttfonts.shapeFragWord: AttributeError, the
    case of its built-in Type 1 fonts), which is what this says; tests/test_etickets.py checks it."""

    def hbFont(self, fontSize: float = 10) -> Any:  # noqa: N802 (reportlab's name)
        raise AttributeError("Latin text on the slip is not shaped")


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    try:
        pdfmetrics.registerFont(_UnshapedFont(FONT, settings.ERS_FONT_PATH))
        pdfmetrics.registerFont(_UnshapedFont(BOLD, settings.ERS_BOLD_FONT_PATH))
    except TTFError as error:  # a missing or unreadable file
        raise FontMissing(
            f"The e-ticket PDF needs a TrueType font with the rupee sign at {settings.ERS_FONT_PATH} "
            "(Debian: apt-get install fonts-dejavu-core; or set ERS_FONT_PATH / ERS_BOLD_FONT_PATH)"
        ) from error


class _Writer:
    """Paragraphs in the slip's language: each text goes through scripts.markup, so the words of
    the script are set in its font, and every paragraph is shaped when the language needs it."""

    def __init__(self, fonts: ScriptFonts | None) -> None:
        self.fonts = fonts
        # Leading: Devanagari and Tamil stack vowel signs above and below the letters.
        roomy = 1.35 if fonts else 1.25
        # A word too long for its line is never split when shaped (reportlab would cut through its
        # glyph clusters): the columns are wide enough for the longest label instead.
        body = ParagraphStyle(
            "body",
            fontName=FONT,
            fontSize=9,
            leading=9 * roomy,
            shaping=bool(fonts),
            splitLongWords=not fonts,
        )
        self.styles = {
            "body": body,
            "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=8.5 * roomy),
            "cell-bold": ParagraphStyle(
                "cell-bold", parent=body, fontName=BOLD, fontSize=8.5, leading=8.5 * roomy
            ),
            "small": ParagraphStyle("small", parent=body, fontSize=7.5, leading=7.5 * roomy),
            # Latin only, unshaped, split anywhere when longer than the line: the /verify/ address.
            "address": ParagraphStyle(
                "address", parent=body, fontSize=7.5, leading=7.5 * 1.25, shaping=False, splitLongWords=True
            ),
            "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=12, leading=12 * roomy),
            "heading": ParagraphStyle(
                "heading", parent=body, fontName=BOLD, fontSize=9.5, leading=9.5 * roomy, spaceBefore=5
            ),
        }

    def text(self, text: object, style: str = "body") -> Paragraph:
        bold = self.styles[style].fontName == BOLD
        return Paragraph(markup(str(text), fonts=self.fonts, bold=bold), self.styles[style])

    def table(
        self, rows: Sequence[Sequence[object]], widths: Sequence[float], *, header: bool = True
    ) -> Table:
        cells = [
            [self.text(cell, "cell-bold" if header and number == 0 else "cell") for cell in row]
            for number, row in enumerate(rows)
        ]
        table = Table(cells, colWidths=list(widths))
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        return table


def _ist(moment: Any) -> str:
    """A date and time in IST, 24-hour, day and month names in the active language (as the pages)."""
    return dateformat.format(timezone.localtime(moment), "D d M Y, H:i") + " IST"


def _qr_image(text: str) -> Image:
    png = io.BytesIO()
    segno.make(text, error="m").save(png, kind="png", scale=6, border=4)
    png.seek(0)
    return Image(png, width=38 * mm, height=38 * mm)


def _rule_lines(booking: Booking) -> list[str]:
    """The active refund rules that can apply to this ticket's quota and class, in short."""
    rules: list[RefundRule] = [
        rule
        for rule in active_rules()
        if rule.quota in ("", booking.quota) and rule.travel_class in ("", booking.travel_class)
    ]
    return [describe_rule(rule) for rule in rules]


def render(*, booking: Booking, verify_url: str, language: str) -> bytes:
    """The slip of one booking as PDF bytes, in `language` (the passenger's, remembered on the
    account: accounts.languages.language_of). verify_url: what the QR code opens."""
    with translation.override(language):
        try:
            fonts = script_fonts(translation.get_language())
        except ScriptFontMissing as error:
            # A server without the script's fonts (check etickets.W002 said so): the ticket in
            # English rather than no ticket.
            logger.warning("e-ticket PDF in English instead of %s: %s", language, error)
            language = settings.LANGUAGE_CODE
            fonts = None
    with translation.override(language):
        return _render(booking=booking, verify_url=verify_url, fonts=fonts)


def _render(*, booking: Booking, verify_url: str, fonts: ScriptFonts | None) -> bytes:
    _register_fonts()
    write = _Writer(fonts)
    passengers: list[BookingPassenger] = list(booking.passengers.order_by("position"))
    payment = booking.payments.filter(state=Payment.State.SUCCEEDED).order_by("-settled_at").first()
    fare = booking.fare_breakdown or {}
    facts: list[list[object]] = [
        [_("Train"), f"{booking.train.number} {booking.train.name}"],
        [_("From"), f"{booking.board_station.name} ({booking.board_station.code})"],
        [_("Departs"), _ist(booking.departs_at)],
        [_("To"), f"{booking.alight_station.name} ({booking.alight_station.code})"],
        [_("Arrives"), _ist(booking.arrives_at)],
        [
            _("Class"),
            _("%(travel_class)s, %(quota)s quota (%(code)s)")
            % {"travel_class": booking.travel_class, "quota": booking.quota_name, "code": booking.quota},
        ],
        [_("Distance"), f"{booking.distance_km} km"],
        [_("Booked on"), _ist(booking.created_at)],
        [_("Transaction"), (payment.gateway_reference or payment.token) if payment else _("not paid")],
        [_("Fare paid"), rupees(booking.fare_total)],
    ]
    if booking.refunded_amount:
        facts.append([_("Refunded"), rupees(booking.refunded_amount)])
    story: list[Any] = [
        write.text(_("Electronic Reservation Slip (ERS)"), "title"),
        write.text(f"PNR {booking.pnr} \u00b7 {booking.get_status_display()}", "title"),
        Spacer(1, 2 * mm),
        write.table(facts, [27 * mm, 62 * mm], header=False),
        write.text(_("Passengers"), "heading"),
        # Each passenger as a small block of label and value rows, not one wide table: the labels
        # in Tamil are long single words that no narrow column holds.
        *(
            write.table(
                [
                    [f"{p.position}. {p.name}", f"{p.age}, {p.get_gender_display()}"],
                    [_("Booking status"), p.shown_booking_status],
                    [_("Current status"), p.shown_status],
                ],
                [36 * mm, 53 * mm],
            )
            for p in passengers
        ),
    ]
    totals = fare.get("totals")
    if totals:
        # The fare's parts for the whole ticket (the e-ticket page has each passenger's line): two
        # columns, so long words in Tamil or Hindi never squeeze into a narrow figure column.
        parts = [
            (_("Base fare"), "base"),
            (_("Reservation"), "reservation"),
            (_("Superfast"), "superfast"),
            (_("Tatkal"), "tatkal"),
            ("GST", "gst"),
        ]
        story += [
            write.text(_("Fare"), "heading"),
            write.table(
                [[label, rupees(totals[key])] for label, key in parts if key == "base" or totals.get(key)]
                + [[_("Total"), rupees(totals["total"])]],
                [45 * mm, 44 * mm],
                header=False,
            ),
        ]
    story += [
        KeepTogether(
            [
                write.text(_("Check this ticket"), "heading"),
                _qr_image(verify_url),
                write.text(_("Scan the code, or open this address:"), "small"),
                Paragraph(escape(verify_url), write.styles["address"]),
            ]
        ),
        write.text(_("Cancellation and refunds, in short"), "heading"),
        *(write.text(f"\u2022 {line}", "small") for line in _rule_lines(booking)),
        write.text(
            _(
                "Carry an original photo identity card. Refund rules: Railway Passengers (Cancellation of "
                "Tickets and Refund of Fare) Rules, 2015."
            ),
            "small",
        ),
    ]
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=PAGE,
        leftMargin=8 * mm,
        rightMargin=8 * mm,
        topMargin=8 * mm,
        bottomMargin=8 * mm,
        title=f"RailConnect e-ticket PNR {booking.pnr}",
        author="RailConnect India",
        lang=translation.get_language(),
    )
    document.build(story)
    return out.getvalue()
