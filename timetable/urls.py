from django.urls import re_path

from . import views

urlpatterns = [
    # Train numbers are short and alphanumeric; anything else is a 404 before any query.
    re_path(r"^trains/(?P<number>[0-9A-Za-z-]{1,10})$", views.train_schedule, name="train-schedule"),
]
