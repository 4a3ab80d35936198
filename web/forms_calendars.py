"""Forms for the calendars a worker connects (their Outlook, Google or CalDAV calendar)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from booking.models import ExternalCalendar


class ConnectCalendarForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What kind of calendar?"),
        choices=ExternalCalendar.Kind.choices,
        initial=ExternalCalendar.Kind.ICS,
        widget=forms.RadioSelect,
        help_text=_(
            "A subscription link (ICS) is what Outlook and Google give you when you publish or share a "
            "calendar. CalDAV needs a user name and a password (or an app password)."
        ),
    )
    url = forms.CharField(
        label=_("Address of the calendar"),
        max_length=2000,
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Starts with https:// or webcal://"),
    )
    username = forms.CharField(label=_("User name (CalDAV only)"), max_length=200, required=False)
    password = forms.CharField(
        label=_("Password or app password (CalDAV only)"),
        max_length=500,
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted, and never shown again."),
    )
    write_back = forms.BooleanField(
        label=_("Also put my Triangel meetings in this calendar (CalDAV only, initials only)"), required=False
    )
