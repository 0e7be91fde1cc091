"""A mobile number verified by a one-time code (OTP): what Tatkal booking requires.

Why: the Railway Board's 2025 Tatkal rules. From 1 July 2025 only users authenticated with
Aadhaar may book Tatkal tickets online, and from 15 July 2025 a one-time code sent to the
Aadhaar-linked mobile is also needed for Tatkal bookings (the Railway Board's order of June 2025,
as IRCTC applied it). The site has no Aadhaar link: a mobile
number verified here stands in for that authentication (booking/tatkal_rules.py checks it).

Codes: OTP_LENGTH digits, valid OTP_VALID_MINUTES, at most OTP_MAX_ATTEMPTS wrong tries each; a
new code replaces the previous one. Only a hash is stored (Django's password hashers): the code is
made and sent by a task (so the request never waits for the SMS gateway, and the code is never in
the task queue's rows either). Sending is rate limited per account (OTP_SENDS_PER_ACCOUNT in
OTP_SEND_WINDOW_MINUTES) and per client address (RATE_LIMITS["otp-send"]).
"""

import datetime
import re
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from railconnect.rate_limits import hit
from railconnect.sms import send_sms
from railconnect.task_retries import retried

from .languages import language_of
from .models import Account, MobileOtp


class VerificationRefused(Exception):
    """A refused step, with the message to show and the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


INDIAN_MOBILE = re.compile(r"[6-9]\d{9}")


def normalise_mobile(text: str) -> str:
    """ "+91 98765 43210", "098765-43210", "9876543210" -> "+919876543210"; else VerificationRefused."""
    digits = re.sub(r"[\s\-()]", "", text or "")
    digits = digits.removeprefix("+91") if digits.startswith("+91") else digits
    if len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    digits = digits.removeprefix("0") if len(digits) == 11 else digits
    if not INDIAN_MOBILE.fullmatch(digits):
        raise VerificationRefused(
            gettext("Enter an Indian mobile number: ten digits starting with 6, 7, 8 or 9.")
        )
    return "+91" + digits


def account_for(user: User) -> Account:
    account, _ = Account.objects.get_or_create(user=user)
    return account


def request_code(*, user: User, mobile: str, address: str) -> MobileOtp:
    """Record a code request for `mobile` (changing the account's number unverifies it) and queue
    the task that makes and sends the code. Raises VerificationRefused (429) past the limits."""
    mobile = normalise_mobile(mobile)
    limit, window = settings.RATE_LIMITS["otp-send"]
    allowed, _retry_after = hit("otp-send", address, limit, window)
    if not allowed:
        raise VerificationRefused(
            gettext("Too many codes asked for from this address: try again later."), 429
        )
    now = timezone.now()
    since = now - datetime.timedelta(minutes=settings.OTP_SEND_WINDOW_MINUTES)
    with transaction.atomic():
        account_for(user)
        account = Account.objects.select_for_update().get(user=user)  # one request at a time per account
        sent = MobileOtp.objects.filter(user=user, created_at__gte=since).count()
        if sent >= settings.OTP_SENDS_PER_ACCOUNT:
            raise VerificationRefused(
                gettext(
                    "You have asked for %(sent)d codes in the last %(minutes)d minutes: use the last one, "
                    "or try again later."
                )
                % {"sent": sent, "minutes": settings.OTP_SEND_WINDOW_MINUTES},
                429,
            )
        MobileOtp.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        if account.mobile != mobile:
            account.mobile, account.mobile_verified_at = mobile, None
            account.save(update_fields=["mobile", "mobile_verified_at"])
        otp = MobileOtp.objects.create(
            user=user,
            mobile=mobile,
            requested_from=address or None,
            expires_at=now + datetime.timedelta(minutes=settings.OTP_VALID_MINUTES),
        )
        transaction.on_commit(lambda: send_code.enqueue(otp_id=otp.pk))
    return otp


@task
@retried(attempts=3, first_delay=5)
def send_code(*, otp_id: int) -> None:
    """Make the code, send it, keep its hash. Idempotent: a code already sent, replaced or
    expired is not sent again (a retry after a failed SMS sends a fresh code)."""
    otp = MobileOtp.objects.select_related("user").filter(pk=otp_id).first()
    if otp is None or otp.code_hash or otp.used_at or otp.expires_at <= timezone.now():
        return
    code = "".join(secrets.choice("0123456789") for _ in range(settings.OTP_LENGTH))
    with translation.override(language_of(user=otp.user)):
        text = gettext(
            "%(code)s is your RailConnect verification code. It is valid for %(minutes)d minutes. "
            "Do not share it with anyone."
        ) % {"code": code, "minutes": settings.OTP_VALID_MINUTES}
    send_sms(to=otp.mobile, text=text)
    MobileOtp.objects.filter(pk=otp.pk, code_hash="").update(code_hash=make_password(code))


def verify_code(*, user: User, code: str) -> Account:
    """Check a code against the account's latest; on success the mobile number is verified."""
    now = timezone.now()
    code = (code or "").strip()
    with transaction.atomic():
        otp = (
            MobileOtp.objects.select_for_update()
            .filter(user=user, used_at__isnull=True)
            .exclude(code_hash="")
            .order_by("-created_at")
            .first()
        )
        if otp is None:
            raise VerificationRefused(gettext("No code is waiting: ask for a code first."))
        if otp.expires_at <= now:
            raise VerificationRefused(gettext("This code has expired: ask for a new one."))
        if otp.attempts >= settings.OTP_MAX_ATTEMPTS:
            raise VerificationRefused(gettext("Too many wrong codes: ask for a new one."), 429)
        if check_password(code, otp.code_hash):
            otp.used_at = now
            otp.save(update_fields=["used_at"])
            account = Account.objects.select_for_update().get(user=user)
            account.mobile, account.mobile_verified_at = otp.mobile, now
            account.save(update_fields=["mobile", "mobile_verified_at"])
            return account
        otp.attempts += 1
        otp.save(update_fields=["attempts"])
        left = settings.OTP_MAX_ATTEMPTS - otp.attempts
    # Raised after the commit: the wrong attempt stays counted.
    raise VerificationRefused(
        ngettext(
            "That code is wrong: %(left)d attempt left.", "That code is wrong: %(left)d attempts left.", left
        )
        % {"left": left}
        if left
        else gettext("That code is wrong, and that was the last attempt: ask for a new code."),
        400 if left else 429,
    )
