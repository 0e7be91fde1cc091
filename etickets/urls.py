from django.urls import path

from . import views

app_name = "etickets"

urlpatterns = [
    path("bookings/<str:pnr>/ticket.pdf", views.ticket_pdf, name="pdf"),
    path("verify/<str:reference>", views.verify, name="verify"),
]
