"""Password reset that does not tell who has an account, by its answer or by its timing.

The request does the same work for every address: it checks the form and queues one task
(django.tasks, settings.TASKS). The task looks the address up and mails a link to each active
account that has it, off the request path, so neither the lookup nor the mail server's delays
(an SMTP timeout included) show in the response time or its Server-Timing header.
"""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpResponseRedirect
from django.tasks import task
from django.urls import reverse_lazy
from django.utils import translation

T = "registration/"


@task
def send_password_reset(*, email: str, domain: str, use_https: bool, language: str) -> None:
    """Django's own reset mail (users, token, templates), for the site the request came to, in the
    language of the page the passenger asked from (its link leads to that language's pages)."""
    form = PasswordResetForm({"email": email})
    with translation.override(language):
        if not form.is_valid():
            return
        form.save(
            domain_override=domain,
            use_https=use_https,
            subject_template_name=T + "rc_password_reset_subject.txt",
            email_template_name=T + "rc_password_reset_email.txt",
        )


class PasswordResetView(auth_views.PasswordResetView):
    template_name = T + "rc_password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        # Not super(): Django's view would look the users up and send the mail here.
        send_password_reset.enqueue(
            email=form.cleaned_data["email"],
            domain=self.request.get_host(),
            use_https=self.request.is_secure(),
            language=translation.get_language(),
        )
        return HttpResponseRedirect(self.get_success_url())
