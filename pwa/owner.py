"""The owner tag: whose session a personal response belongs to, for the service worker.

The worker keeps e-tickets offline (pwa/templates/pwa/sw.js) in a cache named after the tag of the
response that brought them, and deletes them as soon as it sees another tag: another passenger
signed in on the device, or "anonymous" because the session ended. See docs/security/offline-privacy.md.

- `X-RC-Owner`: an HMAC (keyed by SECRET_KEY) of the user id and the session key, never the raw
  id: the same for every response of one session, different for another user or another session
  (a new sign-in starts a new owner), meaningless to anyone without the key. "anonymous" when no
  one is signed in.
- `X-RC-Owner-Max-Age`: seconds until the session expires (signed in only), so the worker stops
  showing its tickets offline when the session would have ended, even if it never hears so.

Only non-public GET/HEAD responses carry the tags. Public pages are the same for everyone (and
whole-page cached, and kept by shared caches): a per-user header there could give one passenger's
tag to another. For them the worker asks `pwa:owner`, a tiny `no-store` response carrying the tags.
"""

import time
from datetime import UTC, datetime

from django.utils.crypto import salted_hmac

OWNER_HEADER = "X-RC-Owner"
MAX_AGE_HEADER = "X-RC-Owner-Max-Age"
ANONYMOUS = "anonymous"
# When the session was last modified and saved (Unix seconds): its expiry counts from there (Django
# counts a session's age from its last save, and so does its cookie's Max-Age). With
# SESSION_SAVE_EVERY_REQUEST the stamp may be older than the last save: an earlier expiry, never a later one.
SAVED_AT_KEY = "pwa_saved_at"


def owner_tag(*, user, session_key):
    """The opaque tag of a signed-in user's session, or ANONYMOUS."""
    if not user.is_authenticated:
        return ANONYMOUS
    return salted_hmac("pwa.owner", f"{user.pk}:{session_key or ''}", algorithm="sha256").hexdigest()[:32]


def seconds_left(session):
    """Seconds until the session expires, counted from its last save (when known; sessions saved
    before this stamp existed count from now, as Django's own get_expiry_date does)."""
    saved_at = session.get(SAVED_AT_KEY)
    modification = datetime.fromtimestamp(saved_at, UTC) if saved_at else None
    expires = session.get_expiry_date(**({"modification": modification} if modification else {}))
    return max(0, int(expires.timestamp() - time.time()))


class OwnerTagMiddleware:
    """Tags non-public GET/HEAD responses with their owner, and stamps the session's save time.

    Sits just inside SessionMiddleware: it sees the final Cache-Control (CachePolicyMiddleware has
    run), tags 304s as well (ConditionalGetMiddleware is inside), and its stamp is saved with the
    session. Reading the session here only happens for non-public responses, so public pages gain
    no "Vary: Cookie".
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or user is None:
            return response  # cut short before authentication: the owner is unknown, say nothing
        if session.modified and user.is_authenticated:
            session[SAVED_AT_KEY] = int(time.time())  # it is about to be saved anyway
        if request.method in ("GET", "HEAD") and "public" not in response.get("Cache-Control", ""):
            response[OWNER_HEADER] = owner_tag(user=user, session_key=session.session_key)
            if user.is_authenticated:
                response[MAX_AGE_HEADER] = str(seconds_left(session))
        return response
