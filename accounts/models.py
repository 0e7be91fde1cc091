from django.conf import settings
from django.db import models


class Account(models.Model):
    """What the site knows of a user beyond Django's User: the kind of account and the mobile
    number, verified by a one-time code (accounts/mobile_verification.py)."""

    class Kind(models.TextChoices):
        PASSENGER = "passenger", "Passenger"
        AGENT = "agent", "Authorised agent"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PASSENGER)
    mobile = models.CharField(max_length=13, blank=True, help_text="+91 and ten digits")
    mobile_verified_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.get_kind_display()})"

    @property
    def mobile_verified(self) -> bool:
        return bool(self.mobile) and self.mobile_verified_at is not None

    @property
    def is_agent(self) -> bool:
        return self.kind == self.Kind.AGENT


class MobileOtp(models.Model):
    """One code sent to a mobile number. Only its hash is stored (`code_hash`, Django's password
    hashers); the code itself exists in the worker that made and sent it and in the SMS."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mobile = models.CharField(max_length=13)
    code_hash = models.CharField(max_length=200, blank=True, help_text="blank until the task has sent it")
    requested_from = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="accounts_otp_user_recent")]

    def __str__(self) -> str:
        return f"OTP for {self.mobile} at {self.created_at:%Y-%m-%d %H:%M}"


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
