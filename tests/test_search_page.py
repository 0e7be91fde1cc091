import datetime

import pytest
from django.utils import timezone

from testsupport.networks import next_weekday, tiny_network

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def network():
    tiny_network()


def test_home_has_a_search_form_that_needs_no_javascript(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'action="/search"' in html and 'method="get"' in html
    assert 'type="date"' in html and 'name="from"' in html and 'name="to"' in html
    assert "<label" in html


def test_results_show_times_day_markers_and_classes(client):
    monday = next_weekday(0)
    response = client.get("/search", {"from": "Alpha", "to": "Beta", "date": monday.isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    assert "12001" in html and "12002" in html and "12003" not in html
    assert ">22:00</time>" in html and "+1</sup>" in html
    assert "Runs Mon" in html and "Runs Daily" in html
    assert html.index("12002") < html.index("12001")  # by departure


def test_filters_and_sorts_are_plain_links(client):
    monday = next_weekday(0).isoformat()
    html = client.get("/search", {"from": "Alpha", "to": "Beta", "date": monday}).content.decode()
    assert "travel_class=1A" in html and "sort=duration" in html and "band=morning" in html
    filtered = client.get("/search", {"from": "Alpha", "to": "Beta", "date": monday, "travel_class": "1A"})
    assert "12001" in filtered.content.decode() and "12002 " not in filtered.content.decode()


def test_bad_input_shows_a_clear_message(client):
    response = client.get("/search", {"from": "Nowhere", "to": "Beta", "date": next_weekday(0).isoformat()})
    assert response.status_code == 400
    assert "no station or city called" in response.content.decode()
    assert response.status_code == 400
    empty = client.get("/search")
    assert empty.status_code == 400
    assert "Choose a journey date." in empty.content.decode()


def test_search_page_query_budget(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        client.get("/search", {"from": "Alpha", "to": "Beta", "date": next_weekday(0).isoformat()})


def test_only_get_is_allowed(client):
    assert client.post("/search").status_code == 405


def test_only_yyyy_mm_dd_is_a_date(client):
    """Not an ISO week or ordinal date, nor unpadded numbers (strptime alone takes 2027-1-5)."""
    import datetime

    day = next(
        timezone.localdate() + datetime.timedelta(days=n)
        for n in range(1, 40)
        if (timezone.localdate() + datetime.timedelta(days=n)).day < 10
    )
    iso = day.isocalendar()
    for text in (
        f"{day.year}-{day.month}-{day.day}",
        f"{iso.year}-W{iso.week:02d}-{iso.weekday}",
        f"{day.year}-{day.timetuple().tm_yday:03d}",
    ):
        response = client.get("/search", {"from": "Alpha", "to": "Beta", "date": text})
        assert response.status_code == 400 and b"That is not a date we can read" in response.content, text
    assert client.get("/search", {"from": "Alpha", "to": "Beta", "date": day.isoformat()}).status_code == 200


def test_alternatives_widen_a_station_to_its_city(client):
    """Waitlisted on 12001 from Alpha Central: 12002 from Alpha Terminus, the same city, is offered."""
    monday = next_weekday(0)
    response = client.get(
        "/search/alternatives", {"from": "ALP", "to": "BET", "date": monday.isoformat(), "exclude": "12001"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    # City names are data, kept in English in every language (docs/i18n.md).
    assert (
        'From <span lang="en" translate="no">Alpha</span> to <span lang="en" translate="no">Beta</span>:'
        in html
    )
    assert "12002" in html and "12001" not in html
    assert f"/book/12002/{monday.isoformat()}/ALQ/BET/classes" in html


def test_results_date_field_offers_only_the_booking_window(client, settings):
    html = client.get("/").content.decode()
    today = timezone.localdate()
    last = today + datetime.timedelta(days=settings.BOOKING_HORIZON_DAYS)
    assert f'min="{today.isoformat()}" max="{last.isoformat()}"' in html
