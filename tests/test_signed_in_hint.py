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
