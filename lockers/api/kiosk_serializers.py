"""The kiosk API's bodies (docs/kiosk.md)."""

from rest_framework import serializers

from core.api_schema import ProblemSerializer
from lockers.kiosk_pickup import CODE_MAX_LENGTH


class KioskPickupRequestSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=CODE_MAX_LENGTH,
        trim_whitespace=True,
        help_text="The 6 digits the shopper typed, or the text of their QR code "
        "(`UQP1.<site slug>.<6 digits>`).",
    )


class KioskPickupSerializer(serializers.Serializer):
    compartment = serializers.CharField(help_text="The compartment's label, e.g. B03.")
    status = serializers.ChoiceField(
        choices=["opened", "opening"],
        help_text="opened: the controller says the door opened; opening: no answer yet, "
        "the command is resent until it expires (tell the shopper to wait a moment).",
    )


class KioskSiteSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class KioskStatusSerializer(serializers.Serializer):
    device = serializers.CharField(help_text="The device's name.")
    site = KioskSiteSerializer()
    online = serializers.BooleanField(help_text="The site's controller answers (heartbeats).")
    locked_until = serializers.DateTimeField(
        allow_null=True, help_text="Codes are refused until then (too many wrong codes)."
    )


class KioskProblemSerializer(ProblemSerializer):
    """An RFC 9457 problem document, with the kiosk's own members."""

    attempts_left = serializers.IntegerField(
        required=False, help_text="pickup_code_refused: wrong codes left before the lockout."
    )
    locked_until = serializers.DateTimeField(
        required=False, help_text="kiosk_locked: codes are accepted again from then."
    )
    compartment = serializers.CharField(
        required=False, help_text="compartment_not_opened: the compartment that did not open."
    )

    class Meta:
        ref_name = "KioskProblem"
