"""HEAD works wherever GET does (RFC 9110: monitoring probes and `curl -I` send it), with the
status and headers GET would have and no body. The URL list is read from the URLconf (as in
tests/test_authorization.py), so a new view with require_GET instead of require_safe fails here."""

import socket

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from booking.models import Booking, QueuedBookingRequest
from payments.models import Payment

from testsupport.bookings import post_booking, travel_date
from testsupport.users import logged_in_client, make_user

pytestmark = pytest.mark.django_db


def named_urls(patterns=None, namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue  # Django's own admin (class-based views: HEAD follows GET)
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (
                f"{namespace}{pattern.name}",
                set(pattern.pattern.converters) | set(pattern.pattern.regex.groupindex),
            )


@pytest.fixture
def arguments(network):
    from dashboard.models import SavedPassenger

    owner = make_user("owner")
    client = logged_in_client(owner)
    pnr = post_booking(client).json()["pnr"]
    booking = Booking.objects.get(pnr=pnr)
    saved = SavedPassenger.objects.create(user=owner, name="Asha Rao", age=34, gender="F")
    values = {
        "train": "12951",
        "number": "12951",
        "date": travel_date().isoformat(),
        "board": "AAA",
        "alight": "DDD",
        "travel_class": "3A",
        "draft_id": "d" * 12,
        "pnr": pnr,
        "token": Payment.objects.get(booking=booking).token,
        "pk": saved.pk,
        "gateway_name": "simulated",
        "path": "renditions/none/320.jpg",
        "uidb64": "MQ",
        "code": "hi",
        "request_id": QueuedBookingRequest.objects.get(booking=booking).pk,
    }
    return client, values


def test_head_answers_like_get_on_every_url(arguments):
    from django.test import Client

    owner, values = arguments
    checked = []
    for client in (Client(), owner):
        for name, parameters in named_urls():
            url = reverse(name, kwargs={parameter: values[parameter] for parameter in parameters})
            get = client.get(url)
            if get.status_code == 405:
                continue
            head = client.head(url)
            assert head.status_code == get.status_code, (
                f"HEAD {url} ({name}) -> {head.status_code}, GET {get.status_code}"
            )
            assert head.get("Content-Type") == get.get("Content-Type"), url
            checked.append(name)
    assert {
        "home",
        "search",
        "booking:pnr",
        "booking:pnr-form",
        "search-api",
        "stations-api",
        "train-schedule",
        "api-booking",
        "pwa:manifest",
        "pwa:service-worker",
        "booking:passengers",
        "payments:simulated",
        "accounts:signup",
        "metrics",
    } <= set(checked)


def raw_head(address, path):
    host, port = address
    with socket.create_connection((host, port), timeout=10) as connection:
        connection.sendall(f"HEAD {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    return head.decode("latin-1"), body


@pytest.mark.django_db(transaction=True)
def test_head_over_a_real_socket_sends_headers_and_no_body(live_server):
    from urllib.parse import urlsplit

    address = urlsplit(live_server.url)
    for path, status in (("/pnr", 200), ("/api/stations?q=al", 200), ("/api/nothing-here", 404)):
        head, body = raw_head((address.hostname, address.port), path)
        assert head.startswith(f"HTTP/1.1 {status}"), head
        assert body == b"", (path, body[:100])
