from django.conf import settings
from django.urls import path

from . import views

urlpatterns = [
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", views.rendition, name="media-rendition"),
]
