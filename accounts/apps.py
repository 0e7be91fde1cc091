from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from railconnect.languages import language_chosen

        from .languages import remember_chosen_language, remember_login_language

        # The passenger's language, remembered on the account for mails and SMS (accounts/languages.py).
        language_chosen.connect(remember_chosen_language, dispatch_uid="accounts.remember_chosen_language")
        user_logged_in.connect(remember_login_language, dispatch_uid="accounts.remember_login_language")
