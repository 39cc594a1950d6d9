import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from voirie.citizens import Citizen, access_category
from voirie.models import Category, Report


class ReportForm(forms.Form):
    category = forms.ChoiceField(label=_("What is the problem?"), choices=Category.choices)
    address = forms.CharField(
        label=_("Address or place"),
        max_length=200,
        help_text=_("A civic address, an intersection or a landmark."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        min_value=Decimal(-90),
        max_value=Decimal(90),
        decimal_places=6,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        min_value=Decimal(-180),
        max_value=Decimal(180),
        decimal_places=6,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=Report._meta.get_field("description").max_length,
        help_text=_("What you saw, and since when. Do not include anyone's name."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, citizen: Citizen, **kwargs: Any) -> None:
        self.citizen = citizen
        super().__init__(*args, **kwargs)

    def clean_category(self) -> str:
        category = self.cleaned_data["category"]
        if not access_category(self.citizen, category):
            raise forms.ValidationError(
                _("Only a person aged 18 or older may file a claim, and Uniqc did not confirm it.")
            )
        return category

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        has_latitude = cleaned.get("latitude") is not None
        has_longitude = cleaned.get("longitude") is not None
        already_wrong = self.has_error("latitude") or self.has_error("longitude")
        if has_latitude != has_longitude and not already_wrong:
            raise forms.ValidationError(_("Give both the latitude and the longitude, or neither."))
        return cleaned


# The longest occupation this demonstration accepts, and how far ahead one may ask.
PERMIT_MAX_DAYS = 31
PERMIT_MAX_AHEAD_DAYS = 365
# The browser's date picker sends and shows ISO 8601 dates, whatever the language.
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PermitForm(forms.Form):
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        help_text=_("Where the truck or the container will stand."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    starts_on = forms.DateField(label=_("From"), widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("To (inclusive)"), widget=DATE_WIDGET)
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=200,
        initial=_("Moving truck"),
        help_text=_("A moving truck, a container, scaffolding…"),
    )

    def clean_starts_on(self) -> datetime.date:
        starts_on = self.cleaned_data["starts_on"]
        today = timezone.localdate()
        if starts_on < today:
            raise forms.ValidationError(_("The occupation cannot start in the past."))
        if starts_on > today + datetime.timedelta(days=PERMIT_MAX_AHEAD_DAYS):
            raise forms.ValidationError(_("Ask at most a year ahead."))
        return starts_on

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on:
            if ends_on < starts_on:
                self.add_error("ends_on", _("The last day comes after the first."))
            elif (ends_on - starts_on).days >= PERMIT_MAX_DAYS:
                self.add_error("ends_on", _("A permit covers at most 31 days."))
        return cleaned
