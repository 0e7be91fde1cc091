"""The public PNR enquiry."""

from django.test import Client

from testsupport.bookings import payload, post_booking


def test_pnr_status_is_public_and_shows_no_names(network, client_for):
    body = post_booking(client_for, payload(passengers=[{"name": "Asha Secretname", "age": 30, "gender": "F"}])).json()
    page = Client().get(f"/pnr/{body['pnr']}")
    assert page.status_code == 200
    content = page.content.decode()
    assert body["pnr"] in content and "12951" in content and "CNF B1/" in content
    assert "Secretname" not in content and "Asha" not in content


def test_pnr_form_and_unknown_pnr(db):
    client = Client()
    assert client.get("/pnr").status_code == 200
    assert client.get("/pnr", {"pnr": "12345"}).status_code == 400
    assert client.get("/pnr", {"pnr": "1234567890"})["Location"] == "/pnr/1234567890"
    assert client.get("/pnr/1234567890").status_code == 404
    assert client.get("/pnr/<script>").status_code == 404
