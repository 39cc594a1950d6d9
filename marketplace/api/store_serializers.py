"""What the point-of-sale API reads and shows (docs/store-api.md). Requests are checked
here for shape and range; the services check the rules (marketplace.services) and write.
"""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api_schema import ProblemSerializer
from lockers.models import SizeClass
from marketplace.models import Category, Listing, ListingStatus, StoreApiKeyScope, Variant
from marketplace.store_api import STOCK_ITEMS_MAX, STOCK_MAX

PRICE_MAX_DIGITS = 10


class StoreProblemSerializer(ProblemSerializer):
    """An RFC 9457 problem document (docs/store-api.md lists the codes). A refused bulk
    stock update names each bad item in `errors`, as `items[<index>].sku` or
    `items[<index>].stock`."""

    class Meta:
        ref_name = "StoreProblem"


class StoreVariantSerializer(serializers.ModelSerializer):
    listing = serializers.IntegerField(source="listing_id", read_only=True)
    price = serializers.DecimalField(max_digits=PRICE_MAX_DIGITS, decimal_places=2)
    stock = serializers.IntegerField(
        read_only=True,
        help_text="Units left to sell online: the last count on hand less the units held "
        "by checkouts not yet paid.",
    )
    size_class = serializers.ChoiceField(
        choices=SizeClass.values, read_only=True, help_text="The parcel size: S, M or L."
    )

    class Meta:
        model = Variant
        fields = [
            "id",
            "listing",
            "sku",
            "name",
            "price",
            "currency",
            "stock",
            "low_stock_threshold",
            "size_class",
            "weight_grams",
        ]
        read_only_fields = fields


class StoreListingSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    variants = StoreVariantSerializer(many=True, read_only=True)

    class Meta:
        model = Listing
        fields = [
            "id",
            "slug",
            "status",
            "published_at",
            "title_fr",
            "title_en",
            "description_fr",
            "description_en",
            "category",
            "variants",
        ]
        read_only_fields = fields


class _CategoryField(serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": _("No category has this slug."),
        "invalid": _("A category’s slug is required."),
    }


def _category_field() -> _CategoryField:
    return _CategoryField(
        slug_field="slug",
        queryset=Category.objects.all(),
        allow_null=True,
        required=False,
        help_text="A category's slug (GET /api/v1/categories/); null for none.",
    )


class ListingCreateSerializer(serializers.Serializer):
    title_fr = serializers.CharField(max_length=160)
    description_fr = serializers.CharField(max_length=5000)
    title_en = serializers.CharField(max_length=160, required=False, allow_blank=True)
    description_en = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    category = _category_field()


class ListingUpdateSerializer(serializers.Serializer):
    """Any of the fields; `status` publishes (`published`) or withdraws (`unpublished`)."""

    title_fr = serializers.CharField(max_length=160, required=False)
    description_fr = serializers.CharField(max_length=5000, required=False)
    title_en = serializers.CharField(max_length=160, required=False, allow_blank=True)
    description_en = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    category = _category_field()
    status = serializers.ChoiceField(
        choices=[ListingStatus.PUBLISHED.value, ListingStatus.UNPUBLISHED.value], required=False
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(_("Send at least one field to change."))
        return attrs


class _VariantFields(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    price = serializers.DecimalField(
        max_digits=PRICE_MAX_DIGITS,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text="In CAD, more than zero, two decimals at most, as a string or a number.",
    )
    size_class = serializers.ChoiceField(
        choices=SizeClass.values,
        help_text="The smallest locker compartment the packed item fits in: S, M or L.",
    )
    weight_grams = serializers.IntegerField(min_value=1, max_value=STOCK_MAX)
    low_stock_threshold = serializers.IntegerField(min_value=0, max_value=STOCK_MAX, default=3)


class VariantCreateSerializer(_VariantFields):
    listing = serializers.IntegerField(
        min_value=1, help_text="The id of one of the store's listings."
    )
    sku = serializers.CharField(max_length=64, help_text="Unique within the store.")
    stock = serializers.IntegerField(
        min_value=0, max_value=STOCK_MAX, default=0, help_text="Units on hand."
    )


class VariantUpdateSerializer(_VariantFields):
    """Any of the fields. The SKU stays (the API finds variants by it); the stock moves
    with POST /api/v1/store/stock/."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        self.fields["low_stock_threshold"].default = serializers.empty

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(_("Send at least one field to change."))
        return attrs


class StockItemSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64, trim_whitespace=False)
    stock = serializers.IntegerField(
        min_value=0, max_value=STOCK_MAX, help_text="Units on hand, as the till counts them."
    )


class StockUpdateSerializer(serializers.Serializer):
    items = StockItemSerializer(many=True, min_length=1, max_length=STOCK_ITEMS_MAX)


class StockLevelSerializer(serializers.Serializer):
    sku = serializers.CharField()
    on_hand = serializers.IntegerField(help_text="The count sent.")
    reserved = serializers.IntegerField(help_text="Units held by checkouts not yet paid.")
    stock = serializers.IntegerField(
        help_text="Units left to sell online: on_hand - reserved, at least 0."
    )


class StockUpdateResultSerializer(serializers.Serializer):
    items = StockLevelSerializer(many=True)


class KeyStoreSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()


class ApiKeyInfoSerializer(serializers.Serializer):
    prefix = serializers.CharField(help_text="The key's visible part; the rest is secret.")
    name = serializers.CharField()
    scope = serializers.ChoiceField(choices=StoreApiKeyScope.choices)
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    store = KeyStoreSerializer()


def errors_flat(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """A serializer's nested errors as one level, `items[3].stock` for the stock of the
    fourth item: every value a list of strings, as the problem document says."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for name, value in detail.items():
            if isinstance(name, int):  # a list's items, by index
                key = f"{prefix}[{name}]"
            else:
                key = str(name) if not prefix else f"{prefix}.{name}"
            if name == "non_field_errors" and prefix:
                key = prefix
            flat.update(errors_flat(value, key))
        return flat
    if isinstance(detail, list):
        messages = [str(item) for item in detail if not isinstance(item, dict | list)]
        if messages:
            flat.setdefault(prefix or "non_field_errors", []).extend(messages)
        for index, item in enumerate(detail):
            if isinstance(item, dict | list) and item:
                flat.update(errors_flat(item, f"{prefix}[{index}]"))
        return flat
    return {prefix or "non_field_errors": [str(detail)]}
