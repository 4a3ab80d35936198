from django import forms
from django.utils.translation import gettext_lazy as _

from care.models import Feedback, Idea


class FeedbackForm(forms.Form):
    face = forms.TypedChoiceField(
        label=_("How was the meeting?"), choices=Feedback.Face.choices, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Anything you want to tell us? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    anonymous = forms.BooleanField(
        label=_("Send without my name"),
        required=False,
        help_text=_("Your social worker and the coordinator see what you wrote, but not who wrote it."),
    )

    def faces(self) -> list[dict]:
        chosen = str(self["face"].value() or "")
        return [
            {"value": value, "label": label, "checked": chosen == str(value)} for value, label in Feedback.Face.choices
        ]


class IdeaForm(forms.Form):
    title = forms.CharField(label=_("Your idea, in a few words"), max_length=120)
    text = forms.CharField(
        label=_("Tell us more (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class IdeaStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("What happens with it"), choices=Idea.Status.choices)
    response = forms.CharField(
        label=_("Answer to the unit"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Everyone in the unit sees this answer."),
    )
