"""Sign-up, the account page, and Django's own auth views. Template names and success URLs are
given explicitly: the admin's registration/ templates come earlier in the template search path,
and the views' default success URLs are not namespaced."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import path, reverse_lazy
from django.views.generic import RedirectView

from pwa.views import clear_browser_cache
from railconnect.rate_limits import rate_limited

from . import views
from .password_reset import PasswordResetView
from .signed_in_hint import signed_in_css

app_name = "accounts"
T = "registration/"

urlpatterns = [
    # The account page is the passenger dashboard now (dashboard/): the old name still leads there.
    path("accounts/", login_required(RedirectView.as_view(pattern_name="dashboard")), name="dashboard"),
    path("accounts/signup/", rate_limited("signup")(views.signup), name="signup"),
    # Failed logins are refused by django-axes' backend (accounts/login_lockout.py), on every path.
    path(
        "accounts/login/",
        rate_limited("login")(auth_views.LoginView.as_view(template_name=T + "login.html")),
        name="login",
    ),
    # The mobile number and its one-time-code verification (needed for Tatkal).
    path("accounts/mobile/", views.mobile, name="mobile"),
    path("accounts/logout/", clear_browser_cache(auth_views.LogoutView.as_view()), name="logout"),
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name=T + "rc_password_change_form.html",
            success_url=reverse_lazy("accounts:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name=T + "rc_password_change_done.html"),
        name="password_change_done",
    ),
    # Same answer and same work for every address; the mail is sent by a task (password_reset.py).
    path(
        "accounts/password/reset/",
        rate_limited("password-reset")(PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name=T + "rc_password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name=T + "rc_password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name=T + "rc_password_reset_complete.html"),
        name="password_reset_complete",
    ),
]

# The same in every language (railconnect/urls.py mounts it unprefixed): the no-JavaScript header's
# stylesheet (accounts/signed_in_hint.py).
unprefixed_urlpatterns = [
    path("accounts/signed-in.css", signed_in_css, name="signed-in-css"),
]
