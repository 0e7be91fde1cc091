"""The passenger dashboard. Plain URL names (like search's): "dashboard" is the key page that
testsupport/performance_budgets.py measures. Each lazily loaded fragment has a full page at the
URL without "/fragment", which is where its no-JavaScript link goes."""

from django.urls import path

from . import views

urlpatterns = [
    path("dashboard", views.dashboard, name="dashboard"),
    path("dashboard/upcoming", views.upcoming_journeys, name="dashboard-upcoming"),
    path("dashboard/journeys", views.history, name="dashboard-journeys"),
    path("dashboard/journeys/fragment", views.history_fragment, name="dashboard-journeys-fragment"),
    path("dashboard/statistics", views.statistics, name="dashboard-statistics"),
    path("dashboard/statistics/fragment", views.statistics_fragment, name="dashboard-statistics-fragment"),
    path("dashboard/passengers", views.saved_passengers, name="saved-passengers"),
    path("dashboard/passengers/<int:pk>", views.saved_passenger_edit, name="saved-passenger-edit"),
    path("dashboard/passengers/<int:pk>/delete", views.saved_passenger_delete, name="saved-passenger-delete"),
]
