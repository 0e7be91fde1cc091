"""Hindi and Tamil (issue 18, docs/i18n.md): complete catalogues, every key page wholly in Hindi,
URLs and the passenger's remembered choice, caches kept apart per language, Indian amounts,
names in English letters."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from booking.booking_requests import NAME_PATTERN
from booking.models import Booking
from payments.models import Payment
from railconnect.catalogues import catalogue_paths, compile_catalogues, incomplete_entries
from railconnect.indian_formats import rupees

from testsupport.bookings import post_booking, travel_date
from testsupport.visible_text import english_words

SEARCH = {"from": "AAA", "to": "DDD", "date": travel_date().isoformat()}


@pytest.fixture(autouse=True, scope="module")
def _compiled_catalogues():
    compile_catalogues()


# --- Catalogues -------------------------------------------------------------------------------


def test_every_language_has_a_complete_catalogue():
    codes = {path.parts[-3] for path in catalogue_paths()}
    assert codes == {code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE}
    for path in catalogue_paths():
        assert incomplete_entries(path) == [], f"untranslated or fuzzy in {path}"


def test_an_untranslated_or_fuzzy_entry_is_found(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: hi\\n"\n\nmsgid "Book"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Fare"\nmsgstr "किराया"\n\nmsgid "Age"\nmsgstr "उम्र"\n',
        encoding="utf-8",
    )
    assert incomplete_entries(po) == ["Book", "Fare"]


# --- Every key page in Hindi: no visible English word ---------------------------------------------


def hindi_page(client, url, status=200, language="hi"):
    response = client.get(url)
    assert response.status_code == status, url
    html = response.content.decode()
    assert f'<html lang="{language}"' in html, url
    assert response["Content-Language"] == language
    return html


def test_the_visible_text_check_finds_english_outside_data():
    assert english_words(
        '<p title="Fare">किराया <b>Total</b> PNR <span translate="no">Asha Rao</span></p>'
    ) == {
        "Fare",
        "Total",
    }


@pytest.mark.parametrize("language", ["hi", "ta"])
def test_public_pages_have_no_english_word(network, language):
    client = Client()
    for path in (
        "/",
        "/search?" + "&".join(f"{key}={value}" for key, value in SEARCH.items()),
        "/search?from=AAA&to=DDD&date=" + SEARCH["date"] + "&band=night&travel_class=1A",
        "/trains/12951",
        f"/book/12951/{SEARCH['date']}/AAA/DDD/3A",
        "/pnr",
        "/offline",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
    ):
        url = f"/{language}{path}"
        assert english_words(hindi_page(client, url, language=language)) == set(), url


def test_a_passenger_books_pays_and_cancels_in_hindi(network, client_for):
    passengers = hindi_page(client_for, f"/hi/book/12951/{SEARCH['date']}/AAA/DDD/3A/passengers?quota=GN")
    assert english_words(passengers) == set()
    review_url = client_for.post(
        f"/hi/book/12951/{SEARCH['date']}/AAA/DDD/3A/passengers",
        {
            "quota": "GN",
            "p-0-name": "Asha Rao",
            "p-0-age": "64",
            "p-0-gender": "F",
            "p-1-name": "",
            "p-1-age": "",
        },
    )["Location"]
    assert review_url.startswith("/hi/book/review/")
    assert english_words(hindi_page(client_for, review_url)) == set()
    to_gateway = client_for.post(review_url)["Location"]
    assert to_gateway.startswith("/hi/payments/")
    assert english_words(hindi_page(client_for, to_gateway)) == set()
    ticket_url = client_for.post(to_gateway, {"action": "pay"})["Location"]
    assert ticket_url.startswith("/hi/bookings/")
    ticket = hindi_page(client_for, ticket_url)
    assert english_words(ticket) == set() and "ई-टिकट" in ticket
    booking = Booking.objects.get()
    assert english_words(hindi_page(client_for, f"/hi/pnr/{booking.pnr}")) == set()
    cancel = hindi_page(client_for, f"/hi/bookings/{booking.pnr}/cancel")
    assert english_words(cancel) == set()
    passenger = booking.passengers.get()
    assert client_for.post(f"/hi/bookings/{booking.pnr}/cancel", {"passenger": [str(passenger.id)]})[
        "Location"
    ].startswith("/hi/bookings/")
    assert english_words(hindi_page(client_for, "/hi/bookings/")) == set()
    for url in (
        "/hi/dashboard",
        "/hi/dashboard/journeys",
        "/hi/dashboard/statistics",
        "/hi/dashboard/passengers",
    ):
        assert english_words(hindi_page(client_for, url)) == set(), url
    assert Payment.objects.get().state == "succeeded"


def test_a_name_in_another_script_is_refused_in_hindi(network, client_for):
    response = client_for.post(
        f"/hi/book/12951/{SEARCH['date']}/AAA/DDD/3A/passengers",
        {"quota": "GN", "p-0-name": "राम", "p-0-age": "30", "p-0-gender": "M"},
    )
    assert response.status_code == 400
    assert "अंग्रेज़ी अक्षरों (A से Z)" in response.content.decode()


# --- URLs, the remembered choice, the switcher --------------------------------------------------


def test_first_visit_follows_accept_language_then_the_cookie_wins(db):
    assert Client().get("/", HTTP_ACCEPT_LANGUAGE="en-IN,en;q=0.9,hi;q=0.8").status_code == 200
    to_hindi = Client().get("/search?from=AAA&to=DDD", HTTP_ACCEPT_LANGUAGE="hi-IN,hi;q=0.9,en;q=0.5")
    assert to_hindi.status_code == 302 and to_hindi["Location"] == "/hi/search?from=AAA&to=DDD"
    assert "Accept-Language" in to_hindi["Vary"] and "Cookie" in to_hindi["Vary"]
    to_tamil = Client().get("/pnr", HTTP_ACCEPT_LANGUAGE="ta")
    assert to_tamil["Location"] == "/ta/pnr"
    chose_english = Client()
    chose_english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en-in"
    assert chose_english.get("/", HTTP_ACCEPT_LANGUAGE="hi").status_code == 200


def test_the_api_sw_manifest_and_admin_stay_unprefixed(network):
    client = Client(HTTP_ACCEPT_LANGUAGE="hi")
    for url in ("/api/stations?q=mum", "/sw.js", "/manifest.webmanifest", "/admin/login/"):
        assert client.get(url).status_code == 200, url
    for url in ("/hi/api/stations?q=mum", "/hi/sw.js", "/hi/manifest.webmanifest", "/hi/metrics"):
        assert client.get(url).status_code == 404, url


def test_the_switcher_keeps_the_page_and_query_and_remembers_the_choice(network):
    page = Client().get("/search", SEARCH).content.decode()
    links = dict(re.findall(r'<a href="(/language/[^"]+)" lang="([^"]+)"', page))
    hindi_link = next(url for url, lang in links.items() if lang == "hi").replace("&amp;", "&")
    client = Client()
    response = client.get(hindi_link)
    assert response.status_code == 302
    assert response["Location"].startswith("/hi/search?from=AAA&to=DDD&date=")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "hi"
    # Now remembered: the unprefixed page sends this passenger to Hindi.
    assert client.get("/pnr")["Location"] == "/hi/pnr"
    # No CSRF token, no form: the public page stays cacheable.
    assert "csrfmiddlewaretoken" not in page and "public" in Client().get("/search", SEARCH)["Cache-Control"]


def test_the_switcher_refuses_other_sites_and_unknown_languages(db):
    assert Client().get("/language/hi?next=https://evil.example/")["Location"] == "/hi/"
    assert Client().get("/language/xx?next=/").status_code == 400


def test_the_manifest_and_service_worker_know_each_language(db):
    hindi = Client().get("/manifest.webmanifest?lang=hi").json()
    assert hindi["start_url"] == "/hi/?source=pwa" and hindi["lang"] == "hi"
    assert "गाड़ियाँ" in hindi["shortcuts"][0]["name"] and hindi["shortcuts"][2]["url"] == "/hi/pnr"
    assert Client().get("/manifest.webmanifest?lang=zz").json()["start_url"] == "/?source=pwa"
    worker = Client().get("/sw.js").content.decode()
    for offline in ('"/offline"', '"/hi/offline"', '"/ta/offline"'):
        assert offline in worker
    assert "உங்கள்" not in worker  # the worker holds URLs, not words
    assert "?lang=hi" in Client().get("/hi/pnr").content.decode()


# --- Caches: a Hindi and an English passenger never get each other's page ------------------------


def test_the_page_cache_keeps_one_copy_per_language(network):
    english = Client().get("/search", SEARCH)
    hindi = Client().get("/hi/search", SEARCH)
    tamil = Client().get("/ta/search", SEARCH)
    for response, lang in ((english, "en-IN"), (hindi, "hi"), (tamil, "ta")):
        assert f'<html lang="{lang}"'.encode() in response.content
        assert response["Content-Language"] == lang
    # Again, now from the whole-page cache: still each its own.
    assert b'<html lang="hi"' in Client().get("/hi/search", SEARCH).content
    assert b'<html lang="en-IN"' in Client().get("/search", SEARCH).content
    # A Hindi passenger asking for the English URL is sent to Hindi, not served the cached page.
    redirected = Client(HTTP_ACCEPT_LANGUAGE="hi").get("/search", SEARCH)
    assert redirected.status_code == 302 and redirected["Location"].startswith("/hi/search?")
    # HTTP caches: the unprefixed page varies on what decides the redirect.
    assert {"Cookie", "Accept-Language"} <= {v.strip() for v in english["Vary"].split(",")}


# --- Indian formats and names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("4452"), "₹4,452.00"),
        (Decimal("100000"), "₹1,00,000.00"),
        (Decimal("12345678.5"), "₹1,23,45,678.50"),
        (Decimal("999.995"), "₹1,000.00"),
        (0, "₹0.00"),
        (Decimal("-2041.4"), "-₹2,041.40"),
    ],
)
def test_amounts_use_indian_grouping_and_paise(amount, shown):
    assert rupees(amount) == shown


def test_amounts_and_times_on_the_hindi_ticket(network, client_for):
    pnr = post_booking(client_for).json()["pnr"]
    page = client_for.get(f"/hi/bookings/{pnr}").content.decode()
    assert re.search(r"₹\d{1,2}(,\d\d)*,?\d{0,3}\.\d\d", page)
    assert not re.search(r"\b(AM|PM|a\.m\.|p\.m\.)\b", page)
    assert not re.search("[०-९௦-௯]", page), "Latin digits only"


@pytest.mark.parametrize("name", ["Asha Rao", "R. K. Narayan", "D'Souza", "Mary-Anne O'Neil"])
def test_names_in_english_letters_are_accepted(name):
    assert NAME_PATTERN.match(name)


@pytest.mark.parametrize("name", ["राम", "कमल", "Иван", "José", "ராமன்", "Asha2"])
def test_names_in_other_letters_are_refused(name):
    assert not NAME_PATTERN.match(name)


# --- The language remembered on the account (for mails, SMS, the e-ticket PDF) -----------------


def test_the_account_remembers_the_switcher_and_the_login_language(user, client_for):
    from accounts.languages import language_of

    assert language_of(user=user) == settings.LANGUAGE_CODE
    client_for.get("/language/ta?next=/ta/")
    assert language_of(user=user) == "ta"
    client = Client()
    client.post("/hi/accounts/login/", {"username": user.username, "password": "a-long-test-password"})
    assert language_of(user=user) == "hi"
    Client().get("/language/en-in?next=/")  # nobody signed in: no account changes
    assert language_of(user=user) == "hi"


def test_the_password_reset_mail_is_in_the_language_it_was_asked_in(db, settings, mailoutbox):
    from testsupport.users import make_user

    make_user("meera")
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password-reset": (10**6, 3600)}
    response = Client().post("/hi/accounts/password/reset/", {"email": "meera@example.com"})
    assert response["Location"] == "/hi/accounts/password/reset/sent/"
    (mail,) = mailoutbox
    assert "पासवर्ड रीसेट करें" in mail.subject
    assert "नया पासवर्ड यहाँ चुनें" in mail.body and "http://testserver/hi/accounts/reset/" in mail.body
