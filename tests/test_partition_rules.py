"""The partition rules that need no second database (booking/partitions.py): PNR digits, request
numbers, the router's migration and routing decisions, and that one database behaves as before.
The two-primary behaviour is tests/test_partitions.py (the third pass of `make test`)."""

import pytest
from django.test import override_settings

from booking import partitions, reservations
from booking.models import Booking, Inventory, RefundRule
from dashboard.models import SavedPassenger
from payments.models import Payment
from timetable.models import Train

ROUTER = partitions.PartitionRouter()


def test_with_one_database_every_first_digit_is_drawn_and_everything_is_default():
    assert partitions.aliases() == ("default",)
    assert partitions.pnr_first_digits("default") == tuple(range(1, 10))
    assert {partitions.partition_of_pnr(f"{d}000000000") for d in range(1, 10)} == {"default"}
    assert partitions.database_for(train_id=12345) == "default"
    assert partitions.public_request_id(41, "default") == 41
    assert partitions.request_location(41) == (41, "default")
    drawn = {reservations._new_pnr("default")[0] for _ in range(400)}
    assert drawn == set("123456789")


@override_settings(DATABASE_PARTITIONS=("default", "p2"))
def test_two_partitions_share_the_digits_and_request_numbers_name_theirs():
    assert partitions.pnr_first_digits("default") == (1, 3, 5, 7, 9)
    assert partitions.pnr_first_digits("p2") == (2, 4, 6, 8)
    assert partitions.partition_of_pnr("8123456789") == "p2"
    assert partitions.lookup_order("8123456789") == ["p2", "default"]
    assert partitions.lookup_order("7123456789") == ["default", "p2"]
    assert {reservations._new_pnr("p2")[0] for _ in range(200)} == set("2468")
    assert partitions.public_request_id(41, "p2") == 411
    assert partitions.request_location(411) == (41, "p2")
    assert partitions.request_location(410) == (41, "default")
    assert partitions.request_location(415) is None  # names no partition: a 404, not another's row


@override_settings(DATABASE_PARTITIONS=("default", "p2", "p3", "p4", "p5"))
def test_five_regional_partitions_as_the_prs_centres():
    digits = [partitions.pnr_first_digits(alias) for alias in partitions.aliases()]
    assert digits == [(1, 6), (2, 7), (3, 8), (4, 9), (5,)]
    assert sorted(d for group in digits for d in group) == list(range(1, 10))


@override_settings(DATABASE_PARTITIONS=("default", "p2"))
def test_migrations_go_to_each_alias_by_model():
    assert ROUTER.allow_migrate("p2", "booking", model_name="booking") is True
    assert ROUTER.allow_migrate("p2", "payments", model_name="payment") is True
    assert ROUTER.allow_migrate("p2", "dashboard", model_name="usertravelstats") is True
    assert ROUTER.allow_migrate("p2", "booking", model_name="refundrule") is False
    assert ROUTER.allow_migrate("p2", "booking", model_name="trainpartition") is False
    assert ROUTER.allow_migrate("p2", "auth", model_name="user") is False
    assert ROUTER.allow_migrate("p2", "booking") is False  # a RunPython without hints: global
    assert ROUTER.allow_migrate("default", "auth", model_name="user") is True
    assert ROUTER.allow_migrate("default", "booking", model_name="booking") is True
    assert ROUTER.allow_migrate("replica", "booking", model_name="booking") is None  # the replica router's


@override_settings(DATABASE_PARTITIONS=("default", "p2"))
def test_routing_follows_the_row_then_the_pinned_partition():
    on_p2 = Booking()
    on_p2._state.db = "p2"
    # A booking's passengers and payments come from its partition; its train and user from "default".
    assert ROUTER.db_for_read(Payment, instance=on_p2) == "p2"
    assert ROUTER.db_for_read(Train, instance=on_p2) == "default"
    assert ROUTER.db_for_write(Booking, instance=on_p2) == "p2"
    assert ROUTER.db_for_write(Inventory) == "default"
    with partitions.pinned("p2"):
        assert ROUTER.db_for_write(Inventory) == "p2"
        assert ROUTER.db_for_read(Booking) == "p2"
        assert ROUTER.db_for_read(RefundRule) is None  # global: not this router's
    assert ROUTER.db_for_write(Inventory) == "default"
    with pytest.raises(ValueError):
        with partitions.pinned("replica"):
            pass


def test_a_partitioned_row_may_refer_to_a_global_one_but_not_across_partitions():
    booking, other, saved = Booking(), Booking(), SavedPassenger()
    booking._state.db, other._state.db, saved._state.db = "default", "p2", "default"
    assert ROUTER.allow_relation(booking, Train()) is True
    assert ROUTER.allow_relation(booking, other) is False
    assert ROUTER.allow_relation(saved, Train()) is None  # two global rows: Django's own rule


@pytest.mark.django_db
def test_merged_with_one_database_is_the_query_itself(django_assert_num_queries):
    merged = partitions.Merged(lambda alias: Booking.objects.using(alias).order_by("-id"), key=lambda b: b.pk)
    with django_assert_num_queries(2):
        assert merged.count() == 0
        assert merged[0:20] == []
