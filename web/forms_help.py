"""Forms for "I need help now": the request, the resolving note, the rota and its settings."""

from django import forms
from django.utils.translation import gettext_lazy as _

from config import fields
from web.forms import WEEKDAYS


def _people(staff: list) -> list[tuple[int, str]]:
    return [(u.pk, u.get_full_name() or u.username) for u in staff]


class HelpAskForm(forms.Form):
    message = forms.CharField(
        label=_("Anything you want to tell us? (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only staff see this. You can also just press the button."),
    )


class HelpResolveForm(forms.Form):
    note = forms.CharField(
        label=_("What was done?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A short note, for example: called, agreed to meet tomorrow."),
    )


class HelpSettingsForm(forms.Form):
    leader = forms.TypedChoiceField(label=_("Unit leader (alerted last)"), coerce=int, required=False, empty_value=None)
    ack_minutes = forms.IntegerField(
        label=_("Minutes to answer before the next person is alerted"), min_value=1, max_value=120, initial=10
    )
    crisis_line_name = forms.CharField(
        label=_("Crisis line: name"),
        max_length=100,
        required=False,
        help_text=_("Shown when the unit is closed, with 113 and the out-of-hours doctor (116 117)."),
    )
    crisis_line_number = forms.CharField(
        label=_("Crisis line: number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )

    def __init__(self, *args: object, staff: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].choices = [("", _("Nobody")), *_people(staff)]


class DutyShiftForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Day"), coerce=int, choices=WEEKDAYS)
    start = fields.FormTimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = fields.FormTimeField(label=_("To"), widget=forms.TimeInput(attrs={"type": "time"}))
    staff = forms.TypedChoiceField(label=_("On duty"), coerce=int)
    position = forms.IntegerField(
        label=_("Order"), min_value=1, max_value=20, initial=1, help_text=_("1 is alerted first, then 2, and so on.")
    )

    def __init__(self, *args: object, staff: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = _people(staff)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            raise forms.ValidationError(_("The end must be after the start."))
        return data


class DutyCoverForm(forms.Form):
    absent = forms.TypedChoiceField(label=_("Who is away"), coerce=int)
    first_day = fields.FormDateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = fields.FormDateField(label=_("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))
    cover = forms.TypedChoiceField(
        label=_("Covered by"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Nobody: the next on the rota is alerted first."),
    )

    def __init__(self, *args: object, staff: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["absent"].choices = _people(staff)
        self.fields["cover"].choices = [("", _("Nobody")), *_people(staff)]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("first_day") and data.get("last_day") and data["last_day"] < data["first_day"]:
            self.add_error("last_day", _("The last day must be on or after the first."))
        return data
