from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from . import login_protection  # noqa: F401 - connects the failed-login counter
