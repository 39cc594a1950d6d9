"""Forms of the marketplace: a retailer's application, the admin's store form, the
reason the coop gives for a refusal or a suspension, and the catalogue's filters."""

import html
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from identity.forms import PostalCodeAdminForm
from identity.validators import phone_normalize, postal_code_normalize
from lockers.models import SizeClass
from marketplace.models import Category, Listing, ListingPhoto, Store, Variant
from marketplace.search import PAGE_SIZE_MAX, QUERY_MAX_LENGTH, CatalogueSort
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


class PlainSelect(forms.Select):
    """A <select> written in one pass, without a template per option: Django renders each
    option through its own template, which took most of the catalogue page's time with a
    few hundred stores to choose from (bench/catalogue_search.py). The same attributes
    (id, aria-describedby, aria-invalid) and the same HTML."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> str:
        selected = {str(item) for item in self.format_value(value)}
        # The standard library's escape: Django's, made to accept lazy strings, costs
        # several times more per call, and the labels are made strings here.
        options = "".join(
            f'<option value="{html.escape(str(choice))}"'
            f"{' selected' if str(choice) in selected else ''}>{html.escape(str(label))}</option>"
            for choice, label in self.choices
        )
        final_attrs = self.build_attrs(self.attrs, attrs)
        # Every value and label above went through html.escape().
        safe_options = mark_safe(options)  # noqa: S308
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(final_attrs), safe_options
        )


class FlatChoiceField(forms.ChoiceField):
    """A ChoiceField given flat (value, label) pairs of strings, kept as they are. Django
    normalises a field's choices twice, for the field and again for its widget: with a
    few hundred stores to choose from, that was 2 to 4 ms of every catalogue page
    (bench/catalogue_search.py). The pairs are already in normal form."""

    @property
    def choices(self) -> Any:
        return self._choices

    @choices.setter
    def choices(self, value: Any) -> None:
        # The widget's own setter would normalise them again.
        self._choices = self.widget._choices = list(value)


# Distances shoppers choose from, in km.
CATALOGUE_DISTANCES = (1, 2, 5, 10, 25, 50)


class CatalogueFilterForm(forms.Form):
    """The catalogue's search and filters, from the query string: every value within its
    limits, or a form error (the page answers 400), never an exception. `categories`
    and `stores` are the choices, as (slug, label) pairs, loaded once by the view."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_("French or English words, accents optional."),
    )
    category = FlatChoiceField(label=_("Category"), required=False, widget=PlainSelect)
    store = FlatChoiceField(label=_("Store"), required=False, widget=PlainSelect)
    price_min = forms.DecimalField(
        label=_("Lowest price ($)"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100000"),
        max_digits=8,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    price_max = forms.DecimalField(
        label=_("Highest price ($)"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100000"),
        max_digits=8,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    in_stock = forms.BooleanField(label=_("In stock only"), required=False)
    distance = forms.TypedChoiceField(
        label=_("Distance"),
        required=False,
        widget=PlainSelect,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any distance"))]
        + [(km, _("Within %(km)d km") % {"km": km}) for km in CATALOGUE_DISTANCES],
    )
    # Filled by the "near me" button (the browser's position), to three decimals.
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=CatalogueSort.choices, widget=PlainSelect
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)
    per_page = forms.IntegerField(required=False, min_value=1, max_value=PAGE_SIZE_MAX)

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[str, str]],
        stores: list[tuple[str, str]],
        saved_position: tuple[float, float] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.saved_position = saved_position
        self.fields["category"].choices = [("", _("All categories")), *categories]
        self.fields["store"].choices = [("", _("All stores")), *stores]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            self.add_error("price_max", _("The highest price is below the lowest."))
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise ValidationError(_("Your position is incomplete; use “Near me” again."))
        needs_position = data.get("distance") or data.get("sort") == CatalogueSort.DISTANCE
        if needs_position and self.position() is None:
            self.add_error(
                "distance" if data.get("distance") else "sort",
                _(
                    "We do not know where you are. Use “Near me”, or add your address to "
                    "your profile."
                ),
            )
        return data

    def position(self) -> tuple[float, float] | None:
        """The browser's position when given, else the person's saved address."""
        data = getattr(self, "cleaned_data", {})
        if data.get("lat") is not None and data.get("lon") is not None:
            return (data["lat"], data["lon"])
        return self.saved_position
