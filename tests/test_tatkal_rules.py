"""The 2025 Tatkal rules (booking/tatkal_rules.py): verified accounts only; agents refused in the
first 30 minutes of the window (10:00-10:30 AC, 11:00-11:30 non-AC, IST), at its edges."""

import datetime
import zoneinfo

import pytest

from booking import admission
from booking.booking_requests import parse_booking_request
from booking.models import Booking
from booking.tatkal_rules import TatkalRefused, check_tatkal_eligibility

from testsupport.bookings import payload, post_booking, travel_date
from testsupport.users import make_user, verify_mobile

IST = zoneinfo.ZoneInfo("Asia/Kolkata")
JOURNEY = datetime.date(2026, 12, 20)  # Tatkal opens on 19 December


def at(hour, minute, second=0):
    return datetime.datetime(2026, 12, 19, hour, minute, second, tzinfo=IST)


def check(user, when, travel_class="3A", quota="TQ"):
    check_tatkal_eligibility(
        user=user, quota=quota, travel_class=travel_class, journey_date=JOURNEY, now=when
    )


@pytest.mark.parametrize(
    "travel_class, allowed_before, refused_from, refused_until, allowed_from",
    [
        ("3A", at(9, 59, 59), at(10, 0), at(10, 29, 59), at(10, 30)),  # AC
        ("SL", at(10, 59, 59), at(11, 0), at(11, 29, 59), at(11, 30)),  # non-AC
    ],
)
def test_agents_are_refused_in_the_first_half_hour_of_the_window(
    db, travel_class, allowed_before, refused_from, refused_until, allowed_from
):
    agent = verify_mobile(make_user("agent"), kind="agent")
    check(agent, allowed_before, travel_class)
    for when in (refused_from, refused_until):
        with pytest.raises(TatkalRefused) as refused:
            check(agent, when, travel_class)
        assert refused.value.status == 403
        assert f"agents may book from {allowed_from:%H:%M} IST" in refused.value.message
    check(agent, allowed_from, travel_class)
    # A passenger account books at the opening second; General quota is not affected for agents.
    check(verify_mobile(make_user("passenger")), refused_from, travel_class)
    check(agent, refused_from, travel_class, quota="GN")


def test_premium_tatkal_is_tatkal_too(db):
    agent = verify_mobile(make_user("agent"), kind="agent")
    with pytest.raises(TatkalRefused):
        check(agent, at(10, 5), quota="PT")
    with pytest.raises(TatkalRefused, match="verified mobile number"):
        check(make_user("new"), at(12, 0), quota="PT")


def test_unverified_accounts_are_refused_tatkal_with_how_to_verify(network, client_for, settings):
    settings.TATKAL_AC_OPENING_HOUR = 0
    tq = payload(date=travel_date(1).isoformat(), quota="TQ")
    response = post_booking(client_for, tq)
    assert response.status_code == 403
    assert response.json()["field"] == "quota" and "/accounts/mobile/" in response.json()["error"]
    assert Booking.objects.count() == 0
    assert post_booking(client_for, {**tq, "quota": "GN"}).status_code == 201


def test_the_booking_service_refuses_until_the_mobile_is_verified(network, user, settings):
    settings.TATKAL_AC_OPENING_HOUR = 0
    data = payload(date=travel_date(1).isoformat(), quota="TQ")
    request = parse_booking_request(data)
    with pytest.raises(TatkalRefused, match="verified mobile number"):
        admission.hold_booking(user, request)
    verify_mobile(user)
    assert admission.hold_booking(user, request).booking.quota == "TQ"


def test_an_agent_is_refused_through_the_booking_service_at_the_opening(network, settings):
    settings.TATKAL_AC_OPENING_HOUR = 0
    journey = travel_date(1)
    request = parse_booking_request(payload(date=journey.isoformat(), quota="TQ"))
    opening = datetime.datetime.combine(journey - datetime.timedelta(days=1), datetime.time(0), tzinfo=IST)
    agent = verify_mobile(make_user("agent"), kind="agent")
    with pytest.raises(TatkalRefused, match="Authorised agents"):
        admission.hold_booking(agent, request, now=opening + datetime.timedelta(minutes=10))
    assert Booking.objects.count() == 0
