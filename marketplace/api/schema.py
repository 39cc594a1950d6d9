"""The API's OpenAPI description (drf-spectacular): its two ways of signing in, and the
problem documents every operation may answer with."""

from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from core.api_schema import ProblemAutoSchema
from core.api_schema import ProblemSerializer as BaseProblemSerializer
from marketplace.api.permissions import MARKETPLACE_SCOPE

# What may have changed in a cart since a line was added (marketplace.checkout.CartChange).
CART_CHANGE_KINDS = ("unavailable", "stock", "price")


class ProblemSerializer(BaseProblemSerializer):
    """An RFC 9457 problem document (docs/api.md lists the codes)."""

    class Meta:
        ref_name = "Problem"


class CartChangeSerializer(serializers.Serializer):
    """One thing in the cart that differs from what the shopper saw."""

    kind = serializers.ChoiceField(
        choices=CART_CHANGE_KINDS,
        help_text="price: the price changed; stock: fewer units than the quantity; "
        "unavailable: no longer on sale.",
    )
    line_id = serializers.IntegerField(
        allow_null=True, help_text="The cart line: PATCH it with accept_changes."
    )
    variant_id = serializers.IntegerField()
    title = serializers.CharField()
    price_seen = serializers.DecimalField(max_digits=12, decimal_places=2)
    price_now = serializers.DecimalField(max_digits=12, decimal_places=2)
    quantity = serializers.IntegerField()
    stock = serializers.IntegerField()


class CartChangedProblemSerializer(ProblemSerializer):
    """A problem document; with the code cart_changed, the changes that stopped checkout."""

    changes = CartChangeSerializer(many=True, required=False)

    class Meta:
        ref_name = "CartChangedProblem"


PROBLEM_DESCRIPTIONS = {
    400: "Bad input: invalid JSON (json_invalid, json_too_deep, json_not_object), invalid "
    "fields (invalid, with `errors`), or a bad Idempotency-Key.",
    401: "No valid credentials: the bearer token is unknown, expired or revoked "
    "(invalid_token), none was given where one is needed (not_authenticated), or the "
    "sign-in's assurance level is too low (insufficient_user_authentication).",
    403: "Refused: the token lacks the marketplace scope (insufficient_scope), the CSRF "
    "token is missing or wrong (csrf_failed), or the person may not do this "
    "(permission_denied, or a code of the endpoint's own).",
    404: "No such resource (not_found), or a page past the last (invalid_page).",
    413: "The body is larger than 64 KiB (json_too_large).",
    415: "The body is not application/json (unsupported_media_type).",
    429: "Too many requests (throttled): wait Retry-After seconds.",
}


class ApiAutoSchema(ProblemAutoSchema):
    """Each operation documents the problems it may answer with, as problem+json."""

    problem_serializer = ProblemSerializer
    problem_descriptions = PROBLEM_DESCRIPTIONS

    def _problem_statuses(self) -> list[int]:
        statuses = [401, 403, 429]
        if self.method in ("POST", "PUT", "PATCH"):
            statuses += [400, 413, 415]
        if "{" in self.path or self._is_list_view():
            statuses.append(404)
        return sorted(statuses)


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """A bearer access token from our OpenID Connect provider, found by discovery."""

    target_class = "marketplace.api.authentication.BearerTokenAuthentication"
    name = "uniqcOidc"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {
            "type": "openIdConnect",
            # Relative (OpenAPI allows it): resolved against where the schema is read, the
            # docs page fetches it from its own origin, which its CSP allows.
            "openIdConnectUrl": reverse("oidc:discovery"),
            "description": (
                "An access token from Uniqc's OpenID Connect provider (authorization code "
                "with PKCE, scope `openid marketplace`), sent as `Authorization: Bearer "
                "<token>`."
            ),
        }

    def get_security_requirement(self, auto_schema: AutoSchema) -> dict[str, list[str]]:
        return {self.name: [MARKETPLACE_SCOPE]}


class CsrfSessionScheme(OpenApiAuthenticationExtension):
    """The browser session of the coop's own pages; unsafe methods need the CSRF token."""

    target_class = "marketplace.api.authentication.CsrfSessionAuthentication"
    name = "sessionCookie"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": (
                "The coop site's session cookie; POST, PUT, PATCH and DELETE also send the "
                "csrftoken cookie's value in the X-CSRFToken header."
            ),
        }
