"""The Electronic Reservation Slip: one booking as a PDF (reportlab), with a QR code (segno).

Why these libraries: reportlab is the long-standing PDF toolkit for Python (tables, flowing pages,
TrueType embedding with subsetting); segno is a small, dependency-free, standards-complete QR
encoder. Writing PDF or QR encoding by hand would be far more code to get right.

The page is narrow (105 mm, a phone's proportions) with 9-12 pt text, so it reads on a phone
without zooming and prints on A4/A6 alike. Text is set in DejaVu Sans, embedded (subset): it has
the rupee sign, which the 14 standard PDF fonts lack. English only for now. Hindi would need a
Devanagari font (e.g. Noto Sans Devanagari) embedded and text shaping (conjuncts, matras):
reportlab shapes complex scripts only through its optional HarfBuzz support (uharfbuzz), which
would have to be added and tested first (docs/etickets.md).
"""

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import segno
from django.conf import settings
from django.utils import timezone, translation
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from booking.models import Booking, BookingPassenger, RefundRule
from booking.refunds import active_rules
from payments.models import Payment

PAGE = (105 * mm, 240 * mm)
FONT, BOLD = "RC-DejaVuSans", "RC-DejaVuSans-Bold"
RUPEE = "\u20b9"


class FontMissing(RuntimeError):
    pass


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    try:
        pdfmetrics.registerFont(TTFont(FONT, settings.ERS_FONT_PATH))
        pdfmetrics.registerFont(TTFont(BOLD, settings.ERS_BOLD_FONT_PATH))
    except TTFError as error:  # a missing or unreadable file
        raise FontMissing(
            f"The e-ticket PDF needs a TrueType font with the rupee sign at {settings.ERS_FONT_PATH} "
            "(Debian: apt-get install fonts-dejavu-core; or set ERS_FONT_PATH / ERS_BOLD_FONT_PATH)"
        ) from error


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=11.5)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5),
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=12, leading=15),
        "heading": ParagraphStyle("heading", parent=body, fontName=BOLD, fontSize=9.5, spaceBefore=5),
    }


def _ist(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%a %d %b %Y, %H:%M IST")


def _money(amount: Any) -> str:
    return f"{RUPEE}{Decimal(str(amount)):,.2f}"


def _table(rows: Sequence[list[Any]], widths: Sequence[float], *, header: bool = True) -> Table:
    table = Table(list(rows), colWidths=list(widths))
    style: list[Any] = [
        ("FONT", (0, 0), (-1, -1), FONT, 8.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        style.append(("FONT", (0, 0), (-1, 0), BOLD, 8.5))
    table.setStyle(TableStyle(style))
    return table


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
    return [rule.note for rule in rules if rule.note]


def render(*, booking: Booking, verify_url: str) -> bytes:
    """The slip in English whatever language is active (a passenger's mail task, or the PDF URL):
    its status and quota names and its dates would otherwise come out in Hindi or Tamil, which
    this font and reportlab without shaping cannot set (see above)."""
    with translation.override("en"):
        return _render(booking=booking, verify_url=verify_url)


def _render(*, booking: Booking, verify_url: str) -> bytes:
    """The slip of one booking as PDF bytes. verify_url: what the QR code opens."""
    _register_fonts()
    styles = _styles()
    passengers: list[BookingPassenger] = list(booking.passengers.order_by("position"))
    payment = booking.payments.filter(state=Payment.State.SUCCEEDED).order_by("-settled_at").first()
    fare = booking.fare_breakdown or {}
    facts: list[list[Any]] = [
        ["Train", f"{booking.train.number} {booking.train.name}"],
        ["From", Paragraph(f"{booking.board_station.name} ({booking.board_station.code})", styles["body"])],
        ["Departs", _ist(booking.departs_at)],
        ["To", Paragraph(f"{booking.alight_station.name} ({booking.alight_station.code})", styles["body"])],
        ["Arrives", _ist(booking.arrives_at)],
        ["Class", f"{booking.travel_class}, {booking.quota_name} quota ({booking.quota})"],
        ["Distance", f"{booking.distance_km} km"],
        ["Booked on", _ist(booking.created_at)],
        ["Transaction", payment.gateway_reference or payment.token if payment else "not paid"],
        ["Fare paid", _money(booking.fare_total)],
    ]
    if booking.refunded_amount:
        facts.append(["Refunded", _money(booking.refunded_amount)])
    story: list[Any] = [
        Paragraph("Electronic Reservation Slip (ERS)", styles["title"]),
        Paragraph(f"PNR {booking.pnr} &middot; {booking.get_status_display()}", styles["title"]),
        Spacer(1, 2 * mm),
        _table(facts, [22 * mm, 67 * mm], header=False),
        Paragraph("Passengers", styles["heading"]),
        _table(
            [["#", "Name", "Age", "Booked", "Current status"]]
            + [
                [
                    p.position,
                    Paragraph(p.name, styles["body"]),
                    f"{p.age} {p.gender}",
                    p.shown_booking_status,
                    Paragraph(p.shown_status, styles["body"]),
                ]
                for p in passengers
            ],
            [5 * mm, 29 * mm, 11 * mm, 18 * mm, 26 * mm],
        ),
    ]
    if fare.get("lines"):
        story += [
            Paragraph("Fare", styles["heading"]),
            _table(
                [["Passenger", "Base", "Res.", "SF", "Tatkal", "GST", "Total"]]
                + [
                    [
                        line["label"],
                        line["base"],
                        line["reservation"],
                        line["superfast"],
                        line["tatkal"],
                        line["gst"],
                        line["total"],
                    ]
                    for line in fare["lines"]
                    if not line.get("cancelled")
                ]
                + [
                    [
                        f"Total ({RUPEE})",
                        *(
                            fare["totals"][name]
                            for name in ("base", "reservation", "superfast", "tatkal", "gst", "total")
                        ),
                    ]
                ],
                [25 * mm, 12 * mm, 10 * mm, 9 * mm, 11 * mm, 10 * mm, 12 * mm],
            ),
        ]
    story += [
        Paragraph("Check this ticket", styles["heading"]),
        _qr_image(verify_url),
        Paragraph(f"Scan, or open {verify_url}", styles["small"]),
        Paragraph("Cancellation and refunds, in short", styles["heading"]),
        *(Paragraph(f"&bull; {line}", styles["small"]) for line in _rule_lines(booking)),
        Paragraph(
            "Carry an original photo identity card. Refund rules: Railway Passengers (Cancellation of "
            "Tickets and Refund of Fare) Rules, 2015.",
            styles["small"],
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
    )
    document.build(story)
    return out.getvalue()
