from django import template

from timetable.running_days import format_running_days

register = template.Library()


@register.filter
def duration(minutes: int | str) -> str:
    """625 -> '10h 25m'."""
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


@register.filter
def running_days(mask: int) -> str:
    return format_running_days(mask)
