from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class InsightRangeForm(forms.Form):
    """The range of the unit's picture: a GET form, so a chosen range is a link to share. The
    fields are named ``from``, ``to`` and ``by``, as the API's query is."""

    by = forms.ChoiceField(label=_("Per"), required=False, choices=[("week", _("week")), ("month", _("month"))])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        date_input = {"type": "date"}
        self.fields["from"] = forms.DateField(
            label=_("From"), required=False, widget=forms.DateInput(date_input, format="%Y-%m-%d")
        )
        self.fields["to"] = forms.DateField(
            label=_("To"), required=False, widget=forms.DateInput(date_input, format="%Y-%m-%d")
        )
        self.order_fields(["from", "to", "by"])
