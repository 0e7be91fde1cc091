from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from booking.booking_requests import MAX_AGE, NAME_PATTERN, name_rule_message

from .models import SavedPassenger


class SavedPassengerForm(forms.ModelForm):
    """The booking form's rules for a name and an age, so a saved passenger always books."""

    class Meta:
        model = SavedPassenger
        fields = ["name", "age", "gender", "berth_preference"]
        labels = {
            "name": _("Name"),
            "age": _("Age"),
            "gender": _("Gender"),
            "berth_preference": _("Berth preference"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance.user = user
        self.fields["name"].widget.attrs.update({"autocomplete": "off"})
        self.fields["age"].widget.attrs.update({"min": 0, "max": MAX_AGE, "inputmode": "numeric"})
        self.fields["berth_preference"].choices = [
            ("", _("No preference")),
            *self.fields["berth_preference"].choices[1:],
        ]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not NAME_PATTERN.match(name):
            raise forms.ValidationError(name_rule_message())
        others = SavedPassenger.objects.filter(user=self.user, name__iexact=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("You already saved a passenger with this name."))
        return name

    def clean_age(self):
        age = self.cleaned_data["age"]
        if age > MAX_AGE:
            raise forms.ValidationError(_("Age must be %(max)d or less.") % {"max": MAX_AGE})
        return age

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            limit = settings.SAVED_PASSENGERS_MAX
            if SavedPassenger.objects.filter(user=self.user).count() >= limit:
                raise forms.ValidationError(
                    _("You can save up to %(limit)d passengers: remove one first.") % {"limit": limit}
                )
        return cleaned
