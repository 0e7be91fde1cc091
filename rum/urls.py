from django.urls import path

from . import views

app_name = "rum"
urlpatterns = [
    path("rum", views.collect, name="collect"),
]
