"""Forms of the coordinators' directory pages."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from services.models import Category, RightsPage, Service
from web.forms import WEEKDAYS


class ServiceForm(forms.Form):
    name = forms.CharField(label=_("Name of the service"), max_length=200)
    organization_name = forms.CharField(label=_("Organisation"), max_length=200)
    description = forms.CharField(label=_("What it is"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    eligibility = forms.CharField(
        label=_("Who it is for"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000, required=False
    )
    next_steps = forms.CharField(
        label=_("Next steps"),
        help_text=_("How to get help: turn up, call, bring ID…"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
    )
    categories = forms.MultipleChoiceField(label=_("Categories"), widget=forms.CheckboxSelectMultiple, choices=())
    cost = forms.ChoiceField(label=_("Cost"), choices=Service.Cost.choices)
    languages = forms.CharField(label=_("Languages (codes, e.g. nb,en)"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    url = forms.URLField(label=_("Web page"), required=False, assume_scheme="https")
    address = forms.CharField(label=_("Street address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    latitude = forms.DecimalField(label=_("Latitude"), min_value=-90, max_value=90, decimal_places=6, required=False)
    longitude = forms.DecimalField(
        label=_("Longitude"), min_value=-180, max_value=180, decimal_places=6, required=False
    )
    open_on_holidays = forms.BooleanField(label=_("Open on public holidays"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = [(c.code, c.name) for c in Category.objects.all()]
        for day, name in WEEKDAYS:
            self.fields[f"opens{day}"] = forms.TimeField(label=_("%(day)s opens") % {"day": name}, required=False)
            self.fields[f"closes{day}"] = forms.TimeField(
                label=_("%(day)s closes") % {"day": name},
                required=False,
                help_text=_("Before it opens: open past midnight. 00:00–23:59: all day.") if day == 0 else "",
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", _("Give both latitude and longitude, or neither."))
        for day, _name in WEEKDAYS:
            opens, closes = data.get(f"opens{day}"), data.get(f"closes{day}")
            if (opens is None) != (closes is None) or (opens is not None and opens == closes):
                self.add_error(f"closes{day}", _("Give both times, and different ones, or neither."))
        return data

    def values(self) -> dict[str, Any]:
        """The service's fields, its location and its weekly hours, as ``service_save`` takes them."""
        d = self.cleaned_data
        location = {k: d[k] for k in ("address", "postal_code", "city", "latitude", "longitude")}
        location["name"] = d["name"]
        weekly = [(day, d[f"opens{day}"], d[f"closes{day}"]) for day, _n in WEEKDAYS if d.get(f"opens{day}")]
        fields = {k: d[k] for k in ("name", "description", "eligibility", "next_steps", "cost", "phone", "url")}
        fields["languages"] = d["languages"].replace(" ", "")
        return {
            **fields,
            "organization_name": d["organization_name"],
            "category_codes": d["categories"],
            "location": location,
            "weekly": weekly,
            "open_on_holidays": d["open_on_holidays"],
        }

    @classmethod
    def initial_of(cls, service: Service) -> dict[str, Any]:
        place = service.locations.first()
        initial: dict[str, Any] = {
            k: getattr(service, k)
            for k in ("name", "description", "eligibility", "next_steps", "cost", "languages", "phone", "url")
        }
        initial["organization_name"] = service.organization.name
        initial["categories"] = [c.code for c in service.categories.all()]
        if place is not None:
            initial |= {
                k: getattr(place, k)
                for k in ("address", "postal_code", "city", "latitude", "longitude", "open_on_holidays")
            }
            for h in place.weekly_hours.all():
                initial[f"opens{h.weekday}"], initial[f"closes{h.weekday}"] = h.opens, h.closes
        return initial


class RightsPageForm(forms.ModelForm):
    class Meta:
        model = RightsPage
        fields = ["title_nb", "title_en", "body_nb", "body_en", "law", "services"]
        widgets = {"services": forms.CheckboxSelectMultiple}
