"""What the API shows of the marketplace's objects (read side; every write goes through a
service, never a serializer's save)."""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from lockers.models import WEEKDAY_KEYS
from marketplace.models import Category, Store


def _intervals() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ListField(
            child=serializers.CharField(help_text="HH:MM, local time (America/Toronto)"),
            min_length=2,
            max_length=2,
        ),
        help_text="Opening intervals [opens, closes]; empty: closed that day.",
    )


class OpeningHoursSerializer(serializers.Serializer):
    """Every weekday, Monday first, with its opening intervals."""

    mon = _intervals()
    tue = _intervals()
    wed = _intervals()
    thu = _intervals()
    fri = _intervals()
    sat = _intervals()
    sun = _intervals()

    def to_representation(self, hours: dict[str, Any]) -> dict[str, list[list[str]]]:
        return {day: [list(pair) for pair in hours.get(day, [])] for day in WEEKDAY_KEYS}


class AddressSerializer(serializers.Serializer):
    street_address = serializers.CharField()
    locality = serializers.CharField()
    postal_code = serializers.CharField()
    region = serializers.CharField(default="QC")
    country = serializers.CharField(default="CA")

    def to_representation(self, store: Store) -> dict[str, str]:
        return {
            "street_address": store.street_address,
            "locality": store.locality,
            "postal_code": store.postal_code,
            "region": "QC",
            "country": "CA",
        }


class CoordinatesSerializer(serializers.Serializer):
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()


class StoreSerializer(serializers.ModelSerializer):
    """An approved store as shoppers see it."""

    address = serializers.SerializerMethodField()
    coordinates = serializers.SerializerMethodField()
    opening_hours = OpeningHoursSerializer(read_only=True)
    listing_count = serializers.IntegerField(read_only=True, help_text="Its published listings.")
    web_url = serializers.SerializerMethodField(help_text="The store's page on the site.")

    class Meta:
        model = Store
        fields = [
            "slug",
            "name",
            "description",
            "neighbourhood",
            "address",
            "coordinates",
            "opening_hours",
            "phone",
            "listing_count",
            "web_url",
        ]
        read_only_fields = fields

    @extend_schema_field(AddressSerializer)
    def get_address(self, store: Store) -> dict[str, str]:
        return AddressSerializer().to_representation(store)

    @extend_schema_field(CoordinatesSerializer(allow_null=True))
    def get_coordinates(self, store: Store) -> dict[str, float] | None:
        """Null until the coop places the store on the map."""
        if store.latitude is None or store.longitude is None:
            return None
        return {"latitude": float(store.latitude), "longitude": float(store.longitude)}

    def get_web_url(self, store: Store) -> str:
        path = reverse("marketplace:store_detail", args=[store.slug])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class CategorySerializer(serializers.ModelSerializer):
    """A category with its sub-categories, down to the leaves."""

    name = serializers.CharField(read_only=True, help_text="In the request's language.")
    children = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["slug", "name", "name_fr", "name_en", "children"]
        read_only_fields = fields

    def get_children(self, category: Category) -> list[dict[str, Any]]:
        return CategorySerializer(category.subcategories, many=True, context=self.context).data


# Its children are categories: documented once the class exists to refer to itself.
extend_schema_field(CategorySerializer(many=True))(CategorySerializer.get_children)
