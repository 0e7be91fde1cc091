from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from railconnect.rate_limits import client_address

from . import mobile_verification
from .forms import SignUpForm


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.user.is_authenticated:
        return redirect(next_url or "booking:list")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(next_url or "home")
    return render(
        request,
        "registration/signup.html",
        {"form": form, "next": next_url},
        status=400 if form.errors else 200,
    )


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def mobile(request):
    """The mobile number and its verification: POST action=send (number) asks for a code,
    action=verify (code) checks it (accounts/mobile_verification.py)."""
    account = mobile_verification.account_for(request.user)
    error, status = None, 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "verify":
                mobile_verification.verify_code(user=request.user, code=request.POST.get("code", ""))
                messages.success(request, _("Your mobile number is verified: you can book Tatkal tickets."))
            else:
                mobile_verification.request_code(
                    user=request.user, mobile=request.POST.get("mobile", ""), address=client_address(request)
                )
                messages.success(request, _("A code is on its way by SMS. Enter it below."))
            return redirect("accounts:mobile")
        except mobile_verification.VerificationRefused as refused:
            error, status = refused.message, refused.status
    return render(request, "registration/rc_mobile.html", {"account": account, "error": error}, status=status)
