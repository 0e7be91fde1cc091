import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def mid_window(monkeypatch):
    """Fixed windows reset on the clock's boundaries: keep every test well inside one window."""
    monkeypatch.setattr("railconnect.rate_limits.clock", lambda: 1_800_000_030.0)


PASSWORD = "Tr41n-journeys-2026"


def login(client, username, password, address="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_repeated_failed_logins_lock_that_address_out_even_for_the_right_password(settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    get_user_model().objects.create_user("meera", password=PASSWORD)
    client = Client()
    for _ in range(4):
        assert login(client, "meera", "wrong").status_code == 200  # the form again, with an error
    assert login(client, "meera", "wrong").status_code == 429  # the failure that reaches the limit
    locked = login(client, "meera", PASSWORD)
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert b"Too many failed attempts" in locked.content
    # The lock is per username and address (tests/test_login_protection.py): the same name from
    # elsewhere still logs in, and so does that address with another name.
    assert login(Client(), "meera", PASSWORD, address="10.0.0.2").status_code == 302
    get_user_model().objects.create_user("ravi", password=PASSWORD)
    assert login(Client(), "ravi", PASSWORD, address="10.0.0.1").status_code == 302


def test_a_few_mistakes_do_not_lock_anyone_out(settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    get_user_model().objects.create_user("meera", password=PASSWORD)
    client = Client()
    for _ in range(4):
        login(client, "meera", "wrong")
    assert login(client, "meera", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "url, data, scope",
    [
        ("/accounts/login/", {"username": "x", "password": "y"}, "login"),
        ("/accounts/signup/", {"username": "", "password1": "a", "password2": "b"}, "signup"),
        ("/accounts/password/reset/", {"email": "nobody@example.com"}, "password-reset"),
    ],
)
def test_account_forms_are_rate_limited_per_address(settings, url, data, scope):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, scope: (3, 60)}
    settings.LOGIN_FAILURE_LIMIT = 100
    client = Client()
    statuses = [client.post(url, data, REMOTE_ADDR="10.1.1.1").status_code for _ in range(4)]
    assert 429 not in statuses[:3] and statuses[3] == 429
    assert Client().post(url, data, REMOTE_ADDR="10.1.1.2").status_code != 429


def test_booking_api_is_rate_limited_per_user_with_a_json_429(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "booking": (2, 60)}
    user = get_user_model().objects.create_user("meera", password=PASSWORD)
    client = Client()
    client.force_login(user)
    responses = [client.post("/api/bookings", "{}", content_type="application/json") for _ in range(3)]
    assert [r.status_code for r in responses[:2]] == [400, 400]
    assert responses[2].status_code == 429 and "error" in responses[2].json()
    other = Client()
    other.force_login(get_user_model().objects.create_user("ravi", password=PASSWORD))
    assert other.post("/api/bookings", "{}", content_type="application/json").status_code == 400
