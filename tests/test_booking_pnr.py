"""The public PNR enquiry: statuses without names, honest about unpaid holds, rate limited."""

import datetime

import pytest
from django.test import Client

from testsupport.bookings import payload, post_booking


def test_pnr_status_is_public_and_shows_no_names(network, client_for):
    body = post_booking(
        client_for, payload(passengers=[{"name": "Asha Secretname", "age": 30, "gender": "F"}])
    ).json()
    assert (
        client_for.post(f"/api/bookings/{body['pnr']}/pay", "{}", content_type="application/json").status_code
        == 200
    )
    page = Client().get(f"/pnr/{body['pnr']}")
    assert page.status_code == 200
    content = page.content.decode()
    assert body["pnr"] in content and "12951" in content and "CNF B1/" in content
    assert "Secretname" not in content and "Asha" not in content and "Not confirmed" not in content
    assert '<meta name="robots" content="noindex">' in content  # one booking's page: not for an index


def test_an_unpaid_hold_is_never_shown_as_confirmed(network, client_for):
    """Its berths are held, but the ticket is not confirmed until it is paid: the PNR enquiry,
    the e-ticket, My bookings and the dashboard must not say CNF."""
    pnr = post_booking(client_for).json()["pnr"]
    pages = {
        "pnr": Client().get(f"/pnr/{pnr}"),
        "ticket": client_for.get(f"/bookings/{pnr}"),
        "my bookings": client_for.get("/bookings/"),
        "dashboard": client_for.get("/dashboard"),
    }
    for name, page in pages.items():
        content = page.content.decode()
        assert page.status_code == 200 and pnr in content, name
        assert "CNF" not in content and "Confirmed" not in content, name
    for name in ("pnr", "ticket", "dashboard"):
        assert "Not confirmed: awaiting payment" in pages[name].content.decode(), name
    assert "Awaiting payment" in pages["my bookings"].content.decode()


def test_a_lapsed_unpaid_hold_says_so(network, client_for):
    from booking.models import Booking

    pnr = post_booking(client_for).json()["pnr"]
    Booking.objects.filter(pnr=pnr).update(hold_expires_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    content = Client().get(f"/pnr/{pnr}").content.decode()
    assert "Not confirmed: not paid in time" in content and "CNF" not in content


@pytest.fixture
def fixed_window(monkeypatch):
    monkeypatch.setattr("railconnect.rate_limits.clock", lambda: 1_800_000_030.0)


def test_pnr_lookups_are_rate_limited_per_address(db, settings, fixed_window):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "pnr": (3, 60)}
    client = Client()
    statuses = [client.get(f"/pnr/12345678{n:02d}", REMOTE_ADDR="10.9.0.1").status_code for n in range(4)]
    assert statuses == [404, 404, 404, 429]
    refused = client.get("/pnr/1234567890", REMOTE_ADDR="10.9.0.1")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
    assert refused["Content-Type"].startswith("text/html") and b"try again in" in refused.content
    assert client.head("/pnr/1234567890", REMOTE_ADDR="10.9.0.1").status_code == 429
    # Another address is not affected, and the form itself (no lookup) is not counted.
    assert client.get("/pnr/1234567890", REMOTE_ADDR="10.9.0.2").status_code == 404
    assert client.get("/pnr", REMOTE_ADDR="10.9.0.1").status_code == 200


def test_the_pnr_limit_is_set_from_the_environment():
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.RATE_LIMITS['pnr'])"
    )
    env = {"DJANGO_SETTINGS_MODULE": "railconnect.settings", "PNR_RATE_LIMIT": "7", "PATH": ""}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "(7, 60)"


def test_pnr_form_and_unknown_pnr(db):
    client = Client()
    assert client.get("/pnr").status_code == 200
    assert client.get("/pnr", {"pnr": "12345"}).status_code == 400
    assert client.get("/pnr", {"pnr": "1234567890"})["Location"] == "/pnr/1234567890"
    assert client.get("/pnr/1234567890").status_code == 404
    assert client.get("/pnr/<script>").status_code == 404


def test_a_pnr_of_odd_digits_is_never_a_500(db):
    """ "²" is a digit to str.isdigit() that int() refuses (the fuzzer found /pnr/² a 500); digits
    of another script, as a Hindi or Tamil keyboard types them, are read as the PNR's digits."""
    client = Client()
    assert client.get("/pnr/²").status_code == 404
    assert client.get("/pnr/²234567890").status_code == 404
    assert client.get("/pnr", {"pnr": "²" * 10}).status_code == 400
    assert client.get("/pnr", {"pnr": "१२३४५६७८९०"})["Location"] == "/pnr/1234567890"
    assert client.get("/pnr", {"pnr": "௧௨௩௪௫௬௭௮௯௦"})["Location"] == "/pnr/1234567890"
