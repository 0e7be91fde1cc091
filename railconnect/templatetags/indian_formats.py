"""{% load indian_formats %}: `{{ amount|rupees }}` (railconnect/indian_formats.py), the one way an
amount is shown on a page."""

from django import template

from railconnect import indian_formats

register = template.Library()


@register.filter
def rupees(amount):
    return indian_formats.rupees(amount)
