"""Who is calling: a bearer access token from our OpenID Connect provider (a phone app),
or the browser's session with its CSRF token (our own pages).

A bearer token is checked by identity (identity.oidc.selectors.bearer_access), which
accepts exactly the tokens its userinfo endpoint accepts; the API learns the person and
the token's scopes and assurance level from it, never the subject identifier the app
knows the person by.
"""

from typing import Any

from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request

from identity.assurance import level_satisfies, session_assurance
from identity.oidc.selectors import BearerAccess, bearer_access
from marketplace.api.problems import CsrfFailed, InsufficientAssurance, InvalidToken


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


def request_assurance(request: Request) -> str | None:
    """The assurance level (`acr`: low, substantial, high) of the person behind this API
    request: the token's for a bearer token, the session's otherwise; None for nobody."""
    if isinstance(request.auth, BearerAccess):
        return request.auth.acr
    return session_assurance(request._request)


def assurance_require(request: Request, level: str) -> None:
    """Refuse the request (InsufficientAssurance) unless the person behind it signed in
    at `level` or above; checkout passes settings.MARKETPLACE_CHECKOUT_ACR."""
    if not level_satisfies(request_assurance(request), level):
        raise InsufficientAssurance(required=level, bearer=isinstance(request.auth, BearerAccess))
