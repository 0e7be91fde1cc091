"""Hindi and Tamil (issue 18, docs/i18n.md): complete catalogues, every key page wholly in Hindi,
URLs and the passenger's remembered choice, caches kept apart per language, Indian amounts,
names in English letters."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from booking.booking_requests import NAME_PATTERN
from booking.booking_rules import RuleError
from booking.models import Booking
from demo.pictures import seed_pictures
from etickets.references import reference_for
from payments.models import Payment
from promotions.models import Picture
from railconnect.catalogues import catalogue_paths, compile_catalogues, incomplete_entries
from railconnect.indian_formats import rupees
from search.places import city_of_label

from testsupport.bookings import post_booking, settle_payment, travel_date
from testsupport.caches import reset_caches
from testsupport.networks import next_weekday, tiny_network
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


@pytest.mark.parametrize("language", ["hi", "ta"])
def test_a_passenger_books_pays_and_cancels_in_hindi_and_tamil(network, client_for, language):
    passengers = hindi_page(
        client_for,
        f"/{language}/book/12951/{SEARCH['date']}/AAA/DDD/3A/passengers?quota=GN",
        language=language,
    )
    assert english_words(passengers) == set()
    review_url = client_for.post(
        f"/{language}/book/12951/{SEARCH['date']}/AAA/DDD/3A/passengers",
        {
            "quota": "GN",
            "p-0-name": "Asha Rao",
            "p-0-age": "64",
            "p-0-gender": "F",
            "p-1-name": "",
            "p-1-age": "",
        },
    )["Location"]
    assert review_url.startswith(f"/{language}/book/review/")
    assert english_words(hindi_page(client_for, review_url, language=language)) == set()
    to_gateway = client_for.post(review_url)["Location"]
    assert to_gateway.startswith(f"/{language}/payments/")
    assert english_words(hindi_page(client_for, to_gateway, language=language)) == set()
    ticket_url = client_for.post(to_gateway, {"action": "pay"})["Location"]
    assert ticket_url.startswith(f"/{language}/bookings/")
    ticket = hindi_page(client_for, ticket_url, language=language)
    assert english_words(ticket) == set() and {"hi": "ई-टिकट", "ta": "மின்-டிக்கெட்"}[language] in ticket
    booking = Booking.objects.get()
    assert english_words(hindi_page(client_for, f"/{language}/pnr/{booking.pnr}", language=language)) == set()
    cancel = hindi_page(client_for, f"/{language}/bookings/{booking.pnr}/cancel", language=language)
    assert english_words(cancel) == set()
    passenger = booking.passengers.get()
    # Ticking asks for confirmation first (issue 14), then confirm=yes cancels.
    confirm = client_for.post(
        f"/{language}/bookings/{booking.pnr}/cancel", {"passenger": [str(passenger.id)]}
    )
    assert confirm.status_code == 200 and english_words(confirm.content.decode()) == set()
    assert client_for.post(
        f"/{language}/bookings/{booking.pnr}/cancel", {"passenger": [str(passenger.id)], "confirm": "yes"}
    )["Location"].startswith(f"/{language}/bookings/")
    assert english_words(hindi_page(client_for, f"/{language}/bookings/", language=language)) == set()
    for url in (
        f"/{language}/dashboard",
        f"/{language}/dashboard/journeys",
        f"/{language}/dashboard/statistics",
        f"/{language}/dashboard/passengers",
        f"/{language}/accounts/password/change/",
        f"/{language}/accounts/mobile/",
    ):
        assert english_words(hindi_page(client_for, url, language=language)) == set(), url
    assert Payment.objects.get().state == "succeeded"


def test_a_name_in_another_script_is_refused_in_hindi(network, client_for):
    response = client_for.post(
        f"/hi/book/12951/{SEARCH['date']}/AAA/DDD/3A/passengers",
        {"quota": "GN", "p-0-name": "राम", "p-0-age": "30", "p-0-gender": "M"},
    )
    assert response.status_code == 400
    assert "अंग्रेज़ी अक्षरों (A से Z)" in response.content.decode()


# --- The pages added since: fare enquiry, errors, the booking request, /verify/ ------------------


@pytest.mark.parametrize("language", ["hi", "ta"])
def test_fare_enquiry_and_availability_in_every_quota(network, language):
    """The availability and fare enquiry page (per quota, and a class the train has not), with the
    date strip and the refusals of a search fragment, in the page's language."""
    client = Client()
    base = f"/{language}/book/12951/{SEARCH['date']}/AAA/DDD"
    for quota in ("GN", "TQ", "PT", "LD", "SS"):
        page = hindi_page(client, f"{base}/3A?quota={quota}", language=language)
        assert english_words(page) == set(), quota
    assert english_words(hindi_page(client, f"{base}/ZZ", status=400, language=language)) == set()
    dates = client.get(f"/{language}/search/dates", SEARCH)
    assert dates.status_code == 200 and english_words(dates.content.decode()) == set()
    for fragment in ("dates", "alternatives"):
        refused = client.get(f"/{language}/search/{fragment}", {**SEARCH, "from": ""})
        assert refused.status_code == 400 and refused["Content-Type"] == "text/plain; charset=utf-8"
        assert english_words(refused.content.decode()) == set(), fragment


@pytest.mark.parametrize("language", ["hi", "ta"])
def test_error_pages_are_in_the_page_language(network, client_for, settings, language):
    client = Client()
    for url, status in (
        (f"/{language}/no-such-page", 404),
        (f"/{language}/trains/99999", 404),
        (f"/{language}/pnr/1234567890", 404),
    ):
        assert english_words(hindi_page(client, url, status=status, language=language)) == set(), url
    for url in (
        f"/{language}/book/review/no-such-draft",
        f"/{language}/bookings/9999999999",
        f"/{language}/bookings/requests/99999",
        f"/{language}/dashboard/passengers/99999",
    ):
        assert english_words(hindi_page(client_for, url, status=404, language=language)) == set(), url
    # A form refused by the CSRF check (a page left open past its session): the site's own page.
    expired = Client(enforce_csrf_checks=True).post(f"/{language}/accounts/login/", {"username": "a"})
    assert expired.status_code == 403 and f'<html lang="{language}"' in expired.content.decode()
    assert english_words(expired.content.decode()) == set()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    too_big = client.post(f"/{language}/accounts/login/", {"username": "x" * 4096})
    assert too_big.status_code == 413 and english_words(too_big.content.decode()) == set()
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "pnr": (1, 60)}
    client.get(f"/{language}/pnr/1234567890")
    limited = client.get(f"/{language}/pnr/1234567890")
    assert limited.status_code == 429 and english_words(limited.content.decode()) == set()
    # 500 and 503 render without a request (no database): in the language the request activated.
    with translation.override(language):
        for template in ("500.html", "503.html"):
            page = render_to_string(template, {"retry_after": 30})
            assert f'<html lang="{language}"' in page and english_words(page) == set(), template


@pytest.mark.parametrize("language", ["hi", "ta"])
def test_the_booking_request_page_in_the_queue_and_refused(network, language):
    """/bookings/requests/<id> while the request waits (its place, refreshing itself) and when it
    was refused: what the page itself says (the refusal's own wording is the request's)."""
    with translation.override(language):
        waiting = render_to_string(
            "booking/queued.html", {"position": 2, "wait_seconds": 1, "estimated_wait_ms": 40}
        )
        refused = render_to_string(
            "booking/queued.html",
            {"error": RuleError("train", gettext("There is no train number %(train)s.") % {"train": "1"})},
        )
    assert english_words(waiting) == set() and "<strong>2</strong>" in waiting
    assert english_words(refused) == set()


@pytest.mark.parametrize("language", ["hi", "ta"])
def test_the_verify_page_follows_the_checkers_language(network, client_for, language):
    pnr = post_booking(client_for).json()["pnr"]
    booking = Booking.objects.get(pnr=pnr)
    settle_payment(booking)
    checker = Client(HTTP_ACCEPT_LANGUAGE=language)
    valid = checker.get(f"/verify/{reference_for(pnr=pnr)}")
    assert valid.status_code == 200 and f'<html lang="{language}"' in valid.content.decode()
    assert english_words(valid.content.decode()) == set()
    forged = checker.get(f"/verify/{pnr}:forged")
    assert forged.status_code == 404 and english_words(forged.content.decode()) == set()


@pytest.mark.parametrize("language", ["hi", "ta"])
def test_the_home_pictures_texts_are_in_the_language(network, language):
    """The banner's and destinations' title, subtitle and alt text (data in English) come from the
    catalogue when it has them (the demo pictures'); an admin's own text is shown as written and
    marked lang="en"."""
    seed_pictures(scale=0.05)
    home = hindi_page(Client(), f"/{language}/", language=language)
    assert english_words(home) == set() and 'lang="en"' not in home.split("<main", 1)[1]
    assert {"hi": "कोंकण रेलवे पर मानसून", "ta": "கொங்கண் பாதையில் பருவமழை"}[language] in home
    Picture.objects.filter(title="Goa").update(title="Goa by night")
    reset_caches()
    home = Client().get(f"/{language}/").content.decode()
    assert re.search(r'<span lang="en"><strong>Goa by night</strong>', home)


# --- The autocomplete's city entry in the page's language -----------------------------------------


def test_the_city_entry_is_shown_and_accepted_in_every_language(db):
    tiny_network()
    for language, label in (
        ("en-in", "Alpha (all stations)"),
        ("hi", "Alpha (सभी स्टेशन)"),
        ("ta", "Alpha (அனைத்து நிலையங்களும்)"),
    ):
        prefix = "" if language == "en-in" else f"/{language}"
        client = Client()
        if language == "en-in":
            client.cookies["rc_language"] = "en-in"
        home = client.get(f"{prefix}/").content.decode()
        # The page hands the autocomplete its label template (static/js/components/station-autocomplete.js).
        assert f'data-city-text="{label.replace("Alpha", "{city}")}"' in home, language
        results = client.get(f"{prefix}/search", {"from": label, "to": "BET", "date": next_weekday(0)})
        assert results.status_code == 200, (language, results.content[:500])
        assert "12001" in results.content.decode() and "12002" in results.content.decode(), language
    assert city_of_label("Alpha (सभी स्टेशन)") == "Alpha" and city_of_label("Alpha Central") is None


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
    # Each language's start URL is precached: the installed app opens offline (issue 14).
    for start in ('"/?source=pwa"', '"/hi/?source=pwa"', '"/ta/?source=pwa"'):
        assert start in worker
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


@pytest.mark.parametrize("language", ["hi", "ta"])
def test_fares_class_buttons_and_alternatives_follow_the_page_language(network, language):
    """Issue 14's fragments are pages too: under /hi/ and /ta/, in that language, one copy each."""
    client = Client()
    results = hindi_page(
        client, f"/{language}/search?from=AAA&to=DDD&date={SEARCH['date']}", language=language
    )
    # The results page asks for its class buttons in its own language.
    classes_url = f"/{language}/book/12951/{SEARCH['date']}/AAA/DDD/classes"
    assert f'data-lazy-fragment="{classes_url}"' in results
    classes = client.get(classes_url)
    english = Client().get(f"/book/12951/{SEARCH['date']}/AAA/DDD/classes")
    assert classes.status_code == english.status_code == 200
    assert classes["Content-Language"] == language and english["Content-Language"] == "en-IN"
    shown = classes.content.decode()
    assert english_words(shown) == set() and "₹" in shown and ".00" in shown
    assert shown != english.content.decode()  # "AVAILABLE n" is in the page's language
    # Kept by HTTP caches per URL, so per language; the unprefixed copy varies on what picks one.
    assert "public" in classes["Cache-Control"]
    assert {"Cookie", "Accept-Language"} <= {v.strip() for v in english["Vary"].split(",")}
    alternatives = client.get(
        f"/{language}/search/alternatives",
        {**SEARCH, "travel_class": "3A", "exclude": "12951"},
    )
    assert alternatives.status_code == 200 and alternatives["Content-Language"] == language
    assert english_words(alternatives.content.decode()) == set()
    if "data-lazy-fragment" in alternatives.content.decode():
        assert f'data-lazy-fragment="/{language}/book/' in alternatives.content.decode()
    # The date field's message, in the page's language.
    refused = client.get(f"/{language}/search", {**SEARCH, "date": "25-12-2026"})
    assert refused.status_code == 400 and english_words(refused.content.decode()) == set()


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
