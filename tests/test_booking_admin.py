"""Admin pages for bookings, payments and inventory: they load with a bounded number of queries."""

from testsupport.bookings import post_booking


def test_admin_lists_do_not_grow_queries_with_rows(
    network, client_for, admin_client, django_assert_max_num_queries
):
    for _ in range(3):
        pnr = post_booking(client_for).json()["pnr"]
        client_for.post(f"/api/bookings/{pnr}/pay", "{}", content_type="application/json")
    for url in (
        "/admin/booking/booking/",
        "/admin/payments/payment/",
        "/admin/booking/inventory/",
        "/admin/booking/refundrule/",
        "/admin/payments/refund/",
        "/admin/booking/coachcomposition/",
        f"/admin/booking/booking/?q={pnr}",
        "/admin/booking/booking/?status__exact=BOOKED",
        "/admin/booking/booking/?journey_date__gte=2020-01-01",
    ):
        with django_assert_max_num_queries(12):
            response = admin_client.get(url)
        assert response.status_code == 200, url
    page = admin_client.get(f"/admin/booking/booking/?q={pnr}").content.decode()
    assert pnr in page
    inventory = admin_client.get("/admin/booking/inventory/").content.decode()
    assert "places used" in inventory


def test_admin_booking_and_inventory_detail(network, client_for, admin_client):
    from booking.models import Booking, Inventory

    post_booking(client_for)
    booking = Booking.objects.get()
    assert admin_client.get(f"/admin/booking/booking/{booking.pk}/change/").status_code == 200
    detail = admin_client.get(f"/admin/booking/inventory/{Inventory.objects.get().pk}/change/")
    assert detail.status_code == 200 and b"B1: 1/" in detail.content
