"""Who is calling the point-of-sale API (/api/v1/store/, docs/store-api.md): a store's
system, by one of the store's API keys.

    Authorization: Bearer uqs_0123456789abcdef_<43 characters>

Its `uqs_` prefix tells a store key from an OpenID Connect access token; /api/v1/store/
accepts store keys only, and the shopper API never does. An unknown, revoked or
malformed key is a 401 (invalid_store_api_key); a live key of a store that is not
approved, or whose maker no longer owns it, a 403 with its own code; a read-only key
that writes, a 403 (api_key_read_only).
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from marketplace.models import StoreApiKey, StoreApiKeyScope
from marketplace.store_api import (
    access_store_api_key_use,
    access_store_api_write,
    store_api_key_authenticate,
)

STORE_KEY_REALM = "uniqc-store-api"
# What a 401 without credentials says (RFC 6750 3).
STORE_KEY_CHALLENGE = f'Bearer realm="{STORE_KEY_REALM}"'
STORE_KEY_INVALID_CHALLENGE = f'Bearer realm="{STORE_KEY_REALM}", error="invalid_token"'


class InvalidStoreApiKey(AuthenticationFailed):
    default_detail = _(
        "The store API key is not valid: it is malformed, unknown or revoked. Send "
        "“Authorization: Bearer uqs_…” with the key the store’s owner made."
    )
    default_code = "invalid_store_api_key"


class StoreApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer <store key>`: request.user is the owner who made the key
    (the services act for them), request.auth the key. Any other Authorization header is
    refused (401); none is left to the permission (401 not_authenticated)."""

    def authenticate(self, request: Request) -> tuple[Any, StoreApiKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION")
        if header is None:
            return None
        scheme, _space, credentials = header.partition(" ")
        if scheme.lower() != "bearer":
            raise InvalidStoreApiKey()
        api_key = store_api_key_authenticate(credentials.strip())
        if api_key is None:
            raise InvalidStoreApiKey()
        return api_key.created_by, api_key

    def authenticate_header(self, request: Request) -> str:
        return STORE_KEY_CHALLENGE


class HasStoreApiKey(BasePermission):
    """A live store key whose store is approved and whose maker still owns it; a key made
    to read only may only read (GET, HEAD, OPTIONS)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        api_key = request.auth
        if not isinstance(api_key, StoreApiKey):
            return False
        access_store_api_key_use(api_key=api_key)
        if request.method not in SAFE_METHODS:
            access_store_api_write(api_key=api_key)
        return True


class StoreApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "marketplace.api.store_authentication.StoreApiKeyAuthentication"
    name = "storeApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "uqs_<16 hex>_<43 base64url>",
            "description": (
                "A store API key, made and revoked by the store's owner on the store's "
                "tools page and shown once, sent as `Authorization: Bearer uqs_...` "
                f"(docs/store-api.md). Scopes: `{StoreApiKeyScope.READ}` (GET only) or "
                f"`{StoreApiKeyScope.READ_WRITE}`. A key acts on its own store only."
            ),
        }
