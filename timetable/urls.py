from django.urls import path

from . import views

urlpatterns = [
    path("trains/<str:number>", views.train_schedule, name="train-schedule"),
]
