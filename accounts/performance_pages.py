"""The account dashboard for the performance budget check (railconnect/performance_budgets.py).

Its URL name is "accounts:dashboard" (the accounts URLs are namespaced)."""

from django.urls import reverse


def dashboard(user):
    from booking.performance_pages import eticket

    eticket(user)  # a booking to list
    return reverse("accounts:dashboard")
