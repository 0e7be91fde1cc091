from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("payments/callback/<str:gateway_name>", views.gateway_callback, name="callback"),
    path("payments/<str:token>", views.simulated_gateway, name="simulated"),
]
