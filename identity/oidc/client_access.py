"""Who is calling a service API with its own client-credentials token: the OIDC client
itself (a city's server), not a person. The token names no person; the API learns the
client and the token's scopes, and acts for the client only."""

from dataclasses import dataclass

from identity.models import OidcAccessToken, OidcClient
from identity.oidc.token_store import token_by_string, token_is_live

# Our tokens are 43 characters (identity.oidc.server.token_new).
CLIENT_TOKEN_MAX_LENGTH = 512


@dataclass(frozen=True)
class ClientAccess:
    client: OidcClient
    scopes: frozenset[str]


def client_bearer_access(authorization: str) -> ClientAccess | None:
    """The access an `Authorization: Bearer …` header gives a client; None unless it holds
    a live client-credentials access token (no person) of an active client."""
    scheme, _space, token_string = authorization.partition(" ")
    token_string = token_string.strip()
    if scheme.lower() != "bearer" or not token_string:
        return None
    if len(token_string) > CLIENT_TOKEN_MAX_LENGTH:
        return None
    token = token_by_string(token_string, "access_token")
    if not isinstance(token, OidcAccessToken):
        return None
    if token.user_id is not None:
        return None
    if not token_is_live(token):
        return None
    return ClientAccess(client=token.client, scopes=frozenset(token.scope.split()))
