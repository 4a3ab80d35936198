"""Forms for responsibility groups: they check the shape of the input; rules are in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from config import fields
from people.models import User

DURATIONS = [
    (30, _("30 minutes")),
    (45, _("45 minutes")),
    (60, _("1 hour")),
    (90, _("1 hour 30 minutes")),
    (120, _("2 hours")),
]


class MemberForm(forms.Form):
    user = forms.TypedChoiceField(label=_("Social worker or peer"), coerce=int)

    def __init__(self, *args: object, candidates: list[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [(u.pk, f"{u} ({u.get_role_display()})") for u in candidates]


class ExternalForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    role = forms.CharField(label=_("Role"), max_length=200, required=False, help_text=_("For example adviser or GP."))
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("Invitations are sent here."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )

    def clean(self) -> dict:
        data = super().clean()
        if not (data.get("email") or data.get("phone")):
            raise forms.ValidationError(_("Give an e-mail address or a phone number, so the person can be reached."))
        return data


class FindTimeForm(forms.Form):
    duration = forms.TypedChoiceField(label=_("How long"), choices=DURATIONS, coerce=int, initial=60)
    start = fields.FormDateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class MoveFromForm(forms.Form):
    start = fields.FormDateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class AgendaForm(forms.Form):
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the meeting will be about. Everyone in the group and the service user can read it."),
    )


class ActionForm(forms.Form):
    what = forms.CharField(label=_("What was agreed"), max_length=500)
    who = forms.ChoiceField(label=_("Who does it"))
    due_on = fields.FormDateField(
        label=_("By when"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: object, people: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["who"].choices = people


class PlaceForm(forms.Form):
    place = forms.CharField(
        label=_("Where"),
        max_length=300,
        required=False,
        help_text=_("Changing the place sends the people from outside the service an updated invitation."),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (shown to the participants)"), max_length=500, required=False)
