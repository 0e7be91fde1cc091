"""Issue 14, the search side without a browser: the fare enquiry and week at a glance on the
availability page, the class-offers fragment of search results (display availability, cached a
few seconds), alternatives when a class is waitlisted, and city entries in /api/stations."""

import dataclasses
import datetime
import html

import pytest
from django.test import Client

from booking.fares import fare_for
from caching import policy
from railconnect.indian_formats import rupees

from testsupport.bookings import post_booking, set_coaches, travel_date
from testsupport.networks import next_weekday

pytestmark = pytest.mark.django_db


def text(response):
    return html.unescape(response.content.decode())


def choose_url(travel_class="3A", date=None, train="12951", board="AAA", alight="DDD"):
    return f"/book/{train}/{(date or travel_date()).isoformat()}/{board}/{alight}/{travel_class}"


def classes_url(date=None, train="12951", board="AAA", alight="DDD"):
    return f"/book/{train}/{(date or travel_date()).isoformat()}/{board}/{alight}/classes"


def one_adult(travel_class, quota="GN", km=1400, superfast=True):
    return fare_for(travel_class, km, superfast, quota, [("Adult", 30, False)]).totals["total"]


def test_the_availability_page_prices_every_class_and_quota_for_one_adult(network):
    page = text(Client().get(choose_url("3A")))
    for travel_class in ("1A", "2A", "3A"):
        assert rupees(one_adult(travel_class)) in page
    # Tatkal is priced where it is sold (2A, 3A) and 1A says it is not offered.
    assert rupees(one_adult("3A", "TQ")) in page and rupees(one_adult("2A", "TQ")) in page
    assert "NOT OFFERED" in page
    # The breakdown of one adult's 3A fare, on demand (<details>).
    line = fare_for("3A", 1400, True, "GN", [("Adult", 30, False)]).lines[0]
    assert "Fare breakdown" in page and "<details" in page
    for label, amount in [("Base fare (1400 km)", line.base), ("Reservation charge", line.reservation)]:
        assert f"<dt>{label}</dt><dd>{rupees(amount)}</dd>" in page
    assert f"<dt>GST (5%)</dt><dd>{rupees(line.gst)}</dd>" in page


def test_the_week_at_a_glance_offers_the_next_six_running_dates_one_tap_to_book(network):
    monday = next_weekday(0, after=travel_date(3))
    page = text(Client().get(choose_url("3A", train="22001", date=monday)))
    # 22001 runs on Mondays only: the next six Mondays inside the 60-day window.
    mondays = [monday + datetime.timedelta(weeks=n) for n in range(1, 7)]
    shown = [day for day in mondays if f'datetime="{day.isoformat()}"' in page]
    window_end = datetime.date.today() + datetime.timedelta(days=60)
    assert shown == [day for day in mondays if day <= window_end]
    for day in shown:
        assert f"/book/22001/{day.isoformat()}/AAA/DDD/3A/passengers?quota=GN" in page


def test_a_train_running_daily_shows_the_six_following_days(network):
    page = text(Client().get(choose_url("3A")))
    for offset in range(1, 7):
        assert f'datetime="{travel_date(10 + offset).isoformat()}"' in page


def test_the_class_fragment_shows_availability_and_fare_and_is_cached_briefly(
    network, client_for, django_assert_num_queries, settings, monkeypatch
):
    kept = policy.family("display-availability")
    assert (kept.l1_ttl, kept.l2_ttl) == (0, settings.DISPLAY_AVAILABILITY_TTL) == (0, 5)
    # Kept an hour here, so that a slow machine cannot let the figure expire mid-test.
    monkeypatch.setitem(policy._families(), kept.name, dataclasses.replace(kept, l2_ttl=3600))
    response = Client().get(classes_url())
    body = text(response)
    assert response.status_code == 200
    assert body.count('class="class-button') == 3
    assert "AVAILABLE 514" in body and rupees(one_adult("3A")) in body
    assert response["Cache-Control"] == "public, max-age=5"
    # A booking does not show in the display figure until it expires; the availability page is live.
    post_booking(client_for)
    with django_assert_num_queries(0):
        assert "AVAILABLE 514" in text(Client().get(classes_url()))
    assert "AVAILABLE 513" in text(Client().get(choose_url("3A")))


@pytest.mark.parametrize(
    "url",
    [classes_url(date=travel_date(90)), "/book/12951/2026-13-45/AAA/DDD/classes", classes_url(board="ZZZ")],
)
def test_the_class_fragment_refuses_bad_journeys_with_a_400(network, url):
    response = Client().get(url)
    assert response.status_code == 400 and response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]


def test_the_class_fragment_of_an_unknown_train_is_404(network):
    assert Client().get(classes_url(train="00000")).status_code == 404


def test_a_waitlisted_class_offers_alternative_trains(network):
    monday = next_weekday(0, after=travel_date(3))
    # No coach at all: no berth, and a waitlist capped at a share of no berths (REGRET).
    set_coaches("12951", "3A", 0)
    page = text(Client().get(choose_url("3A", date=monday)))
    assert "REGRET" in page and "3A is waitlisted" in page
    assert "/search/alternatives?from=AAA&to=DDD" in page
    alternatives = Client().get(
        "/search/alternatives",
        {"from": "AAA", "to": "DDD", "date": monday.isoformat(), "travel_class": "3A", "exclude": "12951"},
    )
    body = alternatives.content.decode()
    assert alternatives.status_code == 200
    assert "22001" in body and "12951" not in body and "12002" not in body  # 12002 has no 3A
    assert f"/book/22001/{monday.isoformat()}/AAA/DDD/classes" in body
    # An available class offers none.
    assert "is waitlisted" not in Client().get(choose_url("1A", date=monday)).content.decode()


def test_bad_alternatives_requests_are_400(network):
    assert Client().get("/search/alternatives", {"from": "AAA", "to": "AAA", "date": "x"}).status_code == 400
