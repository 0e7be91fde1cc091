"""Who may book Tatkal, and when: the Railway Board's 2025 Tatkal rules, checked once per request
(`check_tatkal_eligibility`, called by admission.submit before the request is queued, so a
refusal is the same 403 whether the answer would have been 201 or 202). The opening times
themselves are in booking_rules (tatkal_opens_at).

- From 1 July 2025 only authenticated users may book Tatkal online (Aadhaar; from 15 July 2025
  with a one-time code as well). Here: an account whose mobile number is verified by an OTP
  (accounts/mobile_verification.py). Applies to Tatkal and Premium Tatkal (TQ, PT).
- From 1 July 2025 authorised agents may not book Tatkal in the first 30 minutes of the window:
  10:00-10:30 for AC classes, 11:00-11:30 for non-AC, IST, on the day before the journey.

A refusal is TatkalRefused (403) with a message saying what to do; booking/responses.py answers it.
"""

import datetime

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Account

from .booking_rules import RuleError, tatkal_opens_at

TATKAL_QUOTAS = frozenset({"TQ", "PT"})
AGENT_EMBARGO = datetime.timedelta(minutes=30)


class TatkalRefused(RuleError):
    status = 403


def check_tatkal_eligibility(
    *,
    user: User,
    quota: str,
    travel_class: str,
    journey_date: datetime.date,
    now: datetime.datetime,
) -> None:
    if quota not in TATKAL_QUOTAS:
        return
    account = Account.objects.filter(user=user).first()
    if account is None or not account.mobile_verified:
        raise TatkalRefused(
            "quota",
            gettext(
                "Tatkal tickets can be booked only from an account with a verified mobile number "
                "(Indian Railways' rule since 1 July 2025). Verify yours with a one-time code at "
                "%(url)s, then book again."
            )
            % {"url": reverse("accounts:mobile")},
        )
    if account.is_agent:
        opens = tatkal_opens_at(journey_date, travel_class)
        if opens <= now < opens + AGENT_EMBARGO:
            raise TatkalRefused(
                "quota",
                gettext(
                    "Authorised agents may not book Tatkal in the first 30 minutes after it opens "
                    "(Indian Railways' rule since 1 July 2025): %(travel_class)s Tatkal for this train "
                    "opened at %(opened)s IST; agents may book from %(agents_from)s IST."
                )
                % {
                    "travel_class": travel_class,
                    "opened": f"{timezone.localtime(opens):%H:%M}",
                    "agents_from": f"{timezone.localtime(opens + AGENT_EMBARGO):%H:%M}",
                },
            )
