"""/sw.js: served from the root by Django, revalidated on every update check, its version derived
from the static build's manifest (changed assets: new worker; unchanged deploy: same bytes)."""

import re

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage

from pwa import views

from testsupport.booking_rows import DAY, World, booking, save_all
from testsupport.networks import booking_network
from testsupport.users import make_user

pytestmark = pytest.mark.django_db


def _version(body):
    return re.search(r'const VERSION = "([0-9a-f]{12})";', body)[1]


def test_service_worker_is_served_from_the_root(client, production_static):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    assert _version(body)
    # the precache list names the hashed static files and the offline page
    assert re.search(r'"/static/js/pwa\.[0-9a-f]{12}\.js"', body)
    assert re.search(r'"/static/js/pages/search\.[0-9a-f]{12}\.js"', body)
    assert '"/offline"' in body


def test_same_build_same_worker_changed_assets_new_worker(client, production_static, monkeypatch):
    first = client.get("/sw.js").content
    assert client.get("/sw.js").content == first  # an unchanged deploy: byte-identical, no update
    storage = (
        staticfiles_storage._wrapped if hasattr(staticfiles_storage, "_wrapped") else staticfiles_storage
    )
    changed = {**storage.hashed_files, "js/pwa.js": "js/pwa.0123456789ab.js"}
    monkeypatch.setattr(storage, "hashed_files", changed)
    assert _version(client.get("/sw.js").content.decode()) != _version(first.decode())


def test_worker_never_caches_sensitive_requests(client, production_static):
    body = client.get("/sw.js").content.decode()
    assert 'request.method !== "GET"' in body
    never = re.search(r"const NEVER = /(.+)/;", body)[1]
    for prefix in ("admin", "payments", "accounts"):
        assert prefix in never
    assert "no-store" in body


def test_offline_page_is_public(client, production_static):
    response = client.get("/offline")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    assert b"data-offline-list" in response.content


def test_e_ticket_may_be_stored_by_the_passengers_browser(client):
    booking_network()
    user = make_user("asha")
    world = World()
    from django.utils import timezone

    ticket = booking(world, user, departs_at=timezone.now() + 5 * DAY)
    save_all([ticket])
    client.force_login(user)
    response = client.get(f"/bookings/{ticket.pnr}")
    assert response.status_code == 200
    control = response["Cache-Control"]
    assert "private" in control and "no-store" not in control
    assert b"data-offline-ticket" in response.content


def test_e_ticket_awaiting_payment_is_not_stored(client):
    booking_network()
    user = make_user("asha")
    world = World()
    from django.utils import timezone

    held = booking(world, user, departs_at=timezone.now() + 5 * DAY, status="HELD", paid=False)
    save_all([held])
    client.force_login(user)
    response = client.get(f"/bookings/{held.pnr}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_version_changes_with_the_static_manifest(monkeypatch):
    monkeypatch.setattr(views, "static_manifest_fingerprint", lambda: "a")
    a = views.worker_version()
    monkeypatch.setattr(views, "static_manifest_fingerprint", lambda: "b")
    assert views.worker_version() != a


def test_logout_clears_the_browsers_http_cache(client):
    user = make_user("asha")
    client.force_login(user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache"'
