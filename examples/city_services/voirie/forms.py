from decimal import Decimal
from typing import Any

from django import forms
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
