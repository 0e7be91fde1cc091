"""The Electronic Reservation Slip (etickets/): the PDF read back (PNR, each passenger's status,
the rupee sign), its QR code decoded to a reference /verify/ accepts; /verify/ refuses forged,
altered and cancelled references without showing anyone's data; the signing key is the ticket's
own."""

import io
import re

import pytest
import zxingcpp
from django.conf import settings as django_settings
from django.core.checks import run_checks
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image
from pypdf import PdfReader

from accounts.languages import remember_language
from booking import reservations
from booking.models import Booking
from booking.refunds import active_rules, describe_rule
from etickets import scripts, slip
from etickets.references import reference_for

from testsupport.bookings import held_booking, settle_payment
from testsupport.pdf_text import shaped_glyphs, shaped_pattern
from testsupport.users import logged_in_client, make_user

NAMES = ["Asha Rao", "Vikram Rao"]


@pytest.fixture
def paid(network, user):
    passengers = [{"name": NAMES[0], "age": 34, "gender": "F"}, {"name": NAMES[1], "age": 36, "gender": "M"}]
    return settle_payment(held_booking(user, passengers=passengers))


def pdf_of(client, booking):
    response = client.get(f"/bookings/{booking.pnr}/ticket.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def qr_text(reader):
    for page in reader.pages:
        for picture in page.images:
            found = zxingcpp.read_barcodes(Image.open(io.BytesIO(picture.data)).convert("L"))
            if found:
                return found[0].text
    raise AssertionError("no QR code in the PDF")


def test_the_pdf_has_the_pnr_each_status_and_a_qr_code_verify_accepts(paid, client_for):
    reader = pdf_of(client_for, paid)
    text = " ".join(page.extract_text() for page in reader.pages)
    assert paid.pnr in text
    for passenger in paid.passengers.all():
        assert passenger.name in text and passenger.current_status in text
    assert "\u20b9" in text, "the rupee sign is rendered (an embedded font that has it)"
    assert paid.train.number in text and "IST" in text and paid.payments.get().gateway_reference in text
    url = qr_text(reader)
    assert url.startswith("http://testserver/verify/")
    page = Client().get(url.removeprefix("http://testserver"))  # no login
    assert page.status_code == 200
    body = page.content.decode()
    assert "Valid ticket" in body and all(name in body for name in NAMES)
    assert paid.passengers.first().current_status in body


def test_only_the_owner_gets_the_pdf(paid):
    assert logged_in_client(make_user("someone")).get(f"/bookings/{paid.pnr}/ticket.pdf").status_code == 404
    assert Client().get(f"/bookings/{paid.pnr}/ticket.pdf").status_code == 302  # to the login page


def assert_not_valid(reference):
    response = Client().get(f"/verify/{reference}")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Not a valid ticket" in body
    assert not any(name in body for name in NAMES) and "CNF" not in body
    return body


def test_forged_and_altered_references_are_not_valid(paid):
    reference = reference_for(pnr=paid.pnr)
    pnr, signature = reference.split(":")
    assert_not_valid(f"{pnr}:{'A' * len(signature)}")  # forged signature
    other = str(int(pnr) + 1).zfill(len(pnr))
    assert_not_valid(f"{other}:{signature}")  # another PNR under this signature
    assert_not_valid(pnr)  # no signature
    assert_not_valid(reference[:-1] + ("a" if reference[-1] != "a" else "b"))


def test_a_cancelled_ticket_is_not_valid(paid):
    reference = reference_for(pnr=paid.pnr)
    assert Client().get(f"/verify/{reference}").status_code == 200
    reservations.cancel_booking(booking=paid, user=paid.user)
    assert Booking.objects.get(pk=paid.pk).status == Booking.Status.CANCELLED
    assert_not_valid(reference)


def test_an_unpaid_hold_is_not_valid(network, user):
    assert_not_valid(reference_for(pnr=held_booking(user).pnr))


def test_rotating_the_site_key_keeps_printed_tickets_valid(paid, settings):
    reference = reference_for(pnr=paid.pnr)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-brand-new-site-key-" + "x" * 40
    assert Client().get(f"/verify/{reference}").status_code == 200
    # Rotating the ticket key itself: valid while the old key is a fallback.
    old_key = settings.TICKET_SIGNING_KEY
    settings.TICKET_SIGNING_KEY = "a-new-ticket-key-" + "y" * 40
    settings.TICKET_SIGNING_KEY_FALLBACKS = [old_key]
    assert Client().get(f"/verify/{reference}").status_code == 200
    settings.TICKET_SIGNING_KEY_FALLBACKS = []
    assert_not_valid(reference)


def test_verify_is_rate_limited(paid, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ticket-verify": (2, 60)}
    reference = reference_for(pnr=paid.pnr)
    client = Client()
    assert [client.get(f"/verify/{reference}").status_code for _ in range(3)] == [200, 200, 429]


def test_verify_is_in_the_checkers_language_at_its_one_address(paid):
    """/verify/ has no language prefix (its address is printed in the QR code): the page follows
    the browser (Accept-Language, or the switcher's cookie), and says it varies on them."""
    reference = reference_for(pnr=paid.pnr)
    hindi = Client(HTTP_ACCEPT_LANGUAGE="hi").get(f"/verify/{reference}")
    assert hindi.status_code == 200 and hindi["Content-Language"] == "hi"
    assert "मान्य टिकट" in hindi.content.decode() and 'lang="hi"' in hindi.content.decode()
    assert {"Cookie", "Accept-Language"} <= {v.strip() for v in hindi["Vary"].split(",")}
    tamil = Client()
    tamil.cookies["rc_language"] = "ta"
    assert "செல்லுபடியான டிக்கெட்" in tamil.get(f"/verify/{reference}").content.decode()
    altered = reference[:-1] + ("a" if reference[-1] != "a" else "b")
    forged = Client(HTTP_ACCEPT_LANGUAGE="hi").get(f"/verify/{altered}")
    assert forged.status_code == 404 and "मान्य टिकट नहीं" in forged.content.decode()
    assert "Valid ticket" in Client().get(f"/verify/{reference}").content.decode()


def test_the_api_document_links_the_pdf(paid, client_for):
    body = client_for.get(f"/api/bookings/{paid.pnr}").json()
    assert body["ticket_pdf_url"] == f"http://testserver/bookings/{paid.pnr}/ticket.pdf"


def test_the_eticket_page_links_the_pdf(paid, client_for):
    assert (
        f'href="/bookings/{paid.pnr}/ticket.pdf"' in client_for.get(f"/bookings/{paid.pnr}").content.decode()
    )


def test_a_missing_font_is_a_clear_error(paid, settings, monkeypatch):
    settings.ERS_FONT_PATH = "/nonexistent/DejaVuSans.ttf"
    assert "etickets.E001" in [message.id for message in run_checks()]
    monkeypatch.setattr(slip, "FONT", "RC-test-missing-font")
    with pytest.raises(slip.FontMissing, match="fonts-dejavu-core"):
        slip.render(booking=paid, verify_url="http://testserver/verify/x", language="en")


def test_without_the_script_fonts_the_slip_is_english_and_a_check_says_why(paid, settings, caplog):
    """A warning, not an error (the site still starts on a machine without fonts-noto-core), and
    the passenger still gets a ticket: in English."""
    settings.ERS_SCRIPT_FONT_PATHS = {
        **settings.ERS_SCRIPT_FONT_PATHS,
        "hi": ("/nonexistent/NotoSansDevanagari-Gone.ttf", "/nonexistent/NotoSansDevanagari-GoneBold.ttf"),
    }
    warning = next(message for message in run_checks() if message.id == "etickets.W002")
    assert "fonts-noto-core" in warning.hint and not warning.is_serious()
    with pytest.raises(scripts.ScriptFontMissing, match="fonts-noto-core"):
        scripts.script_fonts("hi")
    pdf = slip.render(booking=paid, verify_url="http://testserver/verify/x", language="hi")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Current status" in text and paid.pnr in text
    assert "e-ticket PDF in English instead of hi" in caplog.text


# The slip in Hindi and Tamil: the labels set in the script's font and shaped (conjuncts, vowel
# signs reordered), Latin data exactly as in English, the QR code still good.
SCRIPT_FONTS = {"hi": "Devanagari", "ta": "Tamil"}


def font_path(language, *, bold=False):
    return django_settings.ERS_SCRIPT_FONT_PATHS[language][1 if bold else 0]


@pytest.mark.parametrize("language", ["hi", "ta"])
def test_the_slip_is_in_the_passengers_remembered_language_shaped(paid, client_for, language):
    remember_language(user=paid.user, language=language)
    reader = pdf_of(client_for, paid)  # one URL, unprefixed: the language is the account's
    text = " ".join(page.extract_text() for page in reader.pages)
    with translation.override(language):
        labels = {
            gettext("Booking status"): False,
            gettext("Current status"): False,
            gettext("Passengers"): True,  # a heading: bold
            gettext("Check this ticket"): True,
        }
    for label, bold in labels.items():
        pattern = shaped_pattern(label, font_path=font_path(language, bold=bold))
        assert "[\ue000-\uf8ff]" in pattern.pattern, f"{label}: HarfBuzz forms a glyph no letter maps to"
        assert pattern.search(text), f"{label!r} is not on the slip as HarfBuzz shapes it"
        assert label not in text, f"{label!r} was set letter by letter, unshaped"
    assert "Current status" not in text and "Passengers" not in text
    # Names, stations, train, PNR and statuses stay in English letters, set as they are: no
    # ligature turns the "st" of the address into one glyph (a shaped Latin word would).
    assert paid.pnr in text and paid.train.name in text and paid.board_station.name in text
    for passenger in paid.passengers.all():
        assert passenger.name in text and passenger.current_status in text
    assert "http://testserver/verify/" in text and "\u20b9" in text
    fonts = {str(font["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert any(SCRIPT_FONTS[language] in name for name in fonts), fonts
    url = qr_text(reader)
    page = Client().get(url.removeprefix("http://testserver"))
    assert page.status_code == 200 and all(name in page.content.decode() for name in NAMES)


def test_a_conjunct_is_one_glyph_on_the_slip():
    """The check above rests on HarfBuzz: क + ् + ष is the one glyph क्ष, and the Tamil க + ் + ஷ
    forms க்ஷ, in the fonts the slip embeds."""
    assert len(shaped_glyphs("क्ष", font_path=font_path("hi"))) == 1
    assert len(shaped_glyphs("க்ஷ", font_path=font_path("ta"))) < 3


def test_a_word_joining_the_script_to_latin_letters_is_split_not_garbled(paid):
    """No font here has both (Noto's Indic fonts have no Latin letters), and reportlab shapes a word
    with one font: such a word is set as two, and the slip still renders."""
    fonts = scripts.script_fonts("ta")
    assert scripts.markup("PNR-இன்", fonts=fonts) == f'PNR <font name="{fonts.regular}">-இன்</font>'
    assert scripts.markup("கட்டணம் ₹60.00 <x>", fonts=fonts) == (
        f'<font name="{fonts.regular}">கட்டணம்</font> ₹60.00 &lt;x&gt;'
    )
    assert scripts.markup("Fare & <b>", fonts=None) == "Fare &amp; &lt;b&gt;"
    slip._register_fonts()
    paragraph = slip._Writer(fonts).text("PNR-இன் நிலை")
    assert paragraph.wrap(200, 100)[1] > 0


def test_latin_words_on_a_shaped_slip_are_set_as_they_are(db):
    """reportlab shapes with discretionary ligatures on: shaped, "st" would become the glyph U+FB06
    (pypdf reads it back as "st", so the PDF test above cannot tell)."""
    slip._register_fonts()
    paragraph = slip._Writer(scripts.script_fonts("hi")).text("testserver Augustine यात्री")
    paragraph.wrap(500, 100)
    texts = [frag.text for line in paragraph.blPara.lines for frag in line.words]
    assert texts[0] == "testserver Augustine " and "\ufb06" not in "".join(texts)
    assert texts[1] != "यात्री"  # the Devanagari word is shaped


@pytest.mark.parametrize("language", ["hi", "ta"])
def test_every_refund_rule_is_described_in_the_language(db, language):
    """The slip lists the refund rules from their fields, so each line is translated (the
    admin's `note` is English)."""
    rules = active_rules()
    assert rules
    with translation.override("en"):
        english = [describe_rule(rule) for rule in rules]
    assert (
        "Confirmed, 3A, more than 48 h before departure: cancellation charge ₹180.00 per passenger" in english
    )
    assert "Confirmed, Tatkal quota, before the chart is prepared: no refund" in english
    with translation.override(language):
        described = [describe_rule(rule) for rule in rules]
    for line in described:
        # What stays Latin: class codes, RAC, the hour figures and amounts.
        leftover = re.sub(r"\b(?:RAC|1A|2A|3A|CC|SL|2S|h)\b", "", line)
        assert not re.search(r"[A-Za-z]{2,}", leftover), line
