"""The composer of a conversation."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from conversations.models import MESSAGE_MAX_LENGTH


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        strip=False,  # the service trims and says what is wrong with an empty text
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MESSAGE_MAX_LENGTH}),
        help_text=_("At most 2,000 characters. Text only."),
    )
    # A new key each time the form is shown: a double press sends the same key, so one message.
    key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["key"] = uuid.uuid4().hex


class CoverForm(forms.Form):
    """Hand the thread to a colleague while away: who, and until which day (inclusive)."""

    colleague = forms.TypedChoiceField(label=_("Colleague"), coerce=int)
    until = forms.DateField(label=_("Until (the last day away)"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, colleagues: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["colleague"].choices = colleagues
