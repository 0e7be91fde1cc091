import pytest
from django.contrib.auth import get_user_model

from timetable.models import Station, Train

from testsupport.networks import tiny_network

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw-admin-123")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/timetable/train/",
        "/admin/timetable/station/",
        "/admin/timetable/stop/",
        "/admin/timetable/station/?q=alpha",
        "/admin/timetable/train/?q=12001",
    ],
)
def test_changelists_render_with_few_queries(staff_client, url, django_assert_max_num_queries):
    tiny_network()
    with django_assert_max_num_queries(8):
        response = staff_client.get(url)
    assert response.status_code == 200


def test_train_change_page_shows_stops_inline_in_order(staff_client, django_assert_max_num_queries):
    tiny_network()
    train = Train.objects.get(number="12001")
    with django_assert_max_num_queries(12):
        response = staff_client.get(f"/admin/timetable/train/{train.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode().split('id="stops-group"')[1]
    assert html.index("Alpha Central") < html.index("Midway Junction") < html.index("Beta Junction")


def test_admin_edit_invalidates_cached_searches(staff_client):
    from search.places import resolve_place

    tiny_network()
    assert resolve_place("Alpha").is_city
    station = Station.objects.get(code="ALQ")
    response = staff_client.post(
        f"/admin/timetable/station/{station.pk}/change/",
        {
            "code": "ALQ",
            "name": "Alpha Terminus",
            "city": "Elsewhere",
            "state": "X",
            "zone": "",
            "latitude": "",
            "longitude": "",
        },
    )
    assert response.status_code == 302
    assert [s.code for s in resolve_place("Alpha").stations] == ["ALP"]


def test_admin_refuses_anonymous_users(client):
    assert client.get("/admin/timetable/train/").status_code == 302
