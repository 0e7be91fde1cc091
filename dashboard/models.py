"""The dashboard's own data: saved passengers (the "master list") and, on PostgreSQL, the travel
statistics materialized view (read through travel_stats.py, never directly by views)."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from booking.booking_requests import NAME_MAX
from booking.coach_layouts import BERTH_TYPE_NAMES
from booking.models import BookingPassenger
from timetable.models import Station

# Lazy: "Lower (LB)" in English, "लोअर (LB)" in Hindi, whichever language the page is in.
BERTH_PREFERENCE_CHOICES = [
    (code, format_lazy("{} ({})", name, code)) for code, name in BERTH_TYPE_NAMES.items()
]


class SavedPassenger(models.Model):
    """A frequent co-traveller a passenger can pick in the booking form instead of typing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_passengers"
    )
    name = models.CharField(max_length=NAME_MAX)
    age = models.PositiveSmallIntegerField()
    gender = models.CharField(max_length=1, choices=BookingPassenger.Gender.choices)
    berth_preference = models.CharField(
        max_length=2,
        blank=True,
        choices=BERTH_PREFERENCE_CHOICES,
        help_text=_("Used when the class has that berth or seat type."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # One "Asha Rao" per list, whatever the case she was typed in.
            models.UniqueConstraint(Lower("name"), "user", name="saved_passenger_user_name_uniq"),
        ]

    def __str__(self):
        return f"{self.name} ({self.age}{self.gender})"

    def as_booking_row(self):
        """The dict the booking passenger form fills its rows from (booking/views.py)."""
        return {
            "name": self.name,
            "age": self.age,
            "gender": self.gender,
            "berth_preference": self.berth_preference,
            "no_berth": False,
        }


class UserTravelStats(models.Model):
    """One row per passenger of the `dashboard_travel_stats` materialized view (PostgreSQL only;
    created by migration 0001, refreshed by travel_stats.refresh()). Definitions of every column
    are in travel_stats.py; the aggregate implementation there computes the same numbers."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    total_bookings = models.IntegerField()
    fare_sum = models.DecimalField(max_digits=14, decimal_places=2)
    total_spent = models.DecimalField(max_digits=14, decimal_places=2)
    journeys_taken = models.IntegerField()
    km_travelled = models.BigIntegerField()
    top_board_station = models.ForeignKey(
        Station, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    top_alight_station = models.ForeignKey(
        Station, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    top_route_journeys = models.IntegerField()
    journeys_by_month = models.JSONField()
    computed_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "dashboard_travel_stats"
        verbose_name_plural = "user travel stats"

    def __str__(self):
        return f"Travel stats of user {self.user_id}"
