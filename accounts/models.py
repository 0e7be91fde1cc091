from django.conf import settings
from django.db import models


class LanguagePreference(models.Model):
    """The language a passenger last chose (the switcher) or logged in with: what mails, SMS and the
    e-ticket PDF sent to them are written in (accounts/languages.py)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # A code of settings.LANGUAGES (checked when written; no choices, so adding a language needs no
    # migration).
    language = models.CharField(max_length=10)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"
