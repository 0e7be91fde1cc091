import pytest
from django.contrib.auth import get_user_model

from tests.factories import next_weekday, tiny_network

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def network():
    tiny_network()


def search_params():
    return {"from": "Alpha", "to": "Beta", "date": next_weekday(0).isoformat()}


def test_anonymous_visitors_share_one_rendering(client, django_assert_num_queries):
    first = client.get("/search", search_params())
    with django_assert_num_queries(0):
        second = client.get("/search", search_params())
    assert second.status_code == 200
    assert second.content == first.content
    assert "Cookie" in second["Vary"]


def test_a_visitor_with_a_session_gets_a_fresh_page(client):
    client.get("/search", search_params())  # cached for anonymous visitors
    user = get_user_model().objects.create_user("asha", password="pw-asha-123")
    client.force_login(user)
    page = client.get("/search", search_params()).content.decode()
    assert "Log out" in page  # rendered for her, not the anonymous copy
    assert "private" in client.get("/search", search_params())["Cache-Control"]


def test_timetable_changes_reach_cached_pages(client, django_capture_on_commit_callbacks):
    from tests.factories import stop
    from timetable.loading import load_network
    from timetable.records import TrainRecord

    assert "12004" not in client.get("/search", search_params()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        load_network(trains=[TrainRecord("12004", "Late Addition", "EXP", 127, "SL", [
            stop("ALP", None, 23 * 60, 0), stop("BET", 26 * 60, None, 600)])])
    assert "12004" in client.get("/search", search_params()).content.decode()
