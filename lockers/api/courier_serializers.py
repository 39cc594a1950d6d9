"""What the courier API reads and answers (docs/courier-api.md)."""

from rest_framework import serializers

from lockers.courier import SCAN_TEXT_MAX_LENGTH, StopKind
from lockers.labels import parcel_code_display
from lockers.models import Parcel


class ScanIn(serializers.Serializer):
    label = serializers.CharField(
        max_length=SCAN_TEXT_MAX_LENGTH,
        trim_whitespace=True,
        help_text="The label's QR text (UQL1.…), or the 12-character parcel code printed "
        "under it (hyphens optional).",
    )


class SiteScanIn(ScanIn):
    site = serializers.SlugField(max_length=80, help_text="The slug of the site the courier is at.")


class DamagedIn(ScanIn):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReturnIn(ScanIn):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ManifestQuery(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False)


class ParcelOut(serializers.Serializer):
    code = serializers.CharField(source="public_code")
    code_display = serializers.SerializerMethodField()
    size = serializers.CharField(source="size_class")
    status = serializers.CharField()
    destination_site = serializers.CharField(source="destination_site.slug")
    destination_site_name = serializers.CharField(source="destination_site.name")
    deliver_by = serializers.DateTimeField(allow_null=True)

    def get_code_display(self, parcel: Parcel) -> str:
        return parcel_code_display(parcel.public_code)


class StopOut(serializers.Serializer):
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=StopKind.ALL)
    key = serializers.CharField(help_text="The site's slug, or a store's key.")
    name = serializers.CharField()
    address = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    km_from_previous = serializers.FloatField(
        allow_null=True, help_text="Geodesic km from the previous stop (or your position)."
    )
    urgent = serializers.BooleanField(help_text="Holds a parcel due in its locker soon.")
    deliver_by = serializers.DateTimeField(allow_null=True)
    site = serializers.CharField(source="site.slug", allow_null=True, default=None)
    parcels = ParcelOut(many=True)


class ManifestOut(serializers.Serializer):
    at = serializers.DateTimeField()
    from_position = serializers.BooleanField()
    stops = StopOut(many=True)


class CommandOut(serializers.Serializer):
    id = serializers.UUIDField(source="command_id")
    status = serializers.ChoiceField(
        choices=["acknowledged", "jammed", "refused", "expired", "pending"]
    )
    reason = serializers.CharField()


class RedirectOut(serializers.Serializer):
    from_site = serializers.CharField(source="from_site.slug")
    to_site = serializers.CharField(source="to_site.slug")
    to_site_name = serializers.CharField(source="to_site.name")
    to_site_address = serializers.CharField(source="to_site.street_address")
    to_site_latitude = serializers.FloatField(source="to_site.latitude")
    to_site_longitude = serializers.FloatField(source="to_site.longitude")
    distance_km = serializers.FloatField(allow_null=True)
    reason = serializers.ChoiceField(choices=["site_full", "compartment_jammed"])


class ScanResultOut(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[
            "picked_up",
            "deposit",
            "redirected",
            "already_in_locker",
            "retrieval",
            "returned",
            "damaged",
        ]
    )
    message = serializers.SerializerMethodField(help_text="For the courier, in their language.")
    parcel = ParcelOut()
    site = serializers.CharField(source="site.slug", allow_null=True, default=None)
    compartment = serializers.CharField(source="compartment_label")
    door_opening = serializers.BooleanField()
    command = CommandOut(allow_null=True)
    redirect = RedirectOut(allow_null=True)
    jammed = serializers.ListField(child=serializers.CharField())

    def get_message(self, result) -> str:
        return result.message()
