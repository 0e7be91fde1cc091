from django.urls import path

from . import api, views

app_name = "booking"

urlpatterns = [
    path(
        "book/<str:train>/<str:date>/<str:board>/<str:alight>/<str:travel_class>", views.choose, name="choose"
    ),
    path(
        "book/<str:train>/<str:date>/<str:board>/<str:alight>/<str:travel_class>/passengers",
        views.passengers,
        name="passengers",
    ),
    path("book/review/<str:draft_id>", views.review, name="review"),
    path("bookings/", views.my_bookings, name="list"),
    path("bookings/requests/<int:request_id>", views.queued, name="queued"),
    path("bookings/<str:pnr>", views.ticket, name="eticket"),
    path("bookings/<str:pnr>/pay", views.pay, name="pay"),
    path("bookings/<str:pnr>/cancel", views.cancel, name="cancel"),
    path("pnr", views.pnr_form, name="pnr-form"),
    path("pnr/<str:pnr>", views.pnr_status, name="pnr"),
]

# The JSON API is the same in every language: unprefixed (railconnect/urls.py), outside the pages'
# "booking" namespace (one namespace cannot be both prefixed and not).
api_urlpatterns = [
    path("api/bookings", api.create, name="api-bookings"),
    path("api/bookings/requests/<int:request_id>", api.request_status, name="api-request"),
    path("api/bookings/<str:pnr>", api.detail, name="api-booking"),
    path("api/bookings/<str:pnr>/pay", api.pay, name="api-pay"),
    path("api/bookings/<str:pnr>/cancel", api.cancel, name="api-cancel"),
]
