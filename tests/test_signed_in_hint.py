"""The signed-in hint cookie the cached public pages' header reads (accounts/signed_in_hint.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.signed_in_hint import SIGNED_IN_COOKIE

pytestmark = pytest.mark.django_db


def test_log_in_sets_the_hint_log_out_deletes_it_and_private_pages_correct_it():
    get_user_model().objects.create_user("asha", password="pw-asha-123-long")
    client = Client()
    client.post("/accounts/login/", {"username": "asha", "password": "pw-asha-123-long"})
    assert client.cookies[SIGNED_IN_COOKIE].value == "1"
    assert "Log out" in client.get("/bookings/").content.decode()
    client.post("/accounts/logout/")
    assert client.cookies[SIGNED_IN_COOKIE].value == ""  # deleted
    stale = Client()
    stale.cookies[SIGNED_IN_COOKIE] = "1"  # a session that ended without a log-out
    response = stale.get("/bookings/", follow=True)
    assert response.cookies[SIGNED_IN_COOKIE].value == ""


def test_personal_pages_are_noindex_public_pages_are_not():
    get_user_model().objects.create_user("asha", password="pw-asha-123-long")
    client = Client()
    client.post("/accounts/login/", {"username": "asha", "password": "pw-asha-123-long"})
    assert client.get("/bookings/")["X-Robots-Tag"] == "noindex"
    assert "X-Robots-Tag" not in Client().get("/pnr")


def test_without_javascript_a_personal_stylesheet_shows_the_header_and_the_page_stays_shared():
    get_user_model().objects.create_user("asha", password="pw-asha-123-long")
    signed_in = Client()
    signed_in.post("/accounts/login/", {"username": "asha", "password": "pw-asha-123-long"})
    home, anonymous_home = signed_in.get("/"), Client().get("/")
    assert home.content == anonymous_home.content, "a public page is the same for everyone"
    assert "public" in home["Cache-Control"]
    link = '<noscript><link rel="stylesheet" href="/accounts/signed-in.css"></noscript>'
    assert link in home.content.decode()
    assert link in Client().get("/hi/").content.decode()  # one stylesheet for every language
    assert link not in signed_in.get("/bookings/").content.decode()  # private pages read the session
    css = signed_in.get("/accounts/signed-in.css")
    assert css["Content-Type"] == "text/css; charset=utf-8"
    assert "[data-account-nav=signed-out]{display:none}" in css.content.decode()
    assert css["Cache-Control"] == "private, no-cache" and "Cookie" in css["Vary"]
    anonymous = Client().get("/accounts/signed-in.css")
    assert anonymous.status_code == 200 and anonymous.content == b""
    assert anonymous["Cache-Control"] == "private, no-cache"
    signed_in.post("/accounts/logout/")
    assert signed_in.get("/accounts/signed-in.css").content == b""
