"""Inventory partitioned by train (issue 16, booking/partitions.py).

- TrainPartition: which primary holds each train's rows (global: on "default" only).
- The partitioned tables refer to global rows (users, trains, stations) by id only: migrations
  0001 and 0004 (booking) and 0001 (payments) now declare those foreign keys db_constraint=False,
  so a new database never gets such a constraint; `drop_cross_database_constraints` removes them
  from PostgreSQL databases migrated before (a partition cannot have them: the tables they point
  to are not there). SQLite keeps any it has (one database, never a partition of another).
"""

import django.db.models.deletion
from django.db import migrations, models

PARTITIONED_TABLES = (
    "booking_booking",
    "booking_inventory",
    "booking_queuedbookingrequest",
    "payments_payment",
)
GLOBAL_TABLES = ("auth_user", "timetable_train", "timetable_station")


def drop_cross_database_constraints(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for table in PARTITIONED_TABLES:
            if table not in tables:
                continue
            for name, info in connection.introspection.get_constraints(cursor, table).items():
                target = info.get("foreign_key")
                if target and target[0] in GLOBAL_TABLES:
                    schema_editor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0005_quotas"),
        ("payments", "0001_initial"),
        ("timetable", "0003_stop_station_covered_by_search_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="TrainPartition",
            fields=[
                (
                    "train",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="timetable.train",
                    ),
                ),
                ("database", models.CharField(help_text="A DATABASE_PARTITIONS alias.", max_length=40)),
            ],
        ),
        # On every partition (the hint names a partitioned model): their tables are there.
        migrations.RunPython(
            drop_cross_database_constraints, migrations.RunPython.noop, hints={"model_name": "booking"}
        ),
    ]
