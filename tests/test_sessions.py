"""Sessions across gunicorn's worker processes (railconnect/settings.py SESSION_ENGINE)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_log_out_on_another_worker_is_seen_by_this_one(settings):
    """gunicorn runs several worker processes. Another worker's log-out reaches the database, and the
    cache only when the cache is shared (Redis); with the local-memory cache of `make run` this
    worker must not keep serving its own stale copy of the session (railconnect/settings.py)."""
    from importlib import import_module

    from django.contrib.sessions.models import Session

    get_user_model().objects.create_user("asha", password="pw-asha-123-long")
    client = Client()
    client.post("/accounts/login/", {"username": "asha", "password": "pw-asha-123-long"})
    assert client.get("/dashboard").status_code == 200  # this worker has read the session
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    if settings.REDIS_URL:
        import_module(settings.SESSION_ENGINE).SessionStore(session_key=key).delete()
    else:
        Session.objects.filter(session_key=key).delete()
    assert client.get("/dashboard").status_code == 302, "still signed in after logging out elsewhere"
