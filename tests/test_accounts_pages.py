"""Sign up, log in, log out, password change and reset."""

import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from testsupport.users import logged_in_client, make_user

PASSWORD = "Tr41n-journeys-2026"


def test_sign_up_logs_in_and_header_shows_my_bookings(db):
    client = Client()
    page = client.get("/accounts/signup/")
    assert page.status_code == 200 and b"Log in" in page.content and b"My bookings" not in page.content
    response = client.post(
        "/accounts/signup/",
        {"username": "meera", "email": "meera@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    # Public pages are the same for everyone (shared caches keep them); personal pages show
    # the signed-in nav with its log-out form.
    personal = client.get("/bookings/")
    assert b"My bookings" in personal.content and b'action="/accounts/logout/"' in personal.content
    assert b"csrfmiddlewaretoken" in personal.content  # the log-out form is a POST with CSRF


def test_sign_up_errors(db):
    make_user("meera")
    response = Client().post(
        "/accounts/signup/", {"username": "meera", "email": "x", "password1": "a", "password2": "b"}
    )
    assert response.status_code == 400 and b"field-error" in response.content
    assert get_user_model().objects.count() == 1


def test_log_in_and_out(db):
    make_user("meera", PASSWORD)
    client = Client()
    assert client.get("/accounts/login/").status_code == 200
    bad = client.post("/accounts/login/", {"username": "meera", "password": "wrong"})
    assert bad.status_code == 200 and b"errors" in bad.content
    ok = client.post("/accounts/login/", {"username": "meera", "password": PASSWORD, "next": "/bookings/"})
    assert ok.status_code == 302 and ok["Location"] == "/bookings/"
    assert client.get("/bookings/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 405  # logging out takes a POST
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/bookings/").status_code == 302


def test_password_change(db):
    user = make_user("meera", PASSWORD)
    client = logged_in_client(user)
    assert client.get("/accounts/password/change/").status_code == 200
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "N3w-" + PASSWORD, "new_password2": "N3w-" + PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("N3w-" + PASSWORD)


def test_password_reset_by_email(db):
    make_user("meera", PASSWORD)
    client = Client()
    assert client.get("/accounts/password/reset/").status_code == 200
    response = client.post("/accounts/password/reset/", {"email": "meera@example.com"})
    assert response.status_code == 302 and len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and b"new_password1" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Fresh-" + PASSWORD, "new_password2": "Fresh-" + PASSWORD},
    )
    assert done.status_code == 302
    # (Through the login page: the lock-out backend needs the request that Client.login lacks.)
    assert (
        Client().post("/accounts/login/", {"username": "meera", "password": "Fresh-" + PASSWORD}).status_code
        == 302
    )
