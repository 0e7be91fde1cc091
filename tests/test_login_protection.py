"""Failed-login lock-out (accounts/login_lockout.py, django-axes) on the public and the admin login.

Failures count per (username, address) pair and per address over all usernames; nobody can lock a
passenger out from elsewhere, and one address cannot spray passwords over many accounts."""

import threading
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db import close_old_connections
from django.test import Client

PASSWORD = "Tr41n-journeys-2026"
PUBLIC, ADMIN = "/accounts/login/", "/admin/login/"
ATTACKER, VICTIM = "10.66.0.1", "10.1.0.7"


@pytest.fixture(autouse=True)
def limits(settings):
    """The defaults, with the per-address request rate limit out of the way: these tests are about
    failed logins (the request limit is tested below and in test_rate_limits.py)."""
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 20
    settings.LOGIN_LOCKOUT_SECONDS = 900
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (10**6, 60)}


def passenger(name="meera", **extra):
    return get_user_model().objects.create_user(name, f"{name}@example.com", PASSWORD, **extra)


def log_in(url, username, password, address, client=None):
    return (client or Client()).post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def assert_locked(response):
    assert response.status_code == 429, response.status_code
    assert 0 < int(response["Retry-After"]) <= 900
    assert b"Too many failed attempts to log in" in response.content


def test_the_admin_login_locks_after_repeated_failures(db):
    passenger("root", is_staff=True, is_superuser=True)
    statuses = [log_in(ADMIN, "root", f"guess-{n}", ATTACKER).status_code for n in range(25)]
    # Four wrong answers get the form again; the fifth locks that address out of the account.
    assert statuses[:4] == [200] * 4 and statuses[4:] == [429] * 21
    assert_locked(log_in(ADMIN, "root", PASSWORD, ATTACKER))
    # Refused attempts were not counted: the lock still ends 15 minutes after the fifth failure.
    assert AccessAttempt.objects.get().failures_since_start == 5


def test_an_attacker_cannot_lock_a_passenger_out(db):
    passenger("meera")
    passenger("root", is_staff=True, is_superuser=True)
    for url, name in ((PUBLIC, "meera"), (ADMIN, "root")):
        for n in range(8):
            log_in(url, name, f"guess-{n}", ATTACKER)
        assert_locked(log_in(url, name, PASSWORD, ATTACKER))
        # The right password from the passenger's own address still logs in, on either path.
        response = log_in(url, name, PASSWORD, VICTIM)
        assert response.status_code == 302, response.status_code
    # ...and the passenger's own mistakes count on their own.
    for n in range(4):
        assert log_in(PUBLIC, "meera", f"typo-{n}", VICTIM).status_code == 200
    assert log_in(PUBLIC, "meera", PASSWORD, VICTIM).status_code == 302


def test_one_address_cannot_spray_passwords_over_many_accounts(db):
    passenger("ravi")
    # A lock on one account does not stop that address logging in to another...
    for n in range(5):
        log_in(PUBLIC, "meera", f"guess-{n}", ATTACKER)
    assert log_in(PUBLIC, "ravi", PASSWORD, ATTACKER).status_code == 302
    # ...but 20 failures from it over any usernames, on either login, stop it for every username.
    for n in range(15):
        response = log_in((PUBLIC, ADMIN)[n % 2], f"user{n}", "Password123", ATTACKER)
        assert response.status_code == (200 if n < 14 else 429), (n, response.status_code)
    for url in (PUBLIC, ADMIN):
        assert_locked(log_in(url, "ravi", PASSWORD, ATTACKER))
        assert log_in(url, "ravi", PASSWORD, VICTIM).status_code in (
            200,
            302,
        )  # 200: the admin refuses non-staff


def test_public_and_admin_logins_share_the_failure_counters(db):
    passenger("root", is_staff=True, is_superuser=True)
    for n in range(3):
        assert log_in(PUBLIC, "root", f"guess-{n}", ATTACKER).status_code == 200
    assert log_in(ADMIN, "root", "guess-3", ATTACKER).status_code == 200
    assert_locked(log_in(ADMIN, "root", "guess-4", ATTACKER))
    assert_locked(log_in(PUBLIC, "root", PASSWORD, ATTACKER))


def test_public_and_admin_logins_share_the_request_rate_limit(settings, db):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (3, 60)}
    statuses = [log_in(url, "nobody", "x", "10.7.7.7").status_code for url in (PUBLIC, ADMIN, PUBLIC, ADMIN)]
    assert statuses == [200, 200, 200, 429]
    assert log_in(ADMIN, "nobody", "x", "10.7.7.8").status_code == 200


def test_the_lock_ends_after_the_cool_off(db):
    passenger("meera")
    for n in range(5):
        log_in(PUBLIC, "meera", f"guess-{n}", ATTACKER)
    assert_locked(log_in(PUBLIC, "meera", PASSWORD, ATTACKER))
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(seconds=901)
    )
    assert log_in(PUBLIC, "meera", PASSWORD, ATTACKER).status_code == 302


def test_the_lock_answers_json_to_json_clients(db):
    for n in range(5):
        log_in(PUBLIC, "meera", f"guess-{n}", ATTACKER)
    response = Client().post(
        PUBLIC,
        {"username": "meera", "password": PASSWORD},
        REMOTE_ADDR=ATTACKER,
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 429 and "Too many failed attempts" in response.json()["error"]
    assert int(response["Retry-After"]) > 0


def test_concurrent_failures_are_all_counted(postgres_only, transactional_db, settings):
    """Workers share the counters through the database: failures arriving at once all count."""
    threads, per_thread, errors = 8, 3, []
    settings.LOGIN_FAILURE_LIMIT = settings.LOGIN_ADDRESS_FAILURE_LIMIT = threads * per_thread

    def attack():
        try:
            for n in range(per_thread):
                log_in(PUBLIC, "nobody", f"guess-{n}", ATTACKER)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            close_old_connections()

    workers = [threading.Thread(target=attack) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors and not any(worker.is_alive() for worker in workers)
    # No increment lost, and the last one locked the pair.
    assert AccessAttempt.objects.get().failures_since_start == threads * per_thread
    assert_locked(log_in(PUBLIC, "nobody", "guess", ATTACKER))


def test_ipv6_clients_are_counted_by_their_64(db):
    """As by every rate limit: one subscriber usually holds a whole /64 (and PostgreSQL's inet
    column takes the /64's first address, not the network: this was a 500 there)."""
    passenger("meera")
    for n in range(5):
        log_in(PUBLIC, "meera", f"guess-{n}", f"2001:db8:1:2::{n + 1}")
    assert_locked(log_in(PUBLIC, "meera", PASSWORD, "2001:db8:1:2:ffff::9"))
    assert log_in(PUBLIC, "meera", PASSWORD, "2001:db8:1:3::1").status_code == 302
