"""The dashboard for the performance budget check (railconnect/performance_budgets.py, key page
"dashboard"): a passenger with an upcoming booking, so the first screenful has a journey card."""

from django.urls import reverse


def dashboard(user):
    from booking.performance_pages import eticket

    eticket(user)  # holds a booking: an upcoming journey awaiting payment
    return reverse("dashboard")
