"""The booking pages, end to end, with plain form posts (no JavaScript)."""

import re

import pytest
from django.test import Client

from booking.models import Booking
from payments.models import Payment
from railconnect.catalogues import compile_catalogues

from testsupport.bookings import payload, post_booking, travel_date
from testsupport.users import logged_in_client, make_user
from testsupport.visible_text import english_words


def choose_url(travel_class="3A", date=None, train="12951", board="AAA", alight="DDD"):
    return f"/book/{train}/{(date or travel_date()).isoformat()}/{board}/{alight}/{travel_class}"


def test_search_results_link_to_the_availability_page(network):
    response = Client().get("/search", {"from": "AAA", "to": "DDD", "date": travel_date().isoformat()})
    assert response.status_code == 200
    assert choose_url("3A").encode() in response.content


def test_availability_page_is_public_live_and_not_cached(network, client_for):
    page = Client().get(choose_url("3A"))
    assert page.status_code == 200
    # 10 coaches x (72 berths - 4 RAC - 6 Tatkal - 6 Premium Tatkal - 4 lower berth quota) - 6 Ladies
    assert b"AVAILABLE 514" in page.content
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]
    post_booking(client_for)
    assert b"AVAILABLE 513" in Client().get(choose_url("3A")).content


def test_availability_page_errors_are_400_not_500(network):
    assert Client().get(choose_url("1A", train="12002")).status_code == 400
    assert Client().get(choose_url("3A", board="ZZZ")).status_code == 400
    assert Client().get(choose_url("3A", date=travel_date(90))).status_code == 400
    for date in ("not-a-date", "2026-W50-4", "2026-344", "20261210"):
        page = Client().get(f"/book/12951/{date}/AAA/DDD/3A")
        assert page.status_code == 400 and b"Give the date as YYYY-MM-DD." in page.content, date
    assert Client().get("/book/00000/2026-01-01/AAA/DDD/3A").status_code == 404


def test_passenger_page_requires_login(network):
    response = Client().get(choose_url() + "/passengers")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_book_pay_and_see_the_e_ticket(network, client_for):
    form = client_for.get(choose_url() + "/passengers?quota=GN")
    assert (
        form.status_code == 200
        and b'name="p-0-name"' in form.content
        and b'name="p-1-name"' not in form.content
    )
    response = client_for.post(
        choose_url() + "/passengers",
        {
            "quota": "GN",
            "p-0-name": "Asha Rao",
            "p-0-age": "64",
            "p-0-gender": "F",
            "p-0-berth_preference": "",
            "p-1-name": "Kiran Rao",
            "p-1-age": "8",
            "p-1-gender": "M",
            "p-1-no_berth": "on",
            "p-2-name": "",
            "p-2-age": "",
        },
    )
    assert response.status_code == 302
    review_url = response["Location"]
    review = client_for.get(review_url)
    assert review.status_code == 200
    for text in (b"Reservation", b"Superfast", b"GST", b"Asha Rao", b"child, no berth", b"Confirm and pay"):
        assert text in review.content
    to_gateway = client_for.post(review_url)
    payment = Payment.objects.get()
    assert to_gateway["Location"] == f"/payments/{payment.token}"
    # A second press of "Confirm and pay" holds nothing more.
    again = client_for.post(review_url)
    assert Booking.objects.count() == 1 and again["Location"] == f"/bookings/{Booking.objects.get().pnr}"
    ticket_url = client_for.post(f"/payments/{payment.token}", {"action": "pay"})["Location"]
    ticket = client_for.get(ticket_url)
    booking = Booking.objects.get()
    assert booking.status == "BOOKED"
    content = ticket.content.decode()
    assert booking.pnr in content and "E-ticket" in content and "NOSB" in content
    assert re.search(r"CNF B1/\d+/(LB|SL)", content)  # a senior gets a lower berth
    assert "@media print" not in content  # printable layout comes from the stylesheet
    assert booking.pnr.encode() in client_for.get("/bookings/").content


def test_passenger_form_errors_are_shown(network, client_for):
    response = client_for.post(
        choose_url() + "/passengers", {"quota": "GN", "p-0-name": "R2D2", "p-0-age": "30", "p-0-gender": "M"}
    )
    assert response.status_code == 400 and b"Passenger 1" in response.content
    response = client_for.post(
        choose_url() + "/passengers", {"quota": "TQ", "p-0-name": "Asha", "p-0-age": "30", "p-0-gender": "F"}
    )
    assert response.status_code == 400 and b"Tatkal" in response.content


def test_cancel_page(network, client_for):
    pnr = post_booking(client_for).json()["pnr"]
    client_for.post(f"/api/bookings/{pnr}/pay", "{}", content_type="application/json")
    page = client_for.get(f"/bookings/{pnr}/cancel")
    assert page.status_code == 200 and "₹2,041.00" in page.content.decode()  # refund shown before cancelling
    assert client_for.post(f"/bookings/{pnr}/cancel", {}).status_code == 400
    # Ids that are not this booking's passengers cancel nothing.
    assert client_for.post(f"/bookings/{pnr}/cancel", {"passenger": ["999999"]}).status_code == 400
    assert Booking.objects.get().status == "BOOKED"
    passenger = Booking.objects.get().passengers.get()
    # Ticking asks for confirmation first (issue 14): nothing is cancelled until "confirm=yes".
    confirm = client_for.post(f"/bookings/{pnr}/cancel", {"passenger": [str(passenger.id)]})
    assert confirm.status_code == 200 and "Refund: <strong>₹2,041.00" in confirm.content.decode()
    assert Booking.objects.get().status == "BOOKED"
    response = client_for.post(
        f"/bookings/{pnr}/cancel", {"passenger": [str(passenger.id)], "confirm": "yes"}
    )
    assert response.status_code == 302
    assert Booking.objects.get().status == "CANCELLED"
    assert "₹2,041.00" in client_for.get(f"/bookings/{pnr}").content.decode()


def test_review_draft_of_someone_else_is_404(network, client_for):
    response = client_for.post(
        choose_url() + "/passengers", {"quota": "GN", "p-0-name": "Asha", "p-0-age": "30", "p-0-gender": "F"}
    )
    other = logged_in_client(make_user("zed"))
    assert other.get(response["Location"]).status_code == 404
    assert other.post(response["Location"]).status_code == 404


SEVEN = ["Asha Rao", "Bina Rao", "Chitra Rao", "Devi Rao", "Esha Rao", "Farah Rao", "Gita Rao"]


def passenger_rows(names):
    data = {}
    for i, name in enumerate(names):
        data.update({f"p-{i}-name": name, f"p-{i}-age": str(30 + i), f"p-{i}-gender": "F"})
    return data


def test_a_seventh_passenger_is_refused_not_dropped(network, client_for):
    response = client_for.post(choose_url() + "/passengers", {"quota": "GN", **passenger_rows(SEVEN)})
    assert response.status_code == 400
    content = response.content.decode()
    assert "At most 6 passengers per General ticket." in content
    assert all(name in content for name in SEVEN)  # shown again, all seven, to remove one
    six = client_for.post(choose_url() + "/passengers", {"quota": "GN", **passenger_rows(SEVEN[:6])})
    assert six.status_code == 302
    review = client_for.get(six["Location"]).content.decode()
    assert all(name in review for name in SEVEN[:6])


def test_a_fifth_tatkal_passenger_is_refused(network, client_for, settings):
    settings.TATKAL_AC_OPENING_HOUR = 0  # open now, whatever the time of the test
    url = choose_url(date=travel_date(1)) + "/passengers"
    response = client_for.post(url, {"quota": "TQ", **passenger_rows(SEVEN[:5])})
    assert response.status_code == 400 and b"At most 4 passengers per Tatkal ticket." in response.content


def test_the_same_passenger_twice_is_refused(network, client_for):
    data = {
        "quota": "GN",
        "p-0-name": "Asha Rao",
        "p-0-age": "30",
        "p-0-gender": "F",
        "p-1-name": "Asha Rao",
        "p-1-age": "30",
        "p-1-gender": "F",
    }
    response = client_for.post(choose_url() + "/passengers", data)
    assert response.status_code == 400
    assert b"Passenger 2 is the same as passenger 1 (name, age and gender)" in response.content
    assert not Booking.objects.exists()


def test_cancelling_some_passengers_of_an_unpaid_booking_on_the_cancel_page(network, client_for):
    two = [{"name": "Asha Rao", "age": 34, "gender": "F"}, {"name": "Ravi Rao", "age": 36, "gender": "M"}]
    pnr = post_booking(client_for, payload(passengers=two)).json()["pnr"]
    page = client_for.get(f"/bookings/{pnr}/cancel")
    assert b"Not paid yet: the passengers you cancel are not charged" in page.content
    ravi = Booking.objects.get(pnr=pnr).passengers.get(position=2)
    response = client_for.post(
        f"/bookings/{pnr}/cancel", {"passenger": [str(ravi.id)], "confirm": "yes"}, follow=True
    )
    content = response.content.decode()
    assert "Cancelled. Amount to pay now: \u20b92,221.00" in content
    assert Payment.objects.get(state="pending").amount == 2221
    assert f'href="/payments/{Payment.objects.get(state="pending").token}"' in content


def test_cancel_page_ticks_nobody_and_confirms_the_refund_per_passenger_and_the_total(network, client_for):
    two = [{"name": "Asha Rao", "age": 34, "gender": "F"}, {"name": "Ravi Rao", "age": 36, "gender": "M"}]
    pnr = post_booking(client_for, payload(passengers=two)).json()["pnr"]
    client_for.post(f"/api/bookings/{pnr}/pay", "{}", content_type="application/json")
    page = client_for.get(f"/bookings/{pnr}/cancel").content.decode()
    assert 'name="passenger"' in page and " checked" not in page
    ids = [str(p.id) for p in Booking.objects.get(pnr=pnr).passengers.all()]
    confirm = client_for.post(f"/bookings/{pnr}/cancel", {"passenger": ids}).content.decode()
    amounts = re.findall(r'data-label="Refund"><strong>₹([\d,.]+)</strong>', confirm)
    refunds = [float(amount.replace(",", "")) for amount in amounts]
    assert len(refunds) == 3  # one per passenger and the total
    assert sum(refunds[:2]) == refunds[2] > 0
    assert "Yes, cancel 2 passengers" in confirm
    assert Booking.objects.get(pnr=pnr).status == "BOOKED"  # nothing cancelled before confirming


def test_the_confirmation_lists_everyone_when_only_a_child_would_be_left(network, client_for):
    family = [{"name": "Asha Rao", "age": 34, "gender": "F"}, {"name": "Tara Rao", "age": 8, "gender": "F"}]
    pnr = post_booking(client_for, payload(passengers=family)).json()["pnr"]
    asha = Booking.objects.get(pnr=pnr).passengers.get(position=1)
    confirm = client_for.post(f"/bookings/{pnr}/cancel", {"passenger": [str(asha.id)]}).content.decode()
    assert "Tara Rao" in confirm and "Yes, cancel 2 passengers" in confirm


def test_error_pages_have_the_site_header_and_the_reason(network, client_for):
    expired = client_for.get("/book/review/no-such-draft")
    assert expired.status_code == 404
    assert 'class="site-header"' in expired.content.decode()
    assert "This booking draft has expired: start again from the search." in expired.content.decode()
    unknown_pnr = client_for.get("/bookings/1234567890")
    assert unknown_pnr.status_code == 404 and b"No booking with PNR 1234567890" in unknown_pnr.content
    assert b"no page at this address" in Client().get("/no/such/page").content
    api = Client().get("/api/no/such/endpoint")
    assert api.status_code == 404 and api.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("language", "reason", "general"),
    [
        ("hi", "आपके खाते में PNR 1234567890 वाली कोई बुकिंग नहीं है।", "इस पते पर कोई पेज नहीं है"),
        ("ta", "உங்கள் கணக்கில் PNR 1234567890 கொண்ட முன்பதிவு இல்லை.", "இந்த முகவரியில் பக்கம் எதுவும் இல்லை"),
    ],
)
def test_error_pages_in_hindi_and_tamil(network, client_for, language, reason, general):
    compile_catalogues()
    unknown_pnr = client_for.get(f"/{language}/bookings/1234567890")
    html = unknown_pnr.content.decode()
    assert unknown_pnr.status_code == 404 and f'<html lang="{language}"' in html and reason in html
    assert english_words(html) == set()
    unknown_page = Client().get(f"/{language}/no/such/page")
    assert unknown_page.status_code == 404 and general in unknown_page.content.decode()
    assert english_words(unknown_page.content.decode()) == set()


def test_a_refused_form_gets_the_site_page_with_the_reason_and_a_way_back(network, user):
    stale = logged_in_client(user, enforce_csrf_checks=True)
    stale.get("/bookings/")  # the CSRF cookie, as a browser holds it
    refused = stale.post(
        "/bookings/1234567890/cancel",
        {"csrfmiddlewaretoken": "x" * 32},
        HTTP_REFERER="http://testserver/bookings/",
    )
    html = refused.content.decode()
    assert refused.status_code == 403 and refused["Content-Type"].startswith("text/html")
    assert 'class="site-header"' in html and "Your form could not be sent" in html
    assert "Nothing was saved, booked or paid." in html and "out of date" in html
    assert '<a href="http://testserver/bookings/">Open the form again</a>' in html
    no_cookie = (
        Client(enforce_csrf_checks=True)
        .post("/accounts/login/", {"username": "a", "password": "b"}, HTTP_REFERER="https://evil.example/")
        .content.decode()
    )
    assert "allow cookies for this site" in no_cookie and "evil.example" not in no_cookie


@pytest.mark.parametrize(
    ("language", "heading"), [("hi", "आपका फ़ॉर्म नहीं भेजा जा सका"), ("ta", "உங்கள் படிவத்தை அனுப்ப முடியவில்லை")]
)
def test_the_refused_form_page_in_hindi_and_tamil(network, language, heading):
    compile_catalogues()
    page = Client(enforce_csrf_checks=True).post(f"/{language}/accounts/login/", {"username": "a"})
    html = page.content.decode()
    assert page.status_code == 403 and f'<html lang="{language}"' in html and heading in html
    assert english_words(html) == set()


def test_the_payment_outcome_is_shown_after_paying_and_a_failure_says_what_to_do(network, client_for):
    pnr = post_booking(client_for).json()["pnr"]
    token = Payment.objects.get().token
    failed = client_for.post(f"/payments/{token}", {"action": "fail"}, follow=True).content.decode()
    assert "Payment failed: your ticket is not booked" in failed and "press <strong>Pay</strong>" in failed
    assert "CNF" not in failed  # an unpaid booking never reads as a confirmed berth
    client_for.post(f"/bookings/{pnr}/pay")
    token = Payment.objects.get(state__in=["created", "pending"]).token
    paid = client_for.post(f"/payments/{token}", {"action": "pay"}, follow=True).content.decode()
    assert "Payment successful: your ticket is booked." in paid and "CNF" in paid


def test_one_passenger_block_add_passenger_without_javascript_and_no_default_gender(network, client_for):
    form = client_for.get(choose_url() + "/passengers?quota=GN").content.decode()
    assert '<option value="" selected>Choose</option>' in form and 'value="M" selected' not in form
    typed = {"quota": "GN", "p-0-name": "Asha Rao", "p-0-age": "34", "p-0-gender": "F"}
    more = client_for.post(choose_url() + "/passengers", {**typed, "add_passenger": "1"})
    assert more.status_code == 200 and not Booking.objects.exists()
    html = more.content.decode()
    assert 'value="Asha Rao"' in html and 'name="p-1-name"' in html and 'name="p-2-name"' not in html
    rows = {**typed, **{k: v for k, v in passenger_rows(SEVEN[:6]).items() if not k.startswith("p-0-")}}
    full = client_for.post(choose_url() + "/passengers", {**rows, "add_passenger": "1"}).content.decode()
    assert 'name="p-5-name"' in full and 'name="p-6-name"' not in full and "Add passenger" not in full


def test_change_passengers_keeps_what_was_typed(network, client_for):
    typed = {
        "quota": "GN",
        "p-0-name": "Asha Rao",
        "p-0-age": "34",
        "p-0-gender": "F",
        "p-1-name": "Ravi Rao",
    }
    typed.update({"p-1-age": "36", "p-1-gender": "M", "p-1-berth_preference": "UB"})
    review = client_for.get(client_for.post(choose_url() + "/passengers", typed)["Location"]).content.decode()
    change = re.search(r'href="([^"]+)">Change passengers', review)[1].replace("&amp;", "&")
    form = client_for.get(change).content.decode()
    assert 'value="Asha Rao"' in form and 'value="Ravi Rao"' in form and 'value="36"' in form
    assert '<option value="UB" selected>' in form
