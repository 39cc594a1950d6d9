"""Who is calling: a bearer access token from our OpenID Connect provider (a phone app),
or the browser's session with its CSRF token (our own pages).

A bearer token is checked by identity (identity.oidc.selectors.bearer_access), which
accepts exactly the tokens its userinfo endpoint accepts; the API learns the person and
the token's scopes and assurance level from it, never the subject identifier the app
knows the person by.
"""

from rest_framework.request import Request

from identity.assurance import level_satisfies, session_assurance
from identity.oidc import api_authentication
from identity.oidc.selectors import BearerAccess
from marketplace.api.problems import InsufficientAssurance


class BearerTokenAuthentication(api_authentication.BearerTokenAuthentication):
    """A bearer token for the `marketplace` scope (its own class, so that the OpenAPI
    description names the scope: marketplace/api/schema.py)."""


class CsrfSessionAuthentication(api_authentication.CsrfSessionAuthentication):
    """The session of the coop's own pages (named apart for the OpenAPI description)."""


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
