"""Indexes for case-insensitive station lookups, on PostgreSQL.

Django turns `name__istartswith="mum"` into `UPPER(name) LIKE UPPER('mum%')` and `city__iexact`
into `UPPER(city) = UPPER(...)`. Only an index on UPPER(...) with the pattern operator class
serves both under any database collation. SQLite cannot use an index for LIKE on a column
without NOCASE collation, and scans its few thousand stations in a millisecond or two.
"""

from django.db import migrations

INDEXES = {
    "station_name_upper_like": "UPPER(name) varchar_pattern_ops",
    "station_city_upper_like": "UPPER(city) varchar_pattern_ops",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON timetable_station ({expression})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("timetable", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
