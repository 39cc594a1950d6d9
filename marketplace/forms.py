"""Forms of the marketplace: a retailer's application, the admin's store form, and the
reason the coop gives for a refusal or a suspension."""

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from identity.forms import PostalCodeAdminForm
from identity.validators import phone_normalize, postal_code_normalize
from marketplace.models import Store
from marketplace.validators import gst_number_normalize, neq_normalize, qst_number_normalize


class StoreNumbersNormalizeMixin:
    """Bring the NEQ, tax numbers, postal code and phone to their stored form before the
    model validates them, as the services do."""

    cleaned_data: dict[str, Any]
    fields: dict[str, forms.Field]

    # Typed with spaces or hyphens (1143 920 115): the length is checked once normalized.
    LOOSE_LENGTH = ("neq", "gst_number", "qst_number", "phone", "postal_code")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.LOOSE_LENGTH:
            field = self.fields.get(name)
            if field is None:
                continue
            field.max_length = 32
            field.validators = [
                v for v in field.validators if not isinstance(v, MaxLengthValidator)
            ]
            field.validators.append(MaxLengthValidator(32))
            field.widget.attrs["maxlength"] = "32"

    def clean_postal_code(self) -> str:
        return postal_code_normalize(self.cleaned_data.get("postal_code") or "")

    def clean_neq(self) -> str:
        return neq_normalize(self.cleaned_data.get("neq") or "")

    def clean_gst_number(self) -> str:
        return gst_number_normalize(self.cleaned_data.get("gst_number") or "")

    def clean_qst_number(self) -> str:
        return qst_number_normalize(self.cleaned_data.get("qst_number") or "")

    def clean_phone(self) -> str:
        return phone_normalize(self.cleaned_data.get("phone") or "")


class StoreAdminForm(StoreNumbersNormalizeMixin, PostalCodeAdminForm):
    class Meta:
        model = Store
        fields = "__all__"


class StoreApplicationForm(StoreNumbersNormalizeMixin, forms.ModelForm):
    """What a retailer gives to apply. The map position is optional: without it the
    store has none until the coop places it."""

    class Meta:
        model = Store
        fields = [
            "name",
            "legal_name",
            "neq",
            "description",
            "street_address",
            "neighbourhood",
            "locality",
            "postal_code",
            "phone",
            "latitude",
            "longitude",
            "small_supplier",
            "gst_number",
            "qst_number",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].required = True
        self.fields["latitude"].min_value = Decimal(-90)
        self.fields["latitude"].max_value = Decimal(90)
        self.fields["longitude"].min_value = Decimal(-180)
        self.fields["longitude"].max_value = Decimal(180)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        errors = {}
        if data.get("small_supplier"):
            for name in ("gst_number", "qst_number"):
                if data.get(name):
                    errors[name] = _("A small supplier that is not registered has no number.")
        else:
            for name in ("gst_number", "qst_number"):
                if name in data and not data[name]:
                    errors[name] = _(
                        "Give the number, or tick “small supplier” if the store is not registered."
                    )
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            errors["longitude"] = _("Give both the latitude and the longitude, or neither.")
        if errors:
            raise ValidationError(errors)
        return data

    def store_fields(self) -> dict[str, Any]:
        """The cleaned values, as keyword arguments of store_apply."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class DecisionReasonForm(forms.Form):
    """The reason the coop gives the retailer for a refusal or a suspension."""

    reason = forms.CharField(
        label=_("Reason, shown to the retailer"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
