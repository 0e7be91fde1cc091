"""Saved passengers, and on PostgreSQL the travel statistics materialized view.

The view's definitions match dashboard/travel_stats.py's aggregate implementation exactly (the
tests compare both with a direct computation). Months are calendar months in settings.TIME_ZONE
as it is when this migration runs.

Coupling to know about: PostgreSQL refuses to change the type of (or drop) a booking column the
view reads (user_id, status, paid_at, departs_at, fare_total, refunded_amount, distance_km,
board_station_id, alight_station_id). A migration that must do so drops the view first and
recreates it afterwards: `dashboard.migrations.0001_initial.create_view` / `drop_view` are plain
functions for RunPython.
"""

import zoneinfo

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Lower

VIEW = "dashboard_travel_stats"

# Ticketed: a booking that was paid for (BOOKED, or CANCELLED after payment). A journey taken: a
# BOOKED booking whose train had left the boarding station when the refresh began. The refresh's
# start is statement_timestamp(), not now() (the start of its transaction): it is no later than the
# snapshot the refresh reads, so "changed before computed_at" means "included" (travel_stats.py).
VIEW_SQL = """
CREATE MATERIALIZED VIEW {view} AS
WITH totals AS (
    SELECT user_id,
           count(*) AS total_bookings,
           sum(fare_total) AS fare_sum,
           sum(fare_total - refunded_amount) AS total_spent,
           count(*) FILTER (WHERE status = 'BOOKED' AND departs_at < statement_timestamp()) AS journeys_taken,
           coalesce(sum(distance_km) FILTER (WHERE status = 'BOOKED' AND departs_at < statement_timestamp()), 0) AS km_travelled
    FROM booking_booking
    WHERE status = 'BOOKED' OR (status = 'CANCELLED' AND paid_at IS NOT NULL)
    GROUP BY user_id
),
journeys AS (
    SELECT user_id, departs_at, board_station_id, alight_station_id
    FROM booking_booking
    WHERE status = 'BOOKED' AND departs_at < statement_timestamp()
),
routes AS (
    SELECT DISTINCT ON (user_id) user_id, board_station_id, alight_station_id, count(*) AS journeys
    FROM journeys
    GROUP BY user_id, board_station_id, alight_station_id
    ORDER BY user_id, count(*) DESC, board_station_id, alight_station_id
),
months AS (
    SELECT user_id, jsonb_object_agg(month, journeys) AS journeys_by_month
    FROM (
        SELECT user_id, to_char(departs_at AT TIME ZONE '{tz}', 'YYYY-MM') AS month, count(*) AS journeys
        FROM journeys
        GROUP BY 1, 2
    ) AS per_month
    GROUP BY user_id
)
SELECT totals.user_id,
       totals.total_bookings::integer AS total_bookings,
       totals.fare_sum,
       totals.total_spent,
       totals.journeys_taken::integer AS journeys_taken,
       totals.km_travelled::bigint AS km_travelled,
       routes.board_station_id AS top_board_station_id,
       routes.alight_station_id AS top_alight_station_id,
       coalesce(routes.journeys, 0)::integer AS top_route_journeys,
       coalesce(months.journeys_by_month, '{{}}'::jsonb) AS journeys_by_month,
       statement_timestamp() AS computed_at
FROM totals
LEFT JOIN routes USING (user_id)
LEFT JOIN months USING (user_id)
WITH DATA;
-- REFRESH MATERIALIZED VIEW CONCURRENTLY needs a unique index on plain columns covering every row.
CREATE UNIQUE INDEX {view}_user_uniq ON {view} (user_id);
"""


def create_view(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite: travel_stats.py aggregates on each read instead
    tz = str(zoneinfo.ZoneInfo(settings.TIME_ZONE))  # a real zone name, so safe to quote
    schema_editor.execute(VIEW_SQL.format(view=VIEW, tz=tz.replace("'", "''")))


def drop_view(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP MATERIALIZED VIEW IF EXISTS {VIEW}")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("booking", "0003_dashboard_indexes"),
        ("timetable", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SavedPassenger",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=40)),
                ("age", models.PositiveSmallIntegerField()),
                (
                    "gender",
                    models.CharField(
                        choices=[("M", "Male"), ("F", "Female"), ("T", "Transgender")], max_length=1
                    ),
                ),
                (
                    "berth_preference",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("LB", "Lower (LB)"),
                            ("MB", "Middle (MB)"),
                            ("UB", "Upper (UB)"),
                            ("SL", "Side lower (SL)"),
                            ("SU", "Side upper (SU)"),
                            ("WS", "Window (WS)"),
                            ("MS", "Middle seat (MS)"),
                            ("AS", "Aisle (AS)"),
                        ],
                        help_text="Used when the class has that berth or seat type.",
                        max_length=2,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="saved_passengers",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["name", "id"],
                "constraints": [
                    models.UniqueConstraint(Lower("name"), "user", name="saved_passenger_user_name_uniq")
                ],
            },
        ),
        migrations.CreateModel(
            name="UserTravelStats",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("total_bookings", models.IntegerField()),
                ("fare_sum", models.DecimalField(decimal_places=2, max_digits=14)),
                ("total_spent", models.DecimalField(decimal_places=2, max_digits=14)),
                ("journeys_taken", models.IntegerField()),
                ("km_travelled", models.BigIntegerField()),
                ("top_route_journeys", models.IntegerField()),
                ("journeys_by_month", models.JSONField()),
                ("computed_at", models.DateTimeField()),
                (
                    "top_alight_station",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="timetable.station",
                    ),
                ),
                (
                    "top_board_station",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="timetable.station",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "user travel stats",
                "db_table": "dashboard_travel_stats",
                "managed": False,
            },
        ),
        # The view reads booking_booking: on every inventory partition (booking/partitions.py).
        migrations.RunPython(create_view, drop_view, elidable=False, hints={"model_name": "usertravelstats"}),
    ]
