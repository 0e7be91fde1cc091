from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("search", views.search_page, name="search"),
    path("search/dates", views.search_dates, name="search-dates"),
]

# The JSON APIs are the same in every language: unprefixed (railconnect/urls.py).
api_urlpatterns = [
    path("api/trains/search", views.search_api, name="search-api"),
    path("api/stations", views.stations_api, name="stations-api"),
]
