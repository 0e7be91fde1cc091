"""Amounts as Indians write them, in every language (docs/i18n.md): the rupee sign, paise, and
Indian digit grouping (thousands, then lakhs and crores by twos): ₹4,452.00, ₹1,00,000.00,
₹1,23,45,678.50. Latin digits always (as on IRCTC tickets and bank statements), whatever the
page's language. Dates and times are shown in IST, 24-hour, by the templates' `date`/`time`
filters (TIME_ZONE is Asia/Kolkata).
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


def indian_grouping(whole: str) -> str:
    """'10000000' -> '1,00,00,000': the last three digits, then pairs."""
    if len(whole) <= 3:
        return whole
    head, tail = whole[:-3], whole[-3:]
    pairs: list[str] = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head, *pairs, tail])


def rupees(amount: Decimal | int | float | str | None) -> str:
    """₹ and the amount with paise and Indian grouping; '' for no amount."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return str(amount)
    sign = "-" if value < 0 else ""
    whole, paise = f"{abs(value):.2f}".split(".")
    return f"{sign}₹{indian_grouping(whole)}.{paise}"
