"""Who is calling one of the coop's JSON APIs (the marketplace's, the couriers'): a person
with a bearer access token from our OpenID Connect provider (a phone app), or the
browser's session with its CSRF token (our own pages).

The token is checked by bearer_access, which accepts exactly the tokens the userinfo
endpoint accepts; an API learns the person and the token's scopes and assurance level,
never the subject identifier the app knows the person by.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.request import Request

from identity.oidc.selectors import BearerAccess, bearer_access


class InvalidToken(AuthenticationFailed):
    """A bearer token that is unknown, expired or revoked (RFC 6750 `invalid_token`)."""

    default_detail = _("The access token is not valid: it is unknown, expired or revoked.")
    default_code = "invalid_token"


class CsrfFailed(PermissionDenied):
    default_detail = _(
        "The CSRF token is missing or wrong: send the csrftoken cookie’s value in the "
        "X-CSRFToken header."
    )
    default_code = "csrf_failed"


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <access token>`. A request without that header is left to
    the next authentication; one with a token that is not live is refused (401)."""

    def authenticate(self, request: Request) -> tuple[Any, BearerAccess] | None:
        scheme, _space, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        access = bearer_access(credentials)
        if access is None:
            raise InvalidToken()
        return access.user, access

    def authenticate_header(self, request: Request) -> str:
        # What a 401 without credentials says (RFC 6750 3: no error code then).
        return "Bearer"


class CsrfSessionAuthentication(SessionAuthentication):
    """The browser session, with Django's CSRF check on every unsafe method, its refusal
    a problem with the code `csrf_failed`."""

    def enforce_csrf(self, request: Request) -> None:
        try:
            super().enforce_csrf(request)
        except PermissionDenied as refused:
            raise CsrfFailed() from refused


def request_scopes(request: Request) -> frozenset[str] | None:
    """The bearer token's scopes; None for a browser session (which needs none)."""
    if isinstance(request.auth, BearerAccess):
        return request.auth.scopes
    return None
