"""One message to one passenger: a mail (plain text and HTML, attachments) and, when the account
has a verified mobile number, an SMS; rendered from notifications/<event>/{subject,body}.txt,
body.html and sms.txt, in the passenger's language (accounts.languages.language_of: a task has no
URL to take it from). Sent once per key (SentNotification)."""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError
from django.template.loader import render_to_string
from django.utils import translation

from accounts.languages import language_of
from accounts.models import Account
from railconnect.sms import send_sms

from .models import SentNotification

T = "notifications/"


def already_sent(key: str) -> bool:
    return SentNotification.objects.filter(key=key).exists()


def notify(
    *,
    user: User,
    event: str,
    context: dict[str, Any],
    key: str,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> bool:
    """Send `event` to `user` unless `key` was sent already; True when sent now. A failure raises
    before the key is recorded, so the task's retry sends it."""
    if already_sent(key):
        return False
    with translation.override(language_of(user=user)):
        _send(user=user, event=event, context=context, attachments=attachments)
    try:
        SentNotification.objects.create(key=key)
    except IntegrityError:  # a concurrent run sent it too: nothing to undo
        pass
    return True


def _send(
    *, user: User, event: str, context: dict[str, Any], attachments: Sequence[tuple[str, bytes, str]]
) -> None:
    site_url = settings.SITE_URL.rstrip("/")
    context = {**context, "user": user, "site_url": site_url}
    if "booking" in context:
        # Reversed here, in the passenger's language: the link leads to their language's page.
        context["ticket_url"] = site_url + context["booking"].get_absolute_url()
    if user.email:
        subject = " ".join(render_to_string(f"{T}{event}/subject.txt", context).split())
        mail = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"{T}{event}/body.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )
        mail.attach_alternative(render_to_string(f"{T}{event}/body.html", context), "text/html")
        for name, content, mimetype in attachments:
            mail.attach(name, content, mimetype)
        mail.send()
    account = Account.objects.filter(user=user).first()
    if account is not None and account.mobile_verified:
        send_sms(to=account.mobile, text=" ".join(render_to_string(f"{T}{event}/sms.txt", context).split()))
