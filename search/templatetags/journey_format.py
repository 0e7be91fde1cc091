from django import template
from django.utils.translation import gettext

from timetable.running_days import format_running_days

register = template.Library()


@register.filter
def duration(minutes: int | str) -> str:
    """625 -> '10h 25m' (in the active language: '10 घं 25 मि')."""
    hours, minutes = divmod(int(minutes), 60)
    if hours:
        return gettext("%(hours)dh %(minutes)02dm") % {"hours": hours, "minutes": minutes}
    return gettext("%(minutes)dm") % {"minutes": minutes}


@register.filter
def running_days(mask: int) -> str:
    return format_running_days(mask)
