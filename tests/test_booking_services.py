"""The booking services the pages and the API share: drafts, paying and cancelling, each rule once."""

import pytest

from booking import services
from booking.booking_rules import BookingConflict, RuleError
from booking.models import Booking

from testsupport.bookings import payload, post_booking


def test_drafts_keep_the_newest_few_and_go_once_confirmed():
    session = {}
    ids = [services.save_draft(session=session, data={"n": n}) for n in range(services.MAX_DRAFTS + 1)]
    assert len(set(ids)) == len(ids)
    assert services.get_draft(session=session, draft_id=ids[0]) is None  # the oldest made room
    assert services.get_draft(session=session, draft_id=ids[-1]) == {"n": services.MAX_DRAFTS}
    services.drop_draft(session=session, draft_id=ids[-1])
    assert services.get_draft(session=session, draft_id=ids[-1]) is None
    assert len(session[services.DRAFTS_KEY]) == services.MAX_DRAFTS - 1


def test_paying_settles_through_the_gateway_and_refuses_a_cancelled_booking(network, client_for):
    pnr = post_booking(client_for, payload()).json()["pnr"]
    booking = Booking.objects.get(pnr=pnr)
    with pytest.raises(RuleError) as bad:
        services.pay_booking(booking=booking, user=booking.user, outcome="maybe")
    assert bad.value.field == "outcome" and bad.value.status == 400
    failed = services.pay_booking(booking=booking, user=booking.user, outcome="failed")
    assert failed.state == "failed" and booking.status == Booking.Status.HELD
    paid = services.pay_booking(booking=booking, user=booking.user, outcome="succeeded")
    assert paid.state == "succeeded" and booking.status == Booking.Status.BOOKED

    other = Booking.objects.get(
        pnr=post_booking(
            client_for, payload(passengers=[{"name": "Ravi Rao", "age": 40, "gender": "M"}])
        ).json()["pnr"]
    )
    client_for.post(f"/api/bookings/{other.pnr}/cancel", "{}", content_type="application/json")
    with pytest.raises(BookingConflict):
        services.pay_booking(booking=other, user=other.user, outcome="succeeded")


def test_cancelling_a_cancelled_booking_is_a_conflict_on_the_page_as_in_the_api(network, client_for):
    pnr = post_booking(client_for, payload()).json()["pnr"]
    assert (
        client_for.post(f"/api/bookings/{pnr}/cancel", "{}", content_type="application/json").status_code
        == 200
    )
    api = client_for.post(f"/api/bookings/{pnr}/cancel", "{}", content_type="application/json")
    page = client_for.post(f"/bookings/{pnr}/cancel", {"passenger": ["1"]})
    assert api.status_code == page.status_code == 409
    assert api.json()["error"] in page.content.decode()
