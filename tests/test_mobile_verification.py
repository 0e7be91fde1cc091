"""The mobile number and its one-time code (accounts/mobile_verification.py): codes are hashed,
expire, allow few attempts; sending is limited per account and per address; the page."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from accounts import mobile_verification as mv
from accounts.models import Account, MobileOtp
from railconnect import sms

from testsupport.users import logged_in_client, make_user


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SMS_BACKEND = "railconnect.sms.LocmemBackend"
    sms.outbox.clear()
    return sms.outbox


def ask(user, mobile="98765 43210", address="203.0.113.5"):
    return mv.request_code(user=user, mobile=mobile, address=address)


def last_code(outbox):
    return re.match(r"(\d{6}) is your RailConnect verification code", outbox[-1].text).group(1)


@pytest.mark.parametrize(
    "text", ["9876543210", "+91 98765 43210", "+919876543210", "09876543210", "919876543210", "98765-43210"]
)
def test_indian_mobile_numbers_are_normalised(text):
    assert mv.normalise_mobile(text) == "+919876543210"


@pytest.mark.parametrize("text", ["", "12345", "5876543210", "+1 415 555 0100", "98765432101", "abcdefghij"])
def test_other_numbers_are_refused_clearly(text):
    with pytest.raises(mv.VerificationRefused, match="Indian mobile number"):
        mv.normalise_mobile(text)


def test_the_code_is_sent_by_a_task_after_commit_and_only_its_hash_is_kept(
    db, sms_outbox, django_capture_on_commit_callbacks
):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        otp = ask(user)
    assert [message.to for message in sms_outbox] == ["+919876543210"]
    code = last_code(sms_outbox)
    otp.refresh_from_db()
    assert otp.code_hash and code not in otp.code_hash
    assert not Account.objects.get(user=user).mobile_verified
    mv.verify_code(user=user, code=code)
    account = Account.objects.get(user=user)
    assert account.mobile_verified and account.mobile == "+919876543210"


def test_a_code_expires(db, sms_outbox, django_capture_on_commit_callbacks):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        otp = ask(user)
    MobileOtp.objects.filter(pk=otp.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(mv.VerificationRefused, match="expired"):
        mv.verify_code(user=user, code=last_code(sms_outbox))
    assert not Account.objects.get(user=user).mobile_verified


def test_few_attempts_then_even_the_right_code_is_refused(
    db, settings, sms_outbox, django_capture_on_commit_callbacks
):
    settings.OTP_MAX_ATTEMPTS = 3
    user = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        ask(user)
    code = last_code(sms_outbox)
    wrong = "000000" if code != "000000" else "111111"
    messages = []
    for _ in range(3):
        with pytest.raises(mv.VerificationRefused) as refused:
            mv.verify_code(user=user, code=wrong)
        messages.append((refused.value.status, refused.value.message))
    assert [m for _, m in messages[:2]] == [
        "That code is wrong: 2 attempts left.",
        "That code is wrong: 1 attempt left.",
    ]
    assert messages[2][0] == 429 and "last attempt" in messages[2][1]
    with pytest.raises(mv.VerificationRefused, match="Too many wrong codes"):
        mv.verify_code(user=user, code=code)
    assert not Account.objects.get(user=user).mobile_verified


def test_a_new_code_replaces_the_last(db, sms_outbox, django_capture_on_commit_callbacks):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        ask(user)
    first = last_code(sms_outbox)
    with django_capture_on_commit_callbacks(execute=True):
        ask(user)
    second = last_code(sms_outbox)
    if first != second:
        with pytest.raises(mv.VerificationRefused):
            mv.verify_code(user=user, code=first)
    mv.verify_code(user=user, code=second)


def test_sending_is_limited_per_account(db, settings):
    settings.OTP_SENDS_PER_ACCOUNT = 2
    user = make_user()
    ask(user, address="203.0.113.1")
    ask(user, address="203.0.113.2")
    with pytest.raises(mv.VerificationRefused) as refused:
        ask(user, address="203.0.113.3")
    assert refused.value.status == 429 and "2 codes" in refused.value.message


def test_sending_is_limited_per_address(db, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "otp-send": (2, 3600)}
    ask(make_user("one"))
    ask(make_user("two"))
    with pytest.raises(mv.VerificationRefused) as refused:
        ask(make_user("three"))
    assert refused.value.status == 429 and "this address" in refused.value.message


def test_changing_the_number_unverifies_it(db, sms_outbox, django_capture_on_commit_callbacks):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        ask(user)
    mv.verify_code(user=user, code=last_code(sms_outbox))
    ask(user, mobile="9123456780")
    account = Account.objects.get(user=user)
    assert account.mobile == "+919123456780" and not account.mobile_verified


def test_the_page_sends_and_verifies(db, sms_outbox, django_capture_on_commit_callbacks):
    user = make_user()
    client = logged_in_client(user)
    assert "No mobile number yet" in client.get("/accounts/mobile/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/mobile/", {"action": "send", "mobile": "98765 43210"})
    assert response.status_code == 302
    bad = client.post("/accounts/mobile/", {"action": "verify", "code": "abc"})
    assert bad.status_code == 400 and "2 attempts left" in bad.content.decode()
    client.post("/accounts/mobile/", {"action": "verify", "code": last_code(sms_outbox)})
    assert "+919876543210 is verified" in client.get("/accounts/mobile/").content.decode()
    assert client.post("/accounts/mobile/", {"action": "send", "mobile": "12"}).status_code == 400
    assert Client().get("/accounts/mobile/").status_code == 302  # to the login page
