from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from railconnect.languages import language_chosen

        from .languages import remember_chosen_language, remember_login_language
        from .signed_in_hint import note_login, note_logout

        user_logged_in.connect(note_login, dispatch_uid="accounts.signed_in_hint.login")
        user_logged_out.connect(note_logout, dispatch_uid="accounts.signed_in_hint.logout")
        # The passenger's language, remembered on the account for mails and SMS (accounts/languages.py).
        language_chosen.connect(remember_chosen_language, dispatch_uid="accounts.remember_chosen_language")
        user_logged_in.connect(remember_login_language, dispatch_uid="accounts.remember_login_language")
