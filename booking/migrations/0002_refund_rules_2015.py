"""Seeds the 2015 cancellation rules (Indian Railways, November 2015) as RefundRule rows.

Flat charge per passenger (confirmed, more than 48 hours before departure), at least that much
later on. Hours are to the departure from the boarding station.
"""

from decimal import Decimal

from django.db import migrations

FLAT = {"1A": 240, "2A": 200, "3A": 180, "CC": 180, "SL": 120, "2S": 60}


def rules():
    for code, flat in FLAT.items():
        flat = Decimal(flat)
        yield dict(
            applies_to="CNF",
            travel_class=code,
            min_hours_before=48,
            max_hours_before=None,
            flat_charge=flat,
            percent_charge=0,
            note=f"Confirmed, over 48 h: flat {flat} per passenger",
        )
        yield dict(
            applies_to="CNF",
            travel_class=code,
            min_hours_before=12,
            max_hours_before=48,
            flat_charge=flat,
            percent_charge=25,
            note="Confirmed, 48 h to 12 h: 25% of the fare",
        )
        yield dict(
            applies_to="CNF",
            travel_class=code,
            min_hours_before=0,
            max_hours_before=12,
            flat_charge=flat,
            percent_charge=50,
            note="Confirmed, 12 h to the chart: 50% of the fare",
        )
    yield dict(
        applies_to="CNF", after_chart=True, percent_charge=100, note="Confirmed, after the chart: no refund"
    )
    for after_chart in (False, True):
        yield dict(
            applies_to="CNF",
            quota="TQ",
            after_chart=after_chart,
            percent_charge=100,
            note="Confirmed Tatkal: no refund",
        )
        yield dict(
            applies_to="RACWL", after_chart=after_chart, flat_charge=60, note="RAC/waitlisted: clerkage 60"
        )
        yield dict(
            applies_to="RACWL",
            travel_class="2S",
            after_chart=after_chart,
            flat_charge=30,
            note="RAC/waitlisted in 2S: clerkage 30",
        )


def seed(apps, schema_editor):
    RefundRule = apps.get_model("booking", "RefundRule")
    RefundRule.objects.bulk_create([RefundRule(ruleset="2015", **fields) for fields in rules()])


def unseed(apps, schema_editor):
    apps.get_model("booking", "RefundRule").objects.filter(ruleset="2015").delete()


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
