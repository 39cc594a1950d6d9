"""The OpenAPI description of lockers' API (drf-spectacular): its ways of signing in and
the problem documents every operation may answer with, as the marketplace API does."""

from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from core.api_schema import ProblemAutoSchema, ProblemSerializer


class LockersProblemSerializer(ProblemSerializer):
    """An RFC 9457 problem document (docs/courier-api.md lists the codes)."""

    reason = serializers.CharField(
        required=False, help_text="label_forged only: why the label was refused."
    )

    class Meta:
        ref_name = "LockersProblem"


PROBLEM_DESCRIPTIONS = {
    400: "Bad input: invalid JSON (json_invalid, json_too_deep, json_not_object) or invalid "
    "fields (invalid, with `errors`).",
    401: "No valid credentials: the bearer token is unknown, expired or revoked "
    "(invalid_token), or none was given (not_authenticated).",
    403: "Refused: the token lacks the courier scope (insufficient_scope), the CSRF token is "
    "missing or wrong (csrf_failed), or the person is not a courier (not_a_courier).",
    404: "No parcel has this code (parcel_unknown), or no site this slug (site_unknown).",
    409: "The parcel cannot do this from where it is (parcel_transition_refused), belongs "
    "at another locker (wrong_site), or no locker nearby has room (no_room_nearby).",
    413: "The body is larger than 8 KiB (json_too_large).",
    415: "The body is not application/json (unsupported_media_type).",
    422: "The label is not one the coop signed (label_forged, with `reason`).",
    429: "Too many requests (throttled): wait Retry-After seconds.",
    503: "The locker's controller is offline (controller_offline): keep the parcel.",
}


class LockersAutoSchema(ProblemAutoSchema):
    """Each operation documents the problems it may answer with, as problem+json."""

    problem_serializer = LockersProblemSerializer
    problem_descriptions = PROBLEM_DESCRIPTIONS

    def _problem_statuses(self) -> list[int]:
        statuses = [401, 403, 429]
        if self.method == "GET":
            statuses.append(400)
        else:
            statuses += [400, 404, 409, 413, 415, 422, 503]
        return sorted(statuses)


class CourierBearerScheme(OpenApiAuthenticationExtension):
    """A bearer access token from our OpenID Connect provider with the `courier` scope."""

    target_class = "lockers.api.authentication.BearerTokenAuthentication"
    name = "uniqcOidcCourier"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {
            "type": "openIdConnect",
            "openIdConnectUrl": reverse("oidc:discovery"),
            "description": (
                "An access token from Uniqc's OpenID Connect provider (authorization code "
                "with PKCE, scope `openid courier`), sent as `Authorization: Bearer <token>`."
            ),
        }

    def get_security_requirement(self, auto_schema: AutoSchema) -> dict[str, list[str]]:
        return {self.name: ["courier"]}


class CourierSessionScheme(OpenApiAuthenticationExtension):
    """The browser session of the coop's courier app; POST needs the CSRF token."""

    target_class = "lockers.api.authentication.CsrfSessionAuthentication"
    name = "lockersSessionCookie"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": (
                "The coop site's session cookie; POST also sends the csrftoken cookie's value "
                "in the X-CSRFToken header."
            ),
        }
