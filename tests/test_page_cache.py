import pytest
from django.contrib.auth import get_user_model

from testsupport.networks import add_late_train, next_weekday, tiny_network

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def network():
    tiny_network()


def search_params():
    return {"from": "Alpha", "to": "Beta", "date": next_weekday(0).isoformat()}


def test_visitors_share_one_rendering(client, django_assert_num_queries):
    first = client.get("/search", search_params())
    with django_assert_num_queries(0):
        second = client.get("/search", search_params())
    assert second.status_code == 200
    assert second.content == first.content


def test_public_pages_are_the_same_signed_in_and_never_read_the_session(client):
    anonymous = client.get("/search", search_params())
    user = get_user_model().objects.create_user("asha", password="pw-asha-123")
    client.force_login(user)
    signed_in = client.get("/search", search_params())
    assert signed_in.content == anonymous.content
    assert "public" in signed_in["Cache-Control"]
    # The session was never touched: the Hindi page does not vary on cookies. (The unprefixed English
    # page does, since a passenger who chose Hindi gets a redirect there: docs/i18n.md.)
    assert "Cookie" not in client.get("/hi/search", search_params()).get("Vary", "")
    assert "Log out" not in signed_in.content.decode() and "My journeys" in signed_in.content.decode()
    # Personal pages still show who is signed in.
    assert "Log out" in client.get("/bookings/").content.decode()


def test_timetable_changes_reach_cached_pages(client, django_capture_on_commit_callbacks):
    assert "12004" not in client.get("/search", search_params()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        add_late_train()
    assert "12004" in client.get("/search", search_params()).content.decode()
