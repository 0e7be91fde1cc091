# The passenger dashboard's indexes on bookings (dashboard/ owns the queries; see the comments in
# booking/models.py and dashboard/journeys.py). Hand-written: AddIndex only, no other changes.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0002_refund_rules_2015"),
    ]

    operations = [
        # Upcoming journeys: the live (held or booked) bookings of one passenger, by departure.
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                condition=models.Q(("status__in", ["HELD", "BOOKED"])),
                fields=["user", "departs_at", "id"],
                name="booking_dash_upcoming_idx",
            ),
        ),
        # Past and cancelled journeys: one passenger's bookings by departure, status in the key.
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                fields=["user", "departs_at", "id", "status"], name="booking_dash_history_idx"
            ),
        ),
        # Travel statistics: everything they read, so they never visit the table (PostgreSQL).
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                fields=["user", "status"],
                name="booking_dash_summary_idx",
                include=(
                    "departs_at",
                    "paid_at",
                    "fare_total",
                    "refunded_amount",
                    "distance_km",
                    "board_station",
                    "alight_station",
                ),
            ),
        ),
    ]
