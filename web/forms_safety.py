"""Forms for the safety net: a supporter outside the service, and a spare number."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from people.models import PhoneNumber, User
from reminders.services import preferences_read


class SupporterForm(forms.Form):
    name = forms.CharField(
        label=_("What you call them"),
        max_length=40,
        help_text=_("For example Mamma or Ola. Only you see this."),
    )
    number = forms.CharField(
        label=_("Their mobile number"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )


class SpareNumberForm(forms.Form):
    number = forms.CharField(
        label=_("Spare number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
        help_text=_("For example the phone of someone in your family. It is never used to sign in."),
    )
    spare_for_meetings = forms.BooleanField(
        label=_("Send my meeting reminders to this number if I lose my phone"),
        required=False,
        help_text=_("Only reminders about meetings, without names or places. Nothing about medicine or money."),
    )


def spare_context(user: User, phones: Iterable[PhoneNumber]) -> dict[str, Any]:
    """What My details shows of the spare number: the number, the form and whether the main
    number is in use (for "I lost my phone")."""
    phones = list(phones)
    spare = next((p for p in phones if p.is_spare), None)
    initial = {
        "number": spare.number.as_national if spare else "",
        "spare_for_meetings": preferences_read(user).spare_for_meetings,
    }
    return {
        "spare": spare,
        "spare_form": SpareNumberForm(initial=initial),
        "has_main_number": any(p.is_active for p in phones),
    }
