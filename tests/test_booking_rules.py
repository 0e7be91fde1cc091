import datetime

import pytest
from django.utils import timezone

from booking import booking_rules
from booking.booking_rules import RuleError, check_date, check_quota, tatkal_opens_at
from timetable.journeys import booking_window


def aware(*args):
    return timezone.make_aware(datetime.datetime(*args))


def test_horizon_is_search_booking_window(settings):
    today = datetime.date(2026, 3, 1)
    check_date(today, today)
    check_date(today + datetime.timedelta(days=60), today)
    with pytest.raises(RuleError) as error:
        check_date(today + datetime.timedelta(days=61), today)
    assert error.value.field == "date"
    with pytest.raises(RuleError):
        check_date(today - datetime.timedelta(days=1), today)
    settings.BOOKING_HORIZON_DAYS = 120
    check_date(today + datetime.timedelta(days=120), today)
    assert booking_window(today)[1] == today + datetime.timedelta(days=120)


def test_tatkal_opens_day_before_at_10_for_ac_and_11_for_non_ac():
    journey = datetime.date(2026, 3, 10)
    assert tatkal_opens_at(journey, "3A") == aware(2026, 3, 9, 10)
    assert tatkal_opens_at(journey, "CC") == aware(2026, 3, 9, 10)
    assert tatkal_opens_at(journey, "SL") == aware(2026, 3, 9, 11)
    assert tatkal_opens_at(journey, "2S") == aware(2026, 3, 9, 11)
    with pytest.raises(RuleError, match="opens"):
        check_quota("TQ", "3A", journey, 1, aware(2026, 3, 9, 9, 59))
    check_quota("TQ", "3A", journey, 1, aware(2026, 3, 9, 10, 0))
    with pytest.raises(RuleError, match="opens"):
        check_quota("TQ", "SL", journey, 1, aware(2026, 3, 9, 10, 30))


def test_tatkal_not_in_first_class_and_passenger_limits():
    now = aware(2026, 3, 9, 12)
    journey = datetime.date(2026, 3, 10)
    with pytest.raises(RuleError) as error:
        check_quota("TQ", "1A", journey, 1, now)
    assert error.value.field == "quota"
    check_quota("TQ", "3A", journey, 4, now)
    with pytest.raises(RuleError) as error:
        check_quota("TQ", "3A", journey, 5, now)
    assert error.value.field == "passengers"
    check_quota("GN", "1A", journey, 6, now)
    with pytest.raises(RuleError):
        check_quota("GN", "1A", journey, 7, now)
    with pytest.raises(RuleError):
        check_quota("XX", "3A", journey, 1, now)
    assert booking_rules.max_passengers("GN") == 6 and booking_rules.max_passengers("TQ") == 4
