"""Lock-out after repeated failed logins, per username and per client address.

Every failed password check (Django's user_login_failed signal) counts against the username and
against the address it came from; once either reaches LOGIN_FAILURE_LIMIT within
LOGIN_LOCKOUT_SECONDS, further attempts are refused with 429 before any password is checked,
even a correct one, until the window ends. Counters live in the cache (railconnect.rate_limits).
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from railconnect.rate_limits import client_address, count, hit, too_many_requests

SCOPE = "login-failures"


def _keys(username, request):
    keys = [f"name:{(username or '').strip().lower()[:150]}"]
    if request is not None:
        keys.append(f"addr:{client_address(request)}")
    return keys


@receiver(user_login_failed)
def count_failed_login(sender, credentials, request=None, **kwargs):
    for key in _keys(credentials.get("username"), request):
        hit(SCOPE, key, settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_LOCKOUT_SECONDS)


def locked_out(username, request):
    """Seconds until the lock ends, or 0 when logging in is allowed."""
    for key in _keys(username, request):
        failures, retry_after = count(SCOPE, key, settings.LOGIN_LOCKOUT_SECONDS)
        if failures >= settings.LOGIN_FAILURE_LIMIT:
            return retry_after
    return 0


def refuse_locked_out_logins(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST":
            retry_after = locked_out(request.POST.get("username"), request)
            if retry_after:
                return too_many_requests(
                    request, retry_after,
                    "Too many failed attempts to log in. For your safety, logging in is paused for a while.",
                )
        return view(request, *args, **kwargs)

    return wrapper
