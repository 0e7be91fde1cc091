"""Mail and SMS on each booking and payment outcome (notifications/): sent by tasks queued after
the commit, never on the request's path; plain text and HTML; the PDF attached to the
confirmation; once per event."""

import datetime
import io
import re

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import transaction
from django.tasks import default_task_backend
from django.utils import timezone
from pypdf import PdfReader

from accounts.languages import remember_language
from booking import admission, reservations
from booking.booking_requests import parse_booking_request
from booking.models import Booking, BookingPassenger, Inventory
from notifications import tasks
from railconnect import sms
from railconnect.indian_formats import rupees

from testsupport.bookings import held_booking, party, payload, set_coaches, settle_payment
from testsupport.pdf_text import shaped_pattern
from testsupport.users import logged_in_client, new_passenger, verify_mobile

P = BookingPassenger.Status


@pytest.fixture(autouse=True)
def outboxes(settings):
    settings.SMS_BACKEND = "railconnect.sms.LocmemBackend"
    sms.outbox.clear()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run what the code queues for after its commit (the tasks run at once: ImmediateBackend)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def traveller():
    return verify_mobile(new_passenger())


def paid_booking(run_on_commit, user=None, **changes):
    with run_on_commit():
        return settle_payment(held_booking(user or traveller(), **changes))


def html_of(message):
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


def test_a_confirmed_booking_gets_mail_with_the_pdf_and_an_sms(network, run_on_commit):
    booking = paid_booking(run_on_commit)
    (message,) = mail.outbox
    assert message.to == [booking.user.email]
    assert message.subject.startswith(f"Booking confirmed: PNR {booking.pnr}")
    passenger = booking.passengers.get()
    for body in (message.body, html_of(message)):
        assert booking.pnr in body and passenger.name in body and passenger.current_status in body
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == (f"eticket-{booking.pnr}.pdf", "application/pdf")
    assert booking.pnr in PdfReader(io.BytesIO(content)).pages[0].extract_text()
    (text,) = sms.outbox
    assert text.to.startswith("+91") and f"PNR {booking.pnr} confirmed" in text.text


def test_a_passenger_who_chose_hindi_is_written_to_in_hindi(network, run_on_commit):
    """Mail and SMS in the remembered language (accounts.languages.language_of), its links to that
    language's pages; the attached slip is in Hindi too, shaped (testsupport/pdf_text.py)."""
    user = traveller()
    remember_language(user=user, language="hi")
    booking = paid_booking(run_on_commit, user=user)
    (message,) = mail.outbox
    assert message.subject.startswith(f"बुकिंग कन्फ़र्म: PNR {booking.pnr}")
    assert "आपकी बुकिंग कन्फ़र्म है" in message.body and f"/hi/bookings/{booking.pnr}" in message.body
    assert 'lang="hi"' in html_of(message) and "आपका ऑनलाइन टिकट" in html_of(message)
    ((_name, content, _mimetype),) = message.attachments
    slip_text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "Current status" not in slip_text and booking.pnr in slip_text
    devanagari = django_settings.ERS_SCRIPT_FONT_PATHS["hi"][0]
    assert shaped_pattern("वर्तमान स्थिति", font_path=devanagari).search(slip_text)  # "Current status"
    (text,) = sms.outbox
    assert f"PNR {booking.pnr} कन्फ़र्म:" in text.text and "ई-टिकट ईमेल से भेजा गया।" in text.text


def test_no_sms_without_a_verified_mobile(network, run_on_commit):
    paid_booking(run_on_commit, user=new_passenger())
    assert len(mail.outbox) == 1 and sms.outbox == []


def test_a_failed_payment_gets_mail(network, run_on_commit):
    with run_on_commit():
        booking = settle_payment(held_booking(traveller()), outcome="failed")
    (message,) = mail.outbox
    assert message.subject == f"Payment failed for PNR {booking.pnr}"
    assert "Nothing was charged" in message.body and "pay again" in html_of(message)


def test_a_cancellation_with_refund_gets_mail(network, run_on_commit):
    booking = paid_booking(run_on_commit)
    mail.outbox.clear()
    with run_on_commit():
        result = reservations.cancel_booking(booking=booking, user=booking.user)
    assert result.refund_total > 0
    (message,) = mail.outbox
    # Amounts are written as on the pages (railconnect/indian_formats.py: ₹, Indian grouping).
    assert message.subject == f"Cancelled: PNR {booking.pnr}, refund {rupees(result.refund_total)}"
    assert rupees(result.refund_total) in message.body and "Refund" in html_of(message)


def test_cancelling_an_unpaid_hold_tells_nobody(network, run_on_commit):
    booking = held_booking(traveller())
    with run_on_commit():
        reservations.cancel_booking(booking=booking, user=booking.user)
    assert mail.outbox == []


def test_a_waitlisted_passenger_promoted_gets_mail(network, run_on_commit):
    set_coaches("12951", "1A", 1)  # 24 berths
    full = [
        paid_booking(run_on_commit, **{"class": "1A", "passengers": party(6, "Full Up")}) for _ in range(4)
    ]
    waiting = paid_booking(run_on_commit, **{"class": "1A"})
    assert waiting.passengers.get().status == P.WAITLIST
    mail.outbox.clear()
    with run_on_commit():
        reservations.cancel_booking(booking=full[0], user=full[0].user)
    promoted = [m for m in mail.outbox if m.to == [waiting.user.email]]
    (message,) = promoted
    now = waiting.passengers.get()
    assert now.status == P.CONFIRMED
    assert message.subject == f"PNR {waiting.pnr}: your status has improved"
    assert now.current_status in message.body and "booked as GNWL 1" in message.body
    assert any(f"PNR {waiting.pnr} moved up" in text.text for text in sms.outbox)


def test_a_promotion_made_by_the_booking_writer_is_told_once_after_its_batch_commits(
    network, run_on_commit, settings
):
    """The queue's writer releases expired holds before it allocates (reservations.hold_batch): the
    waitlisted passenger it moves up is told, from the batch's transaction, once it has committed."""
    set_coaches("12951", "1A", 1)  # 24 berths
    for _ in range(4):
        held_booking(new_passenger(), **{"class": "1A", "passengers": party(6, "Held Unpaid")})
    waiting = paid_booking(run_on_commit, **{"class": "1A"})
    assert waiting.passengers.get().status == P.WAITLIST
    mail.outbox.clear()
    sms.outbox.clear()
    later = timezone.now() + datetime.timedelta(minutes=settings.BOOKING_HOLD_MINUTES + 1)
    request = parse_booking_request(payload(**{"class": "1A"}), now=later)
    with run_on_commit() as callbacks:
        admission.hold_booking(new_passenger(), request, now=later)
        assert mail.outbox == []  # nothing told while the batch's transaction is open
    assert callbacks
    assert waiting.passengers.get().status == P.CONFIRMED
    (message,) = [m for m in mail.outbox if m.to == [waiting.user.email]]
    assert message.subject == f"PNR {waiting.pnr}: your status has improved"
    assert [t.text for t in sms.outbox if f"PNR {waiting.pnr} moved up" in t.text] != []


def test_chart_preparation_sends_the_final_status(network, run_on_commit):
    booking = paid_booking(run_on_commit)
    mail.outbox.clear()
    inventory = Inventory.objects.get()
    with run_on_commit():
        reservations.prepare_chart(inventory.pk, inventory.chart_due_at)
    (message,) = mail.outbox
    assert message.subject.startswith(f"Chart prepared: PNR {booking.pnr}")
    assert booking.passengers.get().current_status in message.body and "final" in html_of(message)


def test_each_message_is_sent_once_even_when_its_task_runs_again(network, run_on_commit):
    booking = paid_booking(run_on_commit)
    tasks.booking_confirmed.call(booking_id=booking.pk)
    assert len(mail.outbox) == 1


def test_a_rolled_back_change_tells_nobody(network, run_on_commit):
    booking = held_booking(traveller())
    with run_on_commit():
        with pytest.raises(RuntimeError), transaction.atomic():
            settle_payment(booking)
            raise RuntimeError("the surrounding work failed")
    assert mail.outbox == [] and Booking.objects.get(pk=booking.pk).status == Booking.Status.HELD


def test_paying_through_the_site_only_queues_the_mail(network, settings, run_on_commit):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    user = traveller()
    booking = held_booking(user)
    payment = booking.payments.get()
    with run_on_commit():
        response = logged_in_client(user).post(f"/payments/{payment.token}", {"action": "pay"})
    assert response.status_code == 302
    assert mail.outbox == []
    (queued,) = default_task_backend.results
    assert queued.task.name == "booking_confirmed" and queued.kwargs == {"booking_id": booking.pk}


def test_password_reset_mail_has_html_and_an_sms(db):
    from django.test import Client

    from testsupport.users import make_user

    verify_mobile(make_user("meera"))
    Client().post("/accounts/password/reset/", {"email": "meera@example.com"})
    (message,) = mail.outbox
    assert re.search(r"/accounts/reset/\S+/", message.body) and "Choose a new password" in html_of(message)
    (text,) = sms.outbox
    assert "password reset" in text.text
