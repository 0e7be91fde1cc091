"""Failed-login lock-out, for every login path (the site's and the admin's), by django-axes.

Axes checks each authentication in its backend (settings.AUTHENTICATION_BACKENDS), before any
password is compared, so whatever view calls `authenticate` is covered. Two counters, both kept in
the database (shared by every gunicorn worker and app instance, with or without Redis):

- failures for one username from one address: past LOGIN_FAILURE_LIMIT that pair is refused.
  The same username from any other address is not, so nobody can lock a passenger out by
  guessing wrong on purpose;
- failures from one address over all usernames: past LOGIN_ADDRESS_FAILURE_LIMIT the address is
  refused for every username, so one address cannot spray passwords over many accounts.

Both end LOGIN_LOCKOUT_SECONDS after the last failure counted. Attempts refused during a lock are
not recorded (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off): hammering neither prolongs
the lock nor grows the table. Settings: "Login protection" at the bottom of railconnect/settings.py.
"""

import ipaddress
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy

from railconnect.rate_limits import client_address, too_many_requests

MESSAGE = gettext_lazy(
    "Too many failed attempts to log in. For your safety, logging in is paused for a while."
)

# The counters, in the order LockoutHandler.get_failures reads them.
LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]


def lockout_parameters(request, credentials):
    return LOCKOUT_PARAMETERS


def failure_limit(request, credentials):
    return settings.LOGIN_FAILURE_LIMIT


def cool_off(request):
    return timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)


def client_ip(request):
    """The site's one notion of a client (railconnect.rate_limits), as axes can store it in its IP
    column: an IPv6 client's /64 by the first address in it, and None when there is no readable
    address (all such requests then share one counter, as they share one rate limit)."""
    address = client_address(request)
    return None if address == "unknown" else str(ipaddress.ip_network(address).network_address)


class LockoutHandler(AxesDatabaseHandler):
    """Axes compares the larger of its counters with one limit; here each counter has its own.

    The count reported is the pair's failures, or the pair limit itself once the address as a
    whole has used up its allowance. The database handler uses get_failures both to refuse an
    attempt and to lock on the failure that reaches a limit, so the two stay consistent.
    """

    def get_failures(self, request, credentials=None):
        pair, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(pair, get_failure_limit(request, credentials))
        return pair

    def seconds_locked(self, request, credentials=None):
        """Until the lock ends, at most: LOGIN_LOCKOUT_SECONDS after the latest failure counted."""
        latests = [
            attempts.aggregate(latest=Max("attempt_time"))["latest"]
            for attempts in self.get_user_attempts(request, credentials)
        ]
        latest = max((moment for moment in latests if moment), default=timezone.now())
        remaining = latest + cool_off(request) - timezone.now()
        return max(1, int(remaining.total_seconds() + 0.999))


def locked_out_response(request, original_response=None, credentials=None):
    """429 with Retry-After: the site's page (JSON under /api/), as for every other limit."""
    return too_many_requests(
        request, AxesProxyHandler.get_implementation().seconds_locked(request, credentials), MESSAGE
    )
