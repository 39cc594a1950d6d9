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
from lockers.models import SizeClass
from marketplace.models import Category, Listing, ListingPhoto, Store, Variant
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


# --- Store staff's pages: listings, variants, photos -------------------------------------


def category_tree_choices() -> list[tuple[Any, str]]:
    """The categories in tree order, a sub-category after its parent and marked with a
    dash, as the choices of a select (empty first: no category)."""
    categories = list(Category.objects.order_by("position", "slug"))
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    choices: list[tuple[Any, str]] = [("", _("No category"))]

    def add(parent_id: int | None, depth: int) -> None:
        for category in children.get(parent_id, []):
            choices.append((category.pk, f"{'— ' * depth}{category.name}"))
            if depth < 5:
                add(category.pk, depth + 1)

    add(None, 0)
    return choices


class ListingForm(forms.ModelForm):
    """A listing's words in French (required) and English (optional), and its category."""

    class Meta:
        model = Listing
        fields = ["title_fr", "title_en", "description_fr", "description_en", "category"]
        widgets = {
            "description_fr": forms.Textarea(attrs={"rows": 5}),
            "description_en": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_tree_choices()
        self.fields["description_fr"].max_length = 5000
        self.fields["description_en"].max_length = 5000
        for name in ("description_fr", "description_en"):
            self.fields[name].validators.append(MaxLengthValidator(5000))

    def listing_fields(self) -> dict[str, Any]:
        """The cleaned values, as keyword arguments of listing_create and listing_update."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class VariantForm(forms.Form):
    """A variant: its SKU (set once), name, price in CAD, stock, parcel and threshold.

    `stock_seen` carries the stock the page showed, so that a sale in between is not
    overwritten (variant_update)."""

    sku = forms.CharField(
        label=_("SKU"),
        max_length=64,
        help_text=_("Your own code for this variant, unique within the store."),
    )
    name = forms.CharField(
        label=_("Name"), max_length=120, help_text=_("What tells it from the listing’s others.")
    )
    price = forms.DecimalField(
        label=_("Price (CAD, before taxes)"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    stock = forms.IntegerField(label=_("Stock"), min_value=0, max_value=1_000_000)
    stock_seen = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    size_class = forms.ChoiceField(
        label=_("Locker size"),
        choices=SizeClass.choices,
        help_text=_("The smallest locker compartment the packed item fits in."),
    )
    weight_grams = forms.IntegerField(
        label=_("Packed weight (g)"), min_value=1, max_value=1_000_000
    )
    low_stock_threshold = forms.IntegerField(
        label=_("Low stock threshold"),
        min_value=0,
        max_value=1_000_000,
        initial=3,
        help_text=_("The store is told when the stock falls to this number or below."),
    )

    def __init__(self, *args: Any, variant: Variant | None = None, **kwargs: Any) -> None:
        if variant is not None and not kwargs.get("data") and not args:
            kwargs["initial"] = {
                "sku": variant.sku,
                "name": variant.name,
                "price": variant.price,
                "stock": variant.stock,
                "stock_seen": variant.stock,
                "size_class": variant.size_class,
                "weight_grams": variant.weight_grams,
                "low_stock_threshold": variant.low_stock_threshold,
            }
        super().__init__(*args, **kwargs)
        if variant is not None:
            # The SKU stays: imports and order lines find the variant by it.
            self.fields["sku"].disabled = True
            self.fields["sku"].initial = variant.sku
            self.fields["sku"].help_text = ""


class PhotoForm(forms.Form):
    """A photo and what it shows, in French and English. The file is checked in
    marketplace.photos (the one parser of uploads), through listing_photo_add."""

    image = forms.FileField(
        label=_("Photo"),
        help_text=_("JPEG, PNG or WebP, at most 8 MB. Its metadata (place, camera) is removed."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    alt_fr = forms.CharField(
        label=ListingPhoto._meta.get_field("alt_fr").verbose_name,
        max_length=200,
        help_text=_("What the photo shows, for people who cannot see it."),
    )
    alt_en = forms.CharField(
        label=ListingPhoto._meta.get_field("alt_en").verbose_name,
        max_length=200,
        required=False,
    )


class PhotoAltForm(PhotoForm):
    """The descriptions of a photo already there."""

    image = None
