"""Forms for continuity: plan entries and the coordinator's handover."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from booking.models import MeetingType
from care.models import PlanEntry
from care.services.continuity import TEXT_MAX
from people.models import User


class PlanEntryAddForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is it?"),
        choices=[
            (PlanEntry.Kind.GOAL, _("A goal – something I want to reach")),
            (PlanEntry.Kind.AGREEMENT, _("An agreement – something we have agreed on")),
        ],
        initial=PlanEntry.Kind.GOAL,
    )
    text = forms.CharField(
        label=_("In your own words"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A sentence or two is enough."),
    )


class PlanEntryEditForm(forms.Form):
    text = forms.CharField(label=_("Text"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}))
    status = forms.ChoiceField(label=_("Where does it stand?"))

    def __init__(self, *args: Any, entry: PlanEntry, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"text": entry.text, "status": entry.status})
        super().__init__(*args, **kwargs)
        if entry.kind == PlanEntry.Kind.GOAL:
            choices = [
                (PlanEntry.Status.ACTIVE, _("Still working on it")),
                (PlanEntry.Status.REACHED, _("Reached")),
                (PlanEntry.Status.NOT_RELEVANT, _("No longer relevant")),
            ]
        else:
            choices = [
                (PlanEntry.Status.ACTIVE, _("Still in use")),
                (PlanEntry.Status.NOT_RELEVANT, _("No longer relevant")),
            ]
        self.fields["status"].choices = choices


class _PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class _TypeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: MeetingType) -> str:
        return f"{obj.calendar.owner.first_name}: {obj.name} ({obj.duration_minutes} min, {obj.get_mode_display()})"


class HandoverForm(forms.Form):
    from_worker = _PersonChoice(label=_("From social worker"), queryset=User.objects.none())
    user = _PersonChoice(
        label=_("Only this person (optional)"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Everyone the worker follows"),
        help_text=_("Leave as it is to hand over the whole caseload."),
    )
    to_worker = _PersonChoice(label=_("To social worker"), queryset=User.objects.none())
    meeting_type = _TypeChoice(
        label=_("Meeting type for meetings without an equal one (optional)"),
        queryset=MeetingType.objects.none(),
        required=False,
        empty_label=_("None: those meetings get a new time"),
        help_text=_("Meetings move to a meeting type of the new worker with the same form and length."),
    )

    def __init__(self, *args: Any, workers: Any, clients: Any, types: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_worker"].queryset = workers
        self.fields["to_worker"].queryset = workers
        self.fields["user"].queryset = clients
        self.fields["meeting_type"].queryset = types

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("from_worker") and data.get("from_worker") == data.get("to_worker"):
            self.add_error("to_worker", _("Choose another worker than the one handing over."))
        return data

    def service_args(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "from_worker_id": data["from_worker"].pk,
            "to_worker_id": data["to_worker"].pk,
            "client_id": data["user"].pk if data.get("user") else None,
            "meeting_type_id": data["meeting_type"].pk if data.get("meeting_type") else None,
        }
