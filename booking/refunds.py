"""What a cancelled passenger gets back, by the refund rules kept as data (booking.RefundRule).

The active rule set is settings.REFUND_RULESET ("2015" by default, seeded by a data migration):
- confirmed, more than 48 h before departure: a flat charge per passenger
  (1A 240, 2A 200, 3A/CC 180, SL 120, 2S 60 rupees);
- confirmed, 48 h to 12 h: 25% of the fare (at least the flat charge);
- confirmed, 12 h until the chart is prepared: 50% (at least the flat charge);
- confirmed, after the chart: nothing;
- confirmed Tatkal: nothing, at any time;
- RAC or waitlisted: the fare less a clerkage of 60 rupees (30 in 2S).
Hours are counted to the departure from the passenger's boarding station.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from railconnect.indian_formats import rupees

from .booking_rules import QUOTAS
from .models import RefundRule

ZERO = Decimal("0")


@dataclass(frozen=True)
class RefundQuote:
    fare: Decimal
    charge: Decimal
    refund: Decimal
    rule: str


def active_rules() -> list[RefundRule]:
    return list(RefundRule.objects.filter(ruleset=settings.REFUND_RULESET))


def _matches(
    rule: RefundRule, applies_to: str, quota: str, travel_class: str, hours_left: Decimal, charted: bool
) -> bool:
    if rule.applies_to != applies_to:
        return False
    if rule.quota and rule.quota != quota:
        return False
    if rule.travel_class and rule.travel_class != travel_class:
        return False
    if rule.after_chart != charted:
        return False
    if charted:
        return True
    if hours_left <= rule.min_hours_before:
        return False
    return rule.max_hours_before is None or hours_left <= rule.max_hours_before


def quote_refund(
    rules: Sequence[RefundRule],
    fare: Decimal | int,
    status: str,
    quota: str,
    travel_class: str,
    hours_left: float,
    charted: bool,
) -> RefundQuote:
    """The RefundQuote for one passenger. `status` is CNF, RAC, WL or NOSB (priced as CNF)."""
    fare = Decimal(fare)
    if fare <= ZERO:
        return RefundQuote(fare, ZERO, ZERO, "nothing paid")
    applies_to = (
        RefundRule.AppliesTo.RAC_WAITLIST if status in ("RAC", "WL") else RefundRule.AppliesTo.CONFIRMED
    )
    hours = Decimal(str(round(hours_left, 4)))
    candidates = [r for r in rules if _matches(r, applies_to, quota, travel_class, hours, charted)]
    if not candidates:
        # No rule: refund nothing rather than guess. The admin should complete the rule set.
        return RefundQuote(fare, fare, ZERO, "no matching refund rule")
    rule = max(candidates, key=lambda r: (bool(r.quota), bool(r.travel_class)))
    percent = (fare * rule.percent_charge / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    charge = min(fare, max(rule.flat_charge, percent))
    return RefundQuote(fare, charge, fare - charge, rule.note or str(rule))


def full_refund(fare: Decimal | int) -> RefundQuote:
    fare = Decimal(fare)
    return RefundQuote(fare, ZERO, fare, "full refund")


def _hours(value: Decimal) -> str:
    return format(value.normalize(), "f")


def describe_rule(rule: RefundRule) -> str:
    """One refund rule in a line, in the active language, from its fields (the e-ticket PDF lists
    the rules of its quota and class; `note` is the admin's English label, not shown to passengers).
    E.g. "Confirmed, 3A, more than 48 h before departure: cancellation charge ₹180.00 per passenger"."""
    if rule.applies_to == RefundRule.AppliesTo.CONFIRMED:
        who = _("Confirmed")
    else:
        who = _("RAC or waitlisted")
    if rule.quota:
        who = _("%(status)s, %(quota)s quota") % {"status": who, "quota": QUOTAS.get(rule.quota, rule.quota)}
    if rule.travel_class:
        who = f"{who}, {rule.travel_class}"
    if rule.after_chart:
        when = _("after the chart is prepared")
    elif rule.max_hours_before is None and not rule.min_hours_before:
        when = _("before the chart is prepared")
    elif rule.max_hours_before is None:
        when = _("more than %(hours)s h before departure") % {"hours": _hours(rule.min_hours_before)}
    elif not rule.min_hours_before:
        when = _("%(hours)s h before departure until the chart is prepared") % {
            "hours": _hours(rule.max_hours_before)
        }
    else:
        when = _("%(more)s h to %(less)s h before departure") % {
            "more": _hours(rule.max_hours_before),
            "less": _hours(rule.min_hours_before),
        }
    flat = rupees(rule.flat_charge)
    if rule.percent_charge >= 100:
        return _("%(who)s, %(when)s: no refund") % {"who": who, "when": when}
    if rule.percent_charge and rule.flat_charge:
        charge = _("%(percent)s%% of the fare, at least %(amount)s per passenger") % {
            "percent": _hours(rule.percent_charge),
            "amount": flat,
        }
    elif rule.percent_charge:
        charge = _("%(percent)s%% of the fare") % {"percent": _hours(rule.percent_charge)}
    elif rule.flat_charge:
        charge = _("%(amount)s per passenger") % {"amount": flat}
    else:
        return _("%(who)s, %(when)s: full refund") % {"who": who, "when": when}
    return _("%(who)s, %(when)s: cancellation charge %(charge)s") % {
        "who": who,
        "when": when,
        "charge": charge,
    }
