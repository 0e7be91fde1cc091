"""The Electronic Reservation Slip (etickets/): the PDF read back (PNR, each passenger's status,
the rupee sign), its QR code decoded to a reference /verify/ accepts; /verify/ refuses forged,
altered and cancelled references without showing anyone's data; the signing key is the ticket's
own."""

import io

import pytest
import zxingcpp
from django.core.checks import run_checks
from django.test import Client
from PIL import Image
from pypdf import PdfReader

from booking import reservations
from booking.models import Booking
from etickets import slip
from etickets.references import reference_for

from testsupport.bookings import held_booking, settle_payment
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
        slip.render(booking=paid, verify_url="http://testserver/verify/x")
