"""The problem document (RFC 9457) as the coop's JSON APIs describe it in OpenAPI; each
API subclasses it with its own members and its own `ref_name`."""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from core.problems import PROBLEM_CONTENT_TYPE


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


class ProblemAutoSchema(AutoSchema):
    """Each operation documents the problems it may answer with, as problem+json: the
    statuses `_problem_statuses()` names, each described by its line of
    `problem_descriptions`, in the shape of `problem_serializer`. A problem an endpoint
    declares itself (a 409 with its own codes, say) is problem+json too. Each API subclasses
    it with its own serializer, descriptions and statuses."""

    problem_serializer: type[ProblemSerializer] = ProblemSerializer
    problem_descriptions: dict[int, str] = {}

    def _problem_statuses(self) -> list[int]:
        raise NotImplementedError

    def _get_response_for_code(
        self,
        serializer: Any,
        status_code: str,
        media_types: list[str] | None = None,
        direction: str = "response",
    ) -> dict[str, Any]:
        body = serializer.response if isinstance(serializer, OpenApiResponse) else serializer
        problem = isinstance(body, ProblemSerializer) or (
            isinstance(body, type) and issubclass(body, ProblemSerializer)
        )
        if problem:
            media_types = [PROBLEM_CONTENT_TYPE]
        return super()._get_response_for_code(serializer, status_code, media_types, direction)

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for status in self._problem_statuses():
            if str(status) in responses:
                continue
            response = self._get_response_for_code(
                self.problem_serializer, str(status), [PROBLEM_CONTENT_TYPE], direction
            )
            response["description"] = self.problem_descriptions[status]
            responses[str(status)] = response
        return responses
