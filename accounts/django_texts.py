"""Texts of Django's own account forms and password validators that passengers see on the sign-up,
log-in and password pages, but that Django 6.1's Hindi and Tamil catalogues lack or translate
only in part. Listed here (never called) so `makemessages` keeps them in our catalogues, which
take precedence over Django's (LOCALE_PATHS): docs/i18n.md."""

from django.utils.translation import gettext_noop, ngettext_lazy

DJANGO_FORM_TEXTS = (
    gettext_noop("Username"),
    gettext_noop("Password"),
    gettext_noop("Password confirmation"),
    gettext_noop("New password"),
    gettext_noop("New password confirmation"),
    gettext_noop("Old password"),
    gettext_noop("Enter the same password as before, for verification."),
    gettext_noop("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    # Plurals: lazy (never evaluated), as Django has no ngettext_noop.
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    gettext_noop("This password is too common."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop("The two password fields didn’t match."),
    gettext_noop(
        "Please enter a correct %(username)s and password. Note that both fields may be case-sensitive."
    ),
    gettext_noop("This account is inactive."),
    gettext_noop("A user with that username already exists."),
    gettext_noop("This field is required."),
    gettext_noop("Enter a valid email address."),
    # The empty choice of a select (the saved passenger's gender).
    gettext_noop("- Select an option -"),
)
