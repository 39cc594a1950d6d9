"""The problem document (RFC 9457) as the coop's JSON APIs describe it in OpenAPI; each
API subclasses it with its own members and its own `ref_name`."""

from rest_framework import serializers


class ProblemSerializer(serializers.Serializer):
    """An RFC 9457 problem document."""

    type = serializers.CharField(default="about:blank")
    title = serializers.CharField(help_text="The HTTP status's phrase, in English.")
    status = serializers.IntegerField()
    code = serializers.CharField(help_text="Stable: what a program branches on.")
    detail = serializers.CharField(
        required=False, help_text="For a person, in the request's language."
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation problems only: what is wrong, by field.",
    )

    class Meta:
        ref_name = "Problem"
