"""Saved passengers ("master list"): managing them, privacy, and picking them in the booking form."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.models import SavedPassenger

from testsupport.bookings import travel_date
from testsupport.networks import booking_network
from testsupport.users import logged_in_client, make_user


@pytest.fixture
def asha(db):
    return make_user("asha")


def add(client, **data):
    return client.post(
        "/dashboard/passengers",
        {"name": "Ravi Rao", "age": 36, "gender": "M", "berth_preference": "", **data},
    )


def test_add_list_edit_and_remove(asha):
    client = logged_in_client(asha)
    assert client.get("/dashboard/passengers").status_code == 200
    response = add(client, berth_preference="LB")
    assert response.status_code == 302 and response["Location"] == "/dashboard/passengers"
    ravi = SavedPassenger.objects.get(user=asha)
    assert (ravi.name, ravi.age, ravi.gender, ravi.berth_preference) == ("Ravi Rao", 36, "M", "LB")
    page = client.get("/dashboard/passengers").content.decode()
    assert "Ravi Rao" in page and "Lower (LB)" in page and "Saved Ravi Rao." in page
    response = client.post(
        f"/dashboard/passengers/{ravi.pk}", {"name": "Ravi  Rao", "age": 37, "gender": "M"}
    )
    assert response.status_code == 302
    ravi.refresh_from_db()
    assert (ravi.name, ravi.age) == ("Ravi Rao", 37), "spaces tidied"
    assert client.get(f"/dashboard/passengers/{ravi.pk}/delete").status_code == 405, "removing takes a POST"
    assert client.post(f"/dashboard/passengers/{ravi.pk}/delete").status_code == 302
    assert not SavedPassenger.objects.exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "R2-D2"}, "name"),
        ({"name": ""}, "name"),
        ({"age": 200}, "age"),
        ({"age": -1}, "age"),
        ({"gender": "X"}, "gender"),
        ({"berth_preference": "ZZ"}, "berth_preference"),
    ],
)
def test_the_booking_forms_rules_apply(asha, data, field):
    response = add(logged_in_client(asha), **data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not SavedPassenger.objects.exists()


def test_one_name_once_per_list_whatever_the_case_and_a_limit(asha, settings):
    client = logged_in_client(asha)
    assert add(client).status_code == 302
    duplicate = add(client, name="ravi rao")
    assert duplicate.status_code == 400 and "already saved" in duplicate.content.decode()
    assert add(logged_in_client(make_user("meera"))).status_code == 302, "another list may hold the same name"
    settings.SAVED_PASSENGERS_MAX = 2
    assert add(client, name="Meera Rao").status_code == 302
    full = add(client, name="Kiran Rao")
    assert full.status_code == 400 and "up to 2" in full.content.decode()
    assert SavedPassenger.objects.filter(user=asha).count() == 2


def test_nobody_else_can_see_change_or_remove_them(asha):
    add(logged_in_client(asha))
    ravi = SavedPassenger.objects.get()
    other = logged_in_client(make_user("intruder"))
    assert "Ravi Rao" not in other.get("/dashboard/passengers").content.decode()
    assert other.get(f"/dashboard/passengers/{ravi.pk}").status_code == 404
    assert (
        other.post(
            f"/dashboard/passengers/{ravi.pk}", {"name": "Mallory", "age": 30, "gender": "F"}
        ).status_code
        == 404
    )
    assert other.post(f"/dashboard/passengers/{ravi.pk}/delete").status_code == 404
    ravi.refresh_from_db()
    assert ravi.name == "Ravi Rao"


# --- In the booking form ---------------------------------------------------------------------


def passengers_url():
    return f"/book/12951/{travel_date().isoformat()}/AAA/DDD/3A/passengers"


def field_value(html, name):
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else None


def selected(html, name):
    select = re.search(rf'<select[^>]*name="{re.escape(name)}">(.*?)</select>', html, re.S).group(1)
    match = re.search(r'<option value="([^"]*)" selected>', select)
    return match.group(1) if match else None


@pytest.fixture
def booking_page(asha):
    booking_network()
    client = logged_in_client(asha)
    add(client, name="Ravi Rao", age=36, gender="M", berth_preference="UB")
    add(client, name="Meera Rao", age=8, gender="F")
    saved = {p.name: p.pk for p in SavedPassenger.objects.filter(user=asha)}
    return client, saved


def test_the_booking_form_offers_the_saved_passengers(booking_page):
    client, saved = booking_page
    html = client.get(passengers_url()).content.decode()
    picker = re.search(r'<form method="get" class="saved-picker".*?</form>', html, re.S).group(0)
    assert (
        'data-name="Ravi Rao"' in picker
        and 'data-age="36"' in picker
        and 'data-berth-preference="UB"' in picker
    )
    assert f'value="{saved["Meera Rao"]}"' in picker and "Fill in" in picker
    assert "js/components/saved-passengers.js" in html
    assert html.index("saved-picker") < html.index('class="booking-form"'), "not nested in the booking form"


def test_without_javascript_fill_in_prefills_the_rows_in_order(booking_page):
    client, saved = booking_page
    html = client.get(
        passengers_url(), {"saved": [saved["Meera Rao"], saved["Ravi Rao"]], "quota": "GN"}
    ).content.decode()
    assert field_value(html, "p-0-name") == "Meera Rao" and field_value(html, "p-0-age") == "8"
    assert selected(html, "p-0-gender") == "F"
    assert field_value(html, "p-1-name") == "Ravi Rao" and selected(html, "p-1-berth_preference") == "UB"
    assert 'name="p-2-name"' not in html  # one row per passenger chosen: the form starts with one
    assert re.search(rf'value="{saved["Ravi Rao"]}" checked', html), "the picker remembers the choice"


def test_prefill_ignores_someone_elses_saved_passengers(booking_page):
    _client, saved = booking_page
    stranger = logged_in_client(make_user("stranger"))
    html = stranger.get(passengers_url(), {"saved": [saved["Ravi Rao"]]}).content.decode()
    assert "Ravi Rao" not in html
    assert "saved-picker" not in html and "Save the people you travel with" in html


def test_an_odd_digit_in_saved_is_ignored_not_a_500(booking_page):
    client, saved = booking_page
    response = client.get(passengers_url(), {"saved": ["²", saved["Ravi Rao"]]})
    assert response.status_code == 200 and "Ravi Rao" in response.content.decode()


def test_the_picker_costs_one_query(booking_page):
    client, saved = booking_page
    client.get(passengers_url())
    with CaptureQueriesContext(connection) as queries:
        client.get(passengers_url(), {"saved": [saved["Ravi Rao"]]})
    assert sum("dashboard_savedpassenger" in query["sql"] for query in queries) == 1
