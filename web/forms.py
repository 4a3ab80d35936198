from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from booking.availability import localize
from booking.models import MeetingType
from config import fields
from people.models import User
from reminders.models import ReminderPlan

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Your mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("The code from the SMS"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}),
    )


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class NationalIdForm(forms.Form):
    pid = forms.CharField(
        label=_("National identity number (11 digits)"),
        max_length=20,
        help_text=_("Stored only as a code made from the number (a keyed hash): nobody can read the number back."),
        # Never kept by the browser's autofill: the next person at this computer is someone else.
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you cancelling? (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("You do not have to say. If you do, only the staff who follow you up see it."),
    )


class StaffCancelForm(CancelForm):
    """Cancelling on the person's behalf: the reason goes into the meeting's history."""

    reason = forms.CharField(
        label=_("Why is the meeting cancelled?"),
        required=True,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A few words are enough, such as “phoned in sick”. The person is told the meeting is cancelled."),
    )


class PlanForm(forms.Form):
    """A reminder as a person thinks of it: what, when (times and days), how."""

    title = forms.CharField(label=_("What should we remind you of?"), max_length=100)
    times = forms.CharField(
        label=_("Time(s) of day"),
        help_text=_("For example 8, kl 8 or 08:00; 8 og 20 for twice a day."),
        max_length=60,
        required=False,
    )
    # For those who would rather pick than type: the phone's own time picker. Its time is
    # added to any written above, so either way works alone.
    picked = forms.TimeField(
        label=_("Or pick a time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M"),
        help_text=_("Added to the times written above."),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for every day."),
    )
    day_of_month = forms.IntegerField(
        label=_("Day of the month"), min_value=1, max_value=31, required=False, help_text=_("For bills and paydays.")
    )
    dose = forms.CharField(label=_("Dose (optional)"), max_length=100, required=False)
    money_kind = forms.ChoiceField(label=_("Kind"), choices=ReminderPlan.MoneyKind.choices, required=False)
    amount = forms.DecimalField(
        label=_("Amount in kroner (optional)"), required=False, max_digits=10, decimal_places=2, min_value=0
    )
    channel_sms = forms.BooleanField(label=_("By SMS"), required=False, initial=True)
    channel_email = forms.BooleanField(label=_("By e-mail"), required=False)

    def __init__(self, *args: object, kind: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind != ReminderPlan.Kind.MEDICATION:
            del self.fields["dose"]
        if kind != ReminderPlan.Kind.MONEY:
            del self.fields["money_kind"]
            del self.fields["amount"]
            del self.fields["day_of_month"]

    def clean_times(self) -> list[time]:
        result = fields.clock_times_from_text(self.cleaned_data["times"])
        if result is None:
            raise forms.ValidationError(_("Write times like 8, kl 8, 08.00 or 8:30."))
        return result

    def clean(self) -> dict:
        data = super().clean()
        if "times" in data:
            picked = data.get("picked")
            times = sorted(set(data["times"]) | ({picked.replace(second=0, microsecond=0)} if picked else set()))
            if times:
                data["times"] = times
            elif "picked" not in self.errors:
                self.add_error("times", _("Write at least one time, like 08:00, or pick one."))
        if not data.get("channel_sms") and not data.get("channel_email"):
            raise forms.ValidationError(_("Choose SMS, e-mail or both."))
        if self.kind == ReminderPlan.Kind.MONEY and not data.get("money_kind"):
            self.add_error("money_kind", _("Choose bill, payday or budget."))
        return data

    @property
    def channels(self) -> list[str]:
        return [
            c
            for c, on in (("sms", self.cleaned_data["channel_sms"]), ("email", self.cleaned_data["channel_email"]))
            if on
        ]


NOTICE_MAX_MINUTES = 24 * 60
NOTICE_RANGE_MESSAGE = _("Choose between 1 and 1440 minutes (24 hours).")


class PreferencesForm(forms.Form):
    channel_sms = forms.BooleanField(label=_("Meeting reminders by SMS"), required=False)
    channel_email = forms.BooleanField(label=_("Meeting reminders by e-mail"), required=False)
    quiet_start = fields.FormTimeField(label=_("No messages from"), widget=forms.TimeInput(attrs={"type": "time"}))
    quiet_end = fields.FormTimeField(label=_("until"), widget=forms.TimeInput(attrs={"type": "time"}))
    discreet = forms.BooleanField(
        label=_("Discreet texts"),
        required=False,
        help_text=_(
            "Texts never name people, medicines, doses, amounts or what a payment or routine is for. "
            "Recommended if others may see your phone."
        ),
    )
    morning_summary = forms.BooleanField(
        label=_("One summary in the morning"),
        required=False,
        help_text=_("Routines and money reminders for the day come together in one message."),
    )
    # Left empty, the delay chosen before stays (so a form without it changes nothing).
    conversation_notice_minutes = forms.IntegerField(
        label=_("SMS about unread messages after (minutes)"),
        required=False,
        min_value=1,
        max_value=NOTICE_MAX_MINUTES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": NOTICE_MAX_MINUTES}),
        help_text=_(
            "When someone writes to you and the message is still unread after this many minutes, you get one "
            "short SMS. You can answer it by SMS. From 1 to 1440 minutes (24 hours)."
        ),
        error_messages={
            "invalid": NOTICE_RANGE_MESSAGE,
            "min_value": NOTICE_RANGE_MESSAGE,
            "max_value": NOTICE_RANGE_MESSAGE,
        },
    )

    def __init__(self, *args: Any, for_staff: bool = False, **kwargs: Any) -> None:
        """``for_staff``: the same form for social workers, coordinators and peers, showing only
        what applies to them: how notices reach them, their quiet hours and their language."""
        super().__init__(*args, **kwargs)
        if for_staff:
            del self.fields["discreet"]
            del self.fields["morning_summary"]
            self.fields["channel_sms"].label = _("Notices by SMS")
            self.fields["channel_email"].label = _("Notices by e-mail")
            self.fields["quiet_start"].help_text = _(
                "Notices that come in your quiet hours wait until they end. An urgent help alert "
                "still reaches you while you are on duty."
            )
            self.fields["conversation_notice_minutes"].help_text = _(
                "When a person you are responsible for writes to you and the message is still unread after this "
                "many minutes, you get one short SMS, within your working hours. From 1 to 1440 minutes (24 hours)."
            )
            self.fields["language"] = forms.ChoiceField(label=_("Language"), choices=User.Language.choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "language" in self.fields and not data.get("channel_sms") and not data.get("channel_email"):
            raise forms.ValidationError(_("Choose SMS, e-mail or both."))
        return data


class NewPhoneForm(forms.Form):
    number = forms.CharField(
        label=_("New mobile number"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )


class DetailsForm(forms.Form):
    email = forms.EmailField(label=_("E-mail (optional)"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=[("nb", "Norsk bokmål"), ("en", "English")])


class WorkingDayForm(forms.Form):
    """One weekday: up to three intervals, so a lunch break is two intervals."""

    start1 = fields.FormTimeField(label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    end1 = fields.FormTimeField(label=_("To"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    start2 = fields.FormTimeField(label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    end2 = fields.FormTimeField(label=_("To"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    start3 = fields.FormTimeField(label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    end3 = fields.FormTimeField(label=_("To"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))

    def intervals(self) -> list[tuple[time, time]]:
        result = []
        for i in (1, 2, 3):
            start, end = self.cleaned_data.get(f"start{i}"), self.cleaned_data.get(f"end{i}")
            if start and end:
                result.append((start, end))
        return result

    def clean(self) -> dict:
        data = super().clean()
        for i in (1, 2, 3):
            start, end = data.get(f"start{i}"), data.get(f"end{i}")
            if bool(start) != bool(end):
                raise forms.ValidationError(_("Fill in both From and To, or neither."))
            if start and end and end <= start:
                raise forms.ValidationError(_("The end must be after the start."))
        return data


class TimeOffForm(forms.Form):
    first_day = fields.FormDateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = fields.FormDateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("first_day") and data.get("last_day") and data["last_day"] < data["first_day"]:
            raise forms.ValidationError(_("The last day must not be before the first day."))
        return data


class MeetingTypeForm(forms.ModelForm):
    class Meta:
        model = MeetingType
        fields = list(MeetingType.EDITABLE_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class OutsideHoursForm(forms.Form):
    """A date and a local time for a meeting outside the usual hours."""

    day = fields.FormDateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = fields.FormTimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))

    def __init__(self, *args: Any, tz: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz = tz

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("day") and data.get("start"):
            # The skipped hour of the spring clock change is no time at all; in the autumn the
            # first of the two hours is meant (summer time), as everywhere in booking.
            moment = localize(data["day"], data["start"], self.tz)
            if moment is None:
                self.add_error("start", _("The clocks skip this time that day. Choose another time."))
            else:
                data["moment"] = moment
        return data


class BookRepeatForm(forms.Form):
    weeks = forms.IntegerField(
        label=_("Repeat every week, how many times in all"),
        min_value=1,
        max_value=52,
        initial=1,
        help_text=_("1 = just this once."),
    )


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the person erased?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: asked to be forgotten, follow-up ended. Do not write their name."),
    )
    sure = forms.BooleanField(
        label=_("I understand that this cannot be undone: their name, numbers and words are gone for good."),
    )
