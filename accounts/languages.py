"""The passenger's language, remembered on the account (docs/i18n.md).

Pages take their language from the URL; messages sent later (mails, SMS, the e-ticket PDF) have no
URL, so the account keeps the passenger's choice: set when a signed-in passenger uses the language
switcher, and on every login (the language of the login page). Neither happens on a cached public
page, so remembering never reads the session there.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from django.utils import translation

from .models import LanguagePreference


def remember_language(*, user: AbstractBaseUser | AnonymousUser, language: str) -> None:
    if not user.is_authenticated or language not in dict(settings.LANGUAGES):
        return
    LanguagePreference.objects.update_or_create(user_id=user.pk, defaults={"language": language})


def language_of(*, user: AbstractBaseUser) -> str:
    """The language to write to this passenger in (the default when they never chose)."""
    chosen = LanguagePreference.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return chosen or settings.LANGUAGE_CODE


def remember_chosen_language(
    sender: object, *, request: HttpRequest, language: str, **kwargs: object
) -> None:
    """railconnect.languages.language_chosen: the switcher was used."""
    remember_language(user=request.user, language=language)


def remember_login_language(
    sender: object, *, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: object
) -> None:
    """user_logged_in: the passenger logged in on a page in this language (its URL says which)."""
    language = translation.get_language_from_path(request.path_info) if request is not None else None
    remember_language(user=user, language=language or settings.LANGUAGE_CODE)
