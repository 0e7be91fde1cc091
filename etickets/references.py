"""The signed reference a printed ticket's QR code carries, which /verify/<reference> checks.

Signed with a key of its own, settings.TICKET_SIGNING_KEY (not SECRET_KEY), and a salt of its own:
rotating the site's SECRET_KEY (with or without SECRET_KEY_FALLBACKS) logs people out but never
invalidates a ticket already printed. The ticket key itself can be rotated the same way Django's
can: the new one in TICKET_SIGNING_KEY, the old ones in TICKET_SIGNING_KEY_FALLBACKS (printed
tickets stay valid while their key is listed there).

The reference is "<PNR>:<signature>" (URL-safe): short enough for a small QR code. It proves the
ticket was issued by us; whether it is still valid (not cancelled, journey not over) is looked
up when it is checked.
"""

from django.conf import settings
from django.core.signing import BadSignature, Signer

SALT = "etickets.verify"


def _signer() -> Signer:
    fallback_keys: list[bytes | str] = list(settings.TICKET_SIGNING_KEY_FALLBACKS)
    return Signer(key=settings.TICKET_SIGNING_KEY, fallback_keys=fallback_keys, salt=SALT)


def reference_for(*, pnr: str) -> str:
    return _signer().sign(pnr)


def pnr_from(*, reference: str) -> str | None:
    """The PNR a reference was signed for; None when forged or altered."""
    try:
        return _signer().unsign(reference)
    except BadSignature:
        return None


def verify_url(*, base_url: str, pnr: str) -> str:
    """The absolute /verify/ address of a ticket; base_url: the site's (a request's, or SITE_URL)."""
    from django.urls import reverse

    return base_url.rstrip("/") + reverse("etickets:verify", args=[reference_for(pnr=pnr)])
