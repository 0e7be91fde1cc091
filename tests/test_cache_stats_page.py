import pytest
from django.contrib.auth import get_user_model

from testsupport.networks import next_weekday, tiny_network

pytestmark = pytest.mark.django_db


def test_staff_see_hit_rates_per_level_and_family(client):
    tiny_network()
    params = {"from": "Alpha", "to": "Beta", "date": next_weekday(0).isoformat()}
    client.get("/search", params)
    client.get("/search", params)
    staff = get_user_model().objects.create_user("ops", password="pw-ops-123", is_staff=True)
    client.force_login(staff)
    html = client.get("/admin/cache-stats/").content.decode()
    assert "<td>page</td><td>L1</td><td>1</td>" in html  # the second search came whole from L1
    assert "<td>services</td><td>L2</td><td>0</td><td>0</td><td>1</td>" in html  # the first missed
    assert "Database pool" in html


def test_others_are_sent_to_the_login_page(client):
    user = get_user_model().objects.create_user("asha", password="pw-asha-123")
    assert client.get("/admin/cache-stats/").status_code == 302
    client.force_login(user)
    assert client.get("/admin/cache-stats/").status_code == 302
