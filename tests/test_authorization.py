"""Every URL that shows or changes one passenger's booking, payment, ticket, saved passenger or
dashboard fragment refuses everybody else with 404 (never 403, which would confirm it exists).

The URL list is read from the URLconf, so a new URL taking a PNR, token, draft or id is covered
(or fails here) without anyone remembering to add it.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from booking.models import Booking
from payments.models import Payment

from testsupport.bookings import post_booking
from testsupport.users import logged_in_client, make_user

pytestmark = pytest.mark.django_db

OBJECT_PARAMETERS = {"pnr", "token", "pk", "draft_id"}
# Public by design: the PNR enquiry, like the real railway's (no personal details shown), and
# the password-reset link, whose token is the proof.
PUBLIC = {"booking:pnr", "accounts:password_reset_confirm"}


def object_urls(patterns=None, namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from object_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            parameters = set(pattern.pattern.converters) | set(pattern.pattern.regex.groupindex)
            if parameters & OBJECT_PARAMETERS and f"{namespace}{pattern.name}" not in PUBLIC:
                yield f"{namespace}{pattern.name}", parameters


@pytest.fixture
def owned(network):
    from dashboard.models import SavedPassenger

    owner = make_user("owner")
    owner_client = logged_in_client(owner)
    response = post_booking(owner_client)
    assert response.status_code == 201
    pnr = response.json()["pnr"]
    booking = Booking.objects.get(pnr=pnr)
    payment = Payment.objects.filter(booking=booking).first()
    saved = SavedPassenger.objects.create(user=owner, name="Asha Rao", age=34, gender="F")
    return {
        "pnr": pnr,
        "token": payment.token if payment else "no-payment",
        "pk": saved.pk,
        "draft_id": "d" * 32,
    }


def test_the_sweep_finds_the_personal_urls():
    names = {name for name, _ in object_urls()}
    assert {
        "booking:eticket",
        "booking:cancel",
        "booking:pay",
        "api-booking",
        "api-pay",
        "api-cancel",
        "payments:simulated",
        "saved-passenger-edit",
    } <= names


@pytest.mark.parametrize("method", ["get", "post"])
def test_other_users_get_404_on_every_personal_url(owned, method):
    from django.urls import reverse

    intruder = logged_in_client(make_user("intruder"))
    checked = []
    for name, parameters in object_urls():
        url = reverse(name, kwargs={parameter: owned[parameter] for parameter in parameters})
        response = getattr(intruder, method)(url)
        assert response.status_code in (404, 405), (
            f"{method.upper()} {url} ({name}) -> {response.status_code}"
        )
        checked.append(name)
    assert Booking.objects.get(pnr=owned["pnr"]).status != Booking.Status.CANCELLED
    assert len(checked) >= 8


def test_the_owner_still_reaches_them(owned):
    from django.contrib.auth import get_user_model

    owner = logged_in_client(get_user_model().objects.get(username="owner"))
    assert owner.get(f"/bookings/{owned['pnr']}").status_code == 200
    assert owner.get(f"/api/bookings/{owned['pnr']}").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/booking/booking/",
        "/admin/payments/payment/",
        "/admin/cache-stats/",
        "/admin/timetable/train/",
    ],
)
def test_the_admin_refuses_non_staff(owned, url):
    intruder = logged_in_client(make_user("intruder"))
    response = intruder.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
