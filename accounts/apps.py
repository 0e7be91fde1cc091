from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from .signed_in_hint import note_login, note_logout

        user_logged_in.connect(note_login, dispatch_uid="accounts.signed_in_hint.login")
        user_logged_out.connect(note_logout, dispatch_uid="accounts.signed_in_hint.logout")
