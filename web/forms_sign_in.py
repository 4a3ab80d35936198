"""Forms of the password and second-factor pages. The code field is ``otp`` everywhere, on the
web as in the API, so password managers and scripts find it under one name."""

from django import forms
from django.utils.translation import gettext_lazy as _

_CODE_WIDGET = forms.TextInput(
    attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
)


class PasswordForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "off"}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    # Staff may give their code here at once; without it they are asked on the next page.
    otp = forms.CharField(
        label=_("Code from your authenticator app (staff)"),
        help_text=_("Service users leave this empty."),
        max_length=32,
        required=False,
        widget=_CODE_WIDGET,
    )
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class OtpForm(forms.Form):
    otp = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"), max_length=32, widget=_CODE_WIDGET
    )


class OtpSetUpForm(forms.Form):
    otp = forms.CharField(label=_("The six-digit code the app shows"), max_length=10, widget=_CODE_WIDGET)
