"""Who is calling lockers' courier API: identity's bearer and session authentication
(identity.oidc.api_authentication), shared with every JSON API of the coop, each in a
class of its own so that the OpenAPI description names the courier scope."""

from identity.oidc import api_authentication
from identity.oidc.api_authentication import (  # noqa: F401 - lockers' API uses these
    CsrfFailed,
    InvalidToken,
    request_scopes,
)


class BearerTokenAuthentication(api_authentication.BearerTokenAuthentication):
    """A bearer token for the `courier` scope."""


class CsrfSessionAuthentication(api_authentication.CsrfSessionAuthentication):
    """The courier app's session."""
