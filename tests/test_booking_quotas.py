"""Issue 15, part B: the PT, LD and SS quotas, the waitlist cap, the passenger options
(only if confirmed, auto-upgradation) and Premium Tatkal's fare fixed under the lock.

Runs on SQLite and on PostgreSQL (make test's two passes), through the JSON API where a passenger
would, and through reservations.* where many passengers are needed."""

import json
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from booking import admission, booking_rules, coach_layouts, quotas, reservations
from booking.availability import availability
from booking.booking_requests import parse_booking_request
from booking.booking_rules import Regret
from booking.models import Booking, BookingPassenger, Inventory, QuotaShare
from booking.responses import rule_error_json
from payments.models import Payment

from testsupport.bookings import party, payload, post_booking, set_coaches, travel_date
from testsupport.users import new_passenger, verify_mobile

P = BookingPassenger.Status


def hold(**changes):
    """A hold by a new passenger (one passenger may hold only a few: hold_limits)."""
    return admission.hold_booking(verify_mobile(new_passenger()), parse_booking_request(payload(**changes)))


def women(count, name="Lady Traveller", first_age=30):
    return party(count, name, gender="F", first_age=first_age)


def journey(**changes):
    return parse_booking_request(payload(**changes)).journey


def snapshot():
    """What must not change when a request is refused: bookings, payments, every inventory's seats."""
    return (
        Booking.objects.count(),
        Payment.objects.count(),
        sorted((i.pk, tuple(i.occupancy), i.gnwl_count, i.ldwl_count) for i in Inventory.objects.all()),
    )


# --- Eligibility, per passenger ------------------------------------------------------------------


@pytest.fixture(autouse=True)
def verified_passenger(request):
    """Tatkal and Premium Tatkal need a verified mobile number (booking/tatkal_rules.py): the
    signed-in passenger of these tests has one."""
    if "user" in request.fixturenames:
        verify_mobile(request.getfixturevalue("user"))


def test_ladies_quota_is_for_women_and_children_under_12(network, client_for):
    man = post_booking(
        client_for,
        payload(
            quota="LD",
            passengers=[
                {"name": "Asha Rao", "age": 34, "gender": "F"},
                {"name": "Ravi Rao", "age": 36, "gender": "M"},
                {"name": "Teen Rao", "age": 14, "gender": "M"},
            ],
        ),
    )
    assert man.status_code == 400
    body = man.json()
    assert body["field"] == "passengers[1]"
    # One sentence per passenger not eligible, naming each.
    assert "Passenger 2 (Ravi Rao)" in body["error"] and "Passenger 3 (Teen Rao)" in body["error"]
    assert "Passenger 1" not in body["error"]
    assert Booking.objects.count() == 0
    only_children = post_booking(
        client_for, payload(quota="LD", passengers=[{"name": "Little Rao", "age": 10, "gender": "F"}])
    )
    assert only_children.status_code == 400  # at least one passenger 12 or older (and a woman)
    ok = post_booking(
        client_for,
        payload(
            quota="LD",
            passengers=[
                {"name": "Asha Rao", "age": 34, "gender": "F"},
                {"name": "Kid Rao", "age": 8, "gender": "M"},
            ],
        ),
    )
    assert ok.status_code == 201, ok.content
    rows = list(Booking.objects.get().passengers.all())
    units = Inventory.objects.get().units
    assert all(row.quota == "LD" and units[row.unit].pool == quotas.LADIES for row in rows)


@pytest.mark.parametrize(
    ("passenger", "eligible"),
    [
        ({"name": "Old Man", "age": 60, "gender": "M"}, True),
        ({"name": "Young Man", "age": 59, "gender": "M"}, False),
        ({"name": "Woman Fortyfive", "age": 45, "gender": "F"}, True),
        ({"name": "Woman Fortyfour", "age": 44, "gender": "F"}, False),
        ({"name": "Expecting Mother", "age": 28, "gender": "F", "pregnant": True}, True),
    ],
)
def test_lower_berth_quota_eligibility(network, client_for, passenger, eligible):
    response = post_booking(client_for, payload(quota="SS", passengers=[passenger]))
    if not eligible:
        assert response.status_code == 400
        assert response.json()["field"] == "passengers[0]"
        assert "lower berth quota" in response.json()["error"]
        return
    assert response.status_code == 201, response.content
    row = Booking.objects.get().passengers.get()
    assert row.berth_type == "LB" and Inventory.objects.get().units[row.unit].pool == quotas.SENIOR


def test_lower_berth_quota_refuses_three_passengers_and_pregnant_men(network, client_for):
    three = post_booking(client_for, payload(quota="SS", passengers=party(3, "Old Timer", first_age=61)))
    assert three.status_code == 400 and three.json()["field"] == "passengers"
    pregnant_man = {"name": "Old Man", "age": 61, "gender": "M", "pregnant": True}
    response = post_booking(client_for, payload(quota="SS", passengers=[pregnant_man]))
    assert response.status_code == 400 and response.json()["field"] == "passengers[0].pregnant"


def test_the_api_takes_every_quota_code_and_refuses_others(network, client_for):
    unknown = post_booking(client_for, payload(quota="HO"))
    assert unknown.status_code == 400
    assert all(code in unknown.json()["error"] for code in ("GN", "TQ", "PT", "LD", "SS"))
    # 1A has no Ladies berths in its shares: not offered, refused under the lock with a message.
    response = post_booking(client_for, payload(quota="LD", **{"class": "1A"}, passengers=women(1)))
    assert response.status_code == 400 and response.json()["field"] == "quota"
    assert availability(journey(**{"class": "1A"}), "1A")["LD"].label == "NOT OFFERED"


# --- Own availability and waitlist, release at charting ------------------------------------------


def test_ladies_quota_has_its_own_availability_and_waitlist(network, client_for):
    set_coaches("12951", "3A", 1)
    ladies = coach_layouts.capacity("3A", 1)["LD"]
    assert ladies == 6
    general_before = availability(journey(), "3A")["GN"]
    assert availability(journey(), "3A")["LD"].label == "AVAILABLE 6"
    full = hold(quota="LD", passengers=women(6))
    assert all(row.status == P.CONFIRMED for row in full.passengers)
    assert availability(journey(), "3A")["LD"].label == "WL 1"
    assert availability(journey(), "3A")["GN"] == general_before  # General berths untouched
    waiting = hold(quota="LD", passengers=women(1, "Late Lady"))
    assert [row.current_status for row in waiting.passengers] == ["LDWL 1"]
    assert Inventory.objects.get().ldwl_count == 1
    # At the chart the Ladies waitlist is served from its own berths first: a Ladies passenger
    # cancels, and the waitlisted lady takes that berth.
    Booking.objects.update(status=Booking.Status.BOOKED, hold_expires_at=None)
    reservations.cancel_booking(booking=full.booking, user=None, positions=[1])
    waiting_row = waiting.booking.passengers.get()
    assert waiting_row.status == P.CONFIRMED and Inventory.objects.get().units[waiting_row.unit].pool == "LD"


def test_unsold_quota_berths_go_to_the_general_waitlist_at_charting(network):
    set_coaches("12002", "SL", 1)
    sold = coach_layouts.capacity("SL", 1)
    for _ in range(0, sold["GN"] + sold["RAC"], 6):
        hold(train="12002", **{"class": "SL"}, passengers=party(6))
    waitlisted = hold(train="12002", **{"class": "SL"})
    assert waitlisted.passengers[0].current_status.startswith("GNWL")
    Booking.objects.update(status=Booking.Status.BOOKED, hold_expires_at=None)
    inventory = Inventory.objects.get()
    reservations.prepare_chart(inventory.pk, inventory.chart_due_at)
    row = waitlisted.booking.passengers.get()
    assert row.status == P.CONFIRMED
    assert Inventory.objects.get().units[row.unit].pool in ("TQ", "PT", "LD", "SS")


# --- Waitlist cap: REGRET -------------------------------------------------------------------------


def test_waitlist_cap_answers_409_regret_and_availability_says_wl_closed(network, client_for, settings):
    settings.WAITLIST_CAP_AC_PERCENT = 10  # 1A, one coach of 24 berths: at most 2 waitlisted
    set_coaches("12951", "1A", 1)
    for _ in range(4):
        hold(**{"class": "1A"}, passengers=party(6))
    hold(**{"class": "1A"}, passengers=party(2, "Wait Listed"))
    one_a = journey(**{"class": "1A"})
    assert availability(one_a, "1A")["GN"].label == "REGRET / WL closed"
    assert not availability(one_a, "1A")["GN"].bookable
    before = snapshot()
    response = post_booking(client_for, payload(**{"class": "1A"}))
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == "REGRET" and "waitlist" in body["error"] and "REGRET" in body["error"]
    assert "pnr" not in body
    assert snapshot() == before


def test_default_caps_are_60_percent_ac_and_30_percent_non_ac(settings):
    assert settings.WAITLIST_CAP_AC_PERCENT == 60 and settings.WAITLIST_CAP_NON_AC_PERCENT == 30
    assert quotas.waitlist_cap("3A", 72, 60, 30) == 43
    assert quotas.waitlist_cap("SL", 72, 60, 30) == 21


def test_the_cap_counts_every_quotas_waitlist_together(settings):
    inventory = Inventory(travel_class="SL", gnwl_count=10, tqwl_count=5, ldwl_count=3, sswl_count=3)
    assert inventory.waitlisted == 21
    with pytest.raises(Regret):
        booking_rules.check_waitlist_cap(travel_class="SL", berths=72, waitlisted_now=21, joining=1)
    booking_rules.check_waitlist_cap(travel_class="SL", berths=72, waitlisted_now=20, joining=1)
    booking_rules.check_waitlist_cap(travel_class="SL", berths=72, waitlisted_now=21, joining=0)


# --- Only if confirmed ----------------------------------------------------------------------------


def test_only_if_confirmed_books_nothing_and_charges_nothing_unless_all_confirmed(network, client_for):
    set_coaches("12951", "1A", 1)
    for size in (6, 6, 6, 4):
        hold(**{"class": "1A"}, passengers=party(size))
    before = snapshot()
    three = payload(**{"class": "1A"}, passengers=party(3, "Three Friends"), only_if_confirmed=True)
    response = post_booking(client_for, three)
    assert response.status_code == 409, response.content
    assert response.json()["status"] == "NOT_CONFIRMED" and "nothing was charged" in response.json()["error"]
    assert snapshot() == before
    # Without the option the same party would have been booked, one of them waitlisted.
    two = post_booking(client_for, {**three, "passengers": party(2, "Two Friends")})
    assert two.status_code == 201, two.content
    assert [p["status"].split(" ")[0] for p in two.json()["passengers"]] == ["CNF", "CNF"]
    booking = Booking.objects.get(pnr=two.json()["pnr"])
    assert booking.only_if_confirmed and not booking.auto_upgrade
    bad = post_booking(client_for, {**three, "only_if_confirmed": "yes"})
    assert bad.status_code == 400 and bad.json()["field"] == "only_if_confirmed"


def test_passenger_form_carries_both_options(network, client_for):
    url = f"/book/12951/{travel_date().isoformat()}/AAA/DDD/3A/passengers"
    page = client_for.get(url)
    assert b'name="only_if_confirmed"' in page.content and b'name="auto_upgrade"' in page.content
    form = {
        "quota": "GN",
        "p-0-name": "Asha Rao",
        "p-0-age": "34",
        "p-0-gender": "F",
        "only_if_confirmed": "on",
        "auto_upgrade": "on",
    }
    review = client_for.post(url, form)
    assert review.status_code == 302
    confirm = client_for.post(review["Location"])
    assert confirm.status_code == 302
    booking = Booking.objects.get()
    assert booking.only_if_confirmed and booking.auto_upgrade


def test_a_pregnant_woman_books_the_lower_berth_quota_from_the_passenger_form(network, client_for):
    url = f"/book/12951/{travel_date().isoformat()}/AAA/DDD/3A/passengers"
    assert b'name="p-0-pregnant"' in client_for.get(url + "?quota=SS").content
    form = {"quota": "SS", "p-0-name": "Meera Das", "p-0-age": "29", "p-0-gender": "F"}
    refused = client_for.post(url, form)
    assert refused.status_code == 400 and Booking.objects.count() == 0  # 29 and not pregnant: not eligible
    review = client_for.post(url, {**form, "p-0-pregnant": "on"})
    assert review.status_code == 302
    assert client_for.post(review["Location"]).status_code == 302
    passenger = BookingPassenger.objects.get()
    assert Booking.objects.get().quota == "SS" and passenger.berth_type == "LB"


# --- Premium Tatkal: opening, fare slabs, fare fixed under the lock, no waitlist ------------------


@pytest.fixture
def tatkal_open(settings):
    settings.TATKAL_AC_OPENING_HOUR = 0
    settings.TATKAL_NON_AC_OPENING_HOUR = 0
    set_coaches("12951", "3A", 1)
    return {"date": travel_date(1).isoformat(), "quota": "PT"}


def test_premium_tatkal_opens_with_tatkal_and_not_in_1a(network, client_for, tatkal_open):
    far = post_booking(client_for, payload(quota="PT", shown_fare=5000))
    assert far.status_code == 400 and far.json()["field"] == "quota" and "opens" in far.json()["error"]
    first = post_booking(client_for, payload(**{**tatkal_open, "class": "1A"}))
    assert first.status_code == 400 and "not offered in 1A" in first.json()["error"]


def test_premium_tatkal_fare_rises_and_a_changed_fare_is_a_409_before_anything_is_held(
    network, client_for, tatkal_open
):
    pt = availability(journey(**tatkal_open), "3A")["PT"]
    assert pt.label == "AVAILABLE 6" and pt.fare is not None
    shown = pt.fare
    first = post_booking(client_for, payload(**tatkal_open, shown_fare=shown))
    assert first.status_code == 201, first.content
    assert first.json()["fare"] == shown
    # One of six sold: the next slab, a higher fare.
    risen = availability(journey(**tatkal_open), "3A")["PT"].fare
    assert risen is not None and risen > shown
    before = snapshot()
    stale = post_booking(
        client_for, payload(**tatkal_open, shown_fare=shown, passengers=women(1, "Second Lady"))
    )
    assert stale.status_code == 409
    assert stale.json()["status"] == "FARE_CHANGED" and stale.json()["fare"] == risen
    assert str(risen) in stale.json()["error"]
    assert snapshot() == before  # nothing held, nothing charged
    missing = post_booking(client_for, payload(**tatkal_open, passengers=women(1, "Second Lady")))
    assert missing.status_code == 409 and missing.json()["fare"] == risen
    again = post_booking(
        client_for, payload(**tatkal_open, shown_fare=risen, passengers=women(1, "Second Lady"))
    )
    assert again.status_code == 201, again.content
    assert Booking.objects.get(pnr=again.json()["pnr"]).fare_total == risen


def test_premium_tatkal_sold_out_is_regret_not_a_waitlist(network, client_for, tatkal_open):
    user_fare = availability(journey(**tatkal_open), "3A")["PT"].fare
    assert user_fare is not None
    request = parse_booking_request(payload(**tatkal_open, passengers=party(4, "Pt Group")))
    fare = int(request.fare(100).total)
    admission.hold_booking(
        verify_mobile(new_passenger()),
        parse_booking_request(payload(**tatkal_open, shown_fare=fare, passengers=party(4, "Pt Group"))),
    )
    left = availability(journey(**tatkal_open), "3A")["PT"]
    assert left.label == "AVAILABLE 2"
    three = payload(**tatkal_open, passengers=party(3, "Late Group"))
    price = post_booking(client_for, three).json()["fare"]
    before = snapshot()
    response = post_booking(client_for, {**three, "shown_fare": price})
    assert response.status_code == 409 and response.json()["status"] == "REGRET"
    assert snapshot() == before
    hold(**tatkal_open, shown_fare=left.fare * 2, passengers=party(2, "Last Pair"))
    assert availability(journey(**tatkal_open), "3A")["PT"].label == "REGRET / WL closed"


def test_premium_tatkal_slabs():
    assert [quotas.premium_tatkal_percent(10, free) for free in (10, 9, 5, 1, 0)] == [100, 110, 150, 150, 150]
    assert quotas.premium_tatkal_percent(6, 5) == 110  # one of six sold: 16%, the second slab
    assert quotas.premium_tatkal_percent(0, 0) == 100


# --- Auto-upgradation at charting -----------------------------------------------------------------


def test_auto_upgrade_moves_opted_in_passengers_up_and_frees_berths_to_the_queue_in_order(network):
    # 3A without quota berths (admin data, copied by the inventory): 68 General berths, 8 RAC slots.
    QuotaShare.objects.filter(travel_class="3A").update(tatkal=0, premium_tatkal=0, senior_lower=0, ladies=0)
    set_coaches("12951", "3A", 1)
    set_coaches("12951", "2A", 1)
    upgrading = hold(passengers=party(2, "Up Grade"), auto_upgrade=True)
    staying = hold(passengers=party(1, "Stay Put"))
    for size in [6] * 10 + [5]:
        hold(passengers=party(size))
    rac = [hold(passengers=party(4, f"Rac Party {name}")) for name in ("One", "Two")]
    wl_first = hold(passengers=party(1, "First Waiting"))
    wl_second = hold(passengers=party(1, "Second Waiting"))
    assert [r.current_status for r in rac[0].passengers] == ["RAC 1", "RAC 2", "RAC 3", "RAC 4"]
    assert wl_first.passengers[0].current_status == "GNWL 1"
    # 2A partly sold (and charted first, with its own upgrade step into 1A: nobody there opted in).
    hold(**{"class": "2A"}, passengers=party(3, "Two Tier"))
    Booking.objects.update(status=Booking.Status.BOOKED, hold_expires_at=None)
    three_a = Inventory.objects.get(travel_class="3A")
    result = reservations.prepare_chart(three_a.pk, three_a.chart_due_at)

    moved = list(upgrading.booking.passengers.all())
    assert [row.pk for row in result.upgraded] == [row.pk for row in moved]
    two_a = Inventory.objects.get(travel_class="2A")
    assert all(row.upgraded_from == "3A" and row.inventory_id == two_a.pk for row in moved)
    assert all(row.status == P.CONFIRMED and row.coach == "A1" for row in moved)
    assert two_a.chart_prepared_at is not None  # the class above is charted first
    assert staying.booking.passengers.get().coach == "B1"  # not opted in: not moved
    # The two freed berths went to RAC 1 and RAC 2, in order; their slots to the waitlist in order.
    statuses = [row.current_status for row in rac[0].booking.passengers.all()]
    assert statuses[0].startswith("CNF B1/") and statuses[1].startswith("CNF B1/")
    assert statuses[2:] == ["RAC 1", "RAC 2"]
    assert wl_first.booking.passengers.get().current_status == "RAC 7"
    assert wl_second.booking.passengers.get().current_status == "RAC 8"
    # No berth twice, in either class (checked from the passenger rows).
    for inventory in Inventory.objects.all():
        taken = BookingPassenger.objects.filter(inventory=inventory, status=P.CONFIRMED).values_list(
            "unit", flat=True
        )
        assert len(list(taken)) == len(set(taken))
        occupied = [i for i, mask in enumerate(Inventory.objects.get(pk=inventory.pk).occupancy) if mask]
        assert set(taken) <= set(occupied)


def test_auto_upgrade_skips_unpaid_and_a_party_that_does_not_fit(network):
    set_coaches("12951", "3A", 1)
    set_coaches("12951", "2A", 1)
    set_coaches("12951", "1A", 1)
    big = hold(passengers=party(6, "Big Party"), auto_upgrade=True)
    small = hold(passengers=party(2, "Small Party"), auto_upgrade=True)
    unpaid = hold(passengers=party(1, "Not Paid"), auto_upgrade=True)
    Booking.objects.exclude(pk=unpaid.booking.pk).update(status=Booking.Status.BOOKED, hold_expires_at=None)
    # 2A with only 4 berths vacant for the whole journey: the party of 6 stays, the party of 2 moves up.
    two_a = reservations.new_inventory(journey().route, journey().journey_date, "2A")
    berths = [unit.index for unit in two_a.units if unit.pool != coach_layouts.RAC]
    two_a.occupancy = [0 if index in berths[-4:] else 1 for index in range(len(two_a.occupancy))]
    two_a.save()
    three_a = Inventory.objects.get(travel_class="3A")
    result = reservations.prepare_chart(three_a.pk, three_a.chart_due_at)
    assert {row.booking_id for row in result.upgraded} == {small.booking.pk}
    assert all(
        row.inventory_id == three_a.pk and not row.upgraded_from for row in big.booking.passengers.all()
    )
    unpaid.booking.refresh_from_db()
    assert unpaid.booking.status == Booking.Status.EXPIRED  # an unpaid hold is released, never upgraded


# --- Shares are data; an inventory keeps its own ------------------------------------------------


def test_admin_edit_changes_future_inventories_and_never_moves_sold_berths(network, client_for, admin_client):
    sold = post_booking(client_for, payload(quota="LD", passengers=women(1)))
    assert sold.status_code == 201
    inventory = Inventory.objects.get()
    row = Booking.objects.get().passengers.get()
    pools_before = [unit.pool for unit in inventory.units]
    share = QuotaShare.objects.get(travel_class="3A")
    page = admin_client.get(f"/admin/booking/quotashare/{share.pk}/change/")
    assert page.status_code == 200
    form = {"travel_class": "3A", "tatkal": "0", "premium_tatkal": "0", "senior_lower": "0", "ladies": "0"}
    response = admin_client.post(f"/admin/booking/quotashare/{share.pk}/change/", form)
    assert response.status_code == 302, response.content
    too_many = {**form, "senior_lower": "30"}
    refused = admin_client.post(f"/admin/booking/quotashare/{share.pk}/change/", too_many)
    assert refused.status_code == 200 and b"lower berths" in refused.content
    # The booked date's inventory keeps the shares it was created with: no berth moves.
    inventory.refresh_from_db()
    assert [unit.pool for unit in inventory.units] == pools_before
    assert inventory.units[row.unit].pool == quotas.LADIES
    again = post_booking(client_for, payload(quota="LD", passengers=women(1, "Other Lady")))
    assert again.status_code == 201
    # A date not booked yet gets the new shares: no Ladies berths there.
    later = post_booking(
        client_for, payload(quota="LD", date=travel_date(12).isoformat(), passengers=women(1))
    )
    assert later.status_code == 400 and later.json()["field"] == "quota"
    fresh = availability(journey(date=travel_date(12).isoformat()), "3A")
    assert fresh["LD"].label == "NOT OFFERED" and fresh["GN"].label == f"AVAILABLE {10 * (72 - 4)}"


def test_review_page_posts_the_premium_tatkal_fare_it_showed(network, client_for, tatkal_open):
    url = f"/book/12951/{tatkal_open['date']}/AAA/DDD/3A/passengers"
    form = {"quota": "PT", "p-0-name": "Asha Rao", "p-0-age": "34", "p-0-gender": "F"}
    review_url = client_for.post(url, form)["Location"]
    page = client_for.get(review_url)
    fare = availability(journey(**tatkal_open), "3A")["PT"].fare
    assert f'name="shown_fare" value="{fare}"'.encode() in page.content
    hold(**tatkal_open, shown_fare=fare, passengers=party(1, "Faster Buyer"))
    changed = client_for.post(review_url, {"shown_fare": str(fare)})
    assert changed.status_code == 409 and "Premium Tatkal fare is now" in changed.content.decode()
    assert Booking.objects.count() == 1
    new_fare = availability(journey(**tatkal_open), "3A")["PT"].fare
    assert f'name="shown_fare" value="{new_fare}"'.encode() in changed.content
    confirmed = client_for.post(review_url, {"shown_fare": str(new_fare)})
    assert confirmed.status_code == 302 and Booking.objects.count() == 2


def inventory_reads(queries):
    return [q["sql"] for q in queries.captured_queries if "booking_inventory" in q["sql"]]


def test_premium_tatkal_is_priced_from_the_same_inventory_read(
    network, client_for, tatkal_open, django_assert_max_num_queries
):
    """The fare enquiry and the review page price Premium Tatkal from the slab on the Availability
    they show (one inventory read per class), not from a second read per class (15 queries before)."""
    choose = f"/book/12951/{tatkal_open['date']}/AAA/DDD/3A"
    first = Client().get(choose)  # the route and the week at a glance are cached after this
    pt = availability(journey(**tatkal_open), "3A")["PT"]
    assert pt.premium_tatkal_percent is not None and f"{pt.fare:,}" in first.content.decode()
    with django_assert_max_num_queries(9) as queries:
        page = Client().get(choose)
    assert page.status_code == 200 and len(inventory_reads(queries)) == 3  # 1A, 2A, 3A: one each
    form = {"quota": "PT", "p-0-name": "Asha Rao", "p-0-age": "34", "p-0-gender": "F"}
    review_url = client_for.post(choose + "/passengers", form)["Location"]
    with django_assert_max_num_queries(6) as queries:
        review = client_for.get(review_url)
    assert len(inventory_reads(queries)) == 1
    assert f'name="shown_fare" value="{pt.fare}"' in review.content.decode()


def test_json_error_shape_keeps_extra_fields_apart_from_the_message():
    body = json.loads(rule_error_json(booking_rules.FareChanged(Decimal("1234"))).content)
    assert (
        body
        == {
            "status": "FARE_CHANGED",
            "fare": 1234.0,
            "error": body["error"],
            "field": "shown_fare",
        }
        and "1234" in body["error"]
    )


# --- A refusal inside a batch (the queue's writer, reservations.hold_batch) -----------------------


def _run_batch(requests):
    """Allocate `requests` as one batch of the queue's writer (the inventory locked, hold_batch), and
    roll it back: [outcome per request] and the inventory's state after the batch. An outcome is the
    booking's fare and (status, unit, RAC/WL number) per passenger, or the refusal's outcome name."""
    request = requests[0]
    route, date = request.journey.route, request.journey.journey_date
    Inventory.objects.bulk_create([reservations.new_inventory(route, date, "3A")], ignore_conflicts=True)
    now = timezone.now()
    items = [reservations.HoldItem(new_passenger().pk, r, None, "", now) for r in requests]
    with transaction.atomic():
        inventory = Inventory.objects.select_for_update(no_key=True).get(train_id=route.train_id)
        outcomes = reservations.hold_batch(inventory=inventory, items=items, now=now, using="default")
        inventory.refresh_from_db()
        state = (tuple(inventory.occupancy), inventory.tqwl_count, inventory.gnwl_count)
        transaction.set_rollback(True)
    described = [
        (o.booking.fare_total, [(p.status, p.unit, p.number) for p in o.passengers])
        if isinstance(o, reservations.HoldResult)
        else (o.outcome, getattr(o, "details", {}))
        for o in outcomes
    ]
    return described, state


def _tatkal_request(quota, size, name, **options):
    return parse_booking_request(payload(quota=quota, passengers=party(size, name), **options))


@pytest.mark.parametrize(
    "quota, refused, outcome",
    [
        # Premium Tatkal short of berths: 2 left after the first party, 3 asked.
        ("PT", {"size": 3}, "REGRET"),
        # Tatkal, only if confirmed: 2 confirmed berths left, 3 asked.
        ("TQ", {"size": 3, "only_if_confirmed": True}, "NOT_CONFIRMED"),
        # Premium Tatkal at a fare that is not the one of the moment.
        ("PT", {"size": 2, "shown_fare": "1"}, "FARE_CHANGED"),
    ],
)
def test_a_refused_request_in_a_batch_changes_nothing_for_the_requests_after_it(
    network, tatkal_open, quota, refused, outcome
):
    """A batch: a confirmed party, a refused one, a confirmed one. The last gets exactly what it gets
    in the same batch without the refused request (berths, fare), and the inventory ends the same:
    a refusal gives back every unit it took on the batch's seat map. Runs on SQLite and PostgreSQL."""
    assert reservations.new_inventory(journey(**tatkal_open).route, travel_date(1), "3A").capacity[quota] == 6
    size = refused.pop("size")

    def learned_fare(before, request):
        """The fare a request meets after `before`, as a passenger learns it: FARE_CHANGED's fare."""
        if quota != "PT":
            return {}
        described, _state = _run_batch([*before, request])
        assert described[-1][0] == "FARE_CHANGED"
        return {"shown_fare": str(described[-1][1]["fare"])}

    date = {"date": tatkal_open["date"]}
    first = _tatkal_request(quota, 4, "First Party", **date)
    first = _tatkal_request(quota, 4, "First Party", **date, **learned_fare([], first))
    refusing = _tatkal_request(quota, size, "Refused Party", **date, **refused)
    if "shown_fare" not in refused:
        refusing = _tatkal_request(
            quota, size, "Refused Party", **date, **refused, **learned_fare([first], refusing)
        )
    last = _tatkal_request(quota, 2, "Last Party", **date)
    last = _tatkal_request(quota, 2, "Last Party", **date, **learned_fare([first], last))

    without, state_without = _run_batch([first, last])
    with_refusal, state_with = _run_batch([first, refusing, last])

    assert with_refusal[1][0] == outcome
    assert all(status == "CNF" for status, _unit, _number in without[1][1])
    assert [with_refusal[0], with_refusal[2]] == without
    assert state_with == state_without
