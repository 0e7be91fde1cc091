import pytest

from railconnect.catalogues import compile_catalogues

from testsupport.networks import tiny_network

pytestmark = pytest.mark.django_db


def test_schedule_lists_every_stop_with_its_day(client, django_assert_max_num_queries):
    tiny_network()
    with django_assert_max_num_queries(2):
        response = client.get("/trains/12001")
    assert response.status_code == 200
    html = response.content.decode().split("<tbody>")[1]
    assert html.index("Alpha Central") < html.index("Midway Junction") < html.index("Beta Junction")
    assert "<td>2</td>" in html  # MID and BET are on day 2
    assert "Runs Mon" in response.content.decode()


@pytest.mark.parametrize("number", ["99999", "x" * 300, "%00"])
def test_unknown_train_is_404(client, number):
    tiny_network()
    assert client.get(f"/trains/{number}").status_code == 404


@pytest.mark.parametrize(
    ("prefix", "reason"),
    [
        ("", "There is no train number 99999."),
        ("/hi", "गाड़ी संख्या 99999 मौजूद नहीं है।"),
        ("/ta", "99999 என்ற எண்ணில் ரயில் எதுவும் இல்லை."),
    ],
)
def test_an_unknown_train_says_so_on_the_site_page(client, prefix, reason):
    compile_catalogues()
    tiny_network()
    response = client.get(f"{prefix}/trains/99999")
    html = response.content.decode()
    assert response.status_code == 404 and 'class="site-header"' in html and reason in html
