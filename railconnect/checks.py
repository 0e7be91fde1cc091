"""railconnect.E001: with DEBUG off, SECRET_KEY (and each SECRET_KEY_FALLBACKS entry) must be long,
varied and not published. Anyone holding the key can forge sessions, password-reset links and the
payment gateway's signed callbacks.

Unlike Django's security.W009 this is an error, and it is not only a `check --deploy` check: it
runs with every management command and when the WSGI application loads (railconnect/wsgi.py), so
a server with such a key refuses to start.
"""

import hashlib

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.checks.security.base import SECRET_KEY_MIN_LENGTH, SECRET_KEY_MIN_UNIQUE_CHARACTERS
from django.utils.crypto import constant_time_compare

TAG = "secret_key"
# SHA-256 of keys that were published, so never secret: the fixed local key settings.py used to
# fall back to (in this repository's history until issue 13).
PUBLISHED_KEY_DIGESTS = {"8fbe2cc21428d5289c4ccbc19c338de578195ccf4afcd7a30705cbf7855b9230"}
# Django's startproject keys say what they are.
INSECURE_PREFIX = "django-insecure-"


def weakness(key):
    """Why `key` must not sign anything in production, or None."""
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return (
            f"it is shorter than {SECRET_KEY_MIN_LENGTH} characters or has fewer than "
            f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} different characters"
        )
    if key.startswith(INSECURE_PREFIX):
        return f"it starts with {INSECURE_PREFIX!r} (generated for development)"
    digest = hashlib.sha256(key.encode()).hexdigest()
    if any(constant_time_compare(digest, published) for published in PUBLISHED_KEY_DIGESTS):
        return "it is published (it was in this repository)"
    return None


@register(Tags.security, TAG)
def secret_key_is_secret(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    errors = []
    named = [("SECRET_KEY", settings.SECRET_KEY)]
    named += [(f"SECRET_KEY_FALLBACKS[{i}]", key) for i, key in enumerate(settings.SECRET_KEY_FALLBACKS)]
    for name, key in named:
        reason = weakness(str(key))
        if reason:
            errors.append(
                Error(
                    f"{name} is not a usable secret: {reason}.",
                    hint="Set SECRET_KEY in the environment to a new random value of 50+ characters, e.g. "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
                    id="railconnect.E001",
                )
            )
    return errors


def refuse_unsafe_start():
    """Raise ImproperlyConfigured when the checks above fail (called as the WSGI app loads)."""
    from django.core.checks import run_checks
    from django.core.exceptions import ImproperlyConfigured

    errors = run_checks(tags=[TAG])
    if errors:
        raise ImproperlyConfigured(
            "refusing to serve:\n" + "\n".join(f"{e.id}: {e.msg} HINT: {e.hint}" for e in errors)
        )


@register()
def replica_settings_consistent(app_configs, **kwargs):
    """railconnect.E002: a passenger's write must be remembered longer than the replica may lag, or
    the read-your-writes cookie could expire while the replica, still fit to read, lacks the write
    (railconnect/replicas.py)."""
    if (
        settings.REPLICA_READ_YOUR_WRITES_SECONDS
        <= settings.REPLICA_MAX_LAG_SECONDS + settings.REPLICA_HEALTH_SECONDS
    ):
        return [
            Error(
                "REPLICA_READ_YOUR_WRITES_SECONDS must exceed REPLICA_MAX_LAG_SECONDS + "
                "REPLICA_HEALTH_SECONDS.",
                hint="Raise REPLICA_READ_YOUR_WRITES_SECONDS or lower REPLICA_MAX_LAG_SECONDS.",
                id="railconnect.E002",
            )
        ]
    return []
