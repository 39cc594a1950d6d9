"""The Authlib authorization server, with our storage and our policy.

Authlib supplies the protocol mechanics (client authentication, grants, PKCE checks,
introspection, revocation). Every rule of ours is here: S256-only PKCE required for
public clients, single-use codes whose reuse revokes the grant, rotated refresh tokens
whose reuse revokes the grant, pairwise subjects, released claims, one signing key.
"""

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from authlib.integrations.django_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError, grants
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge, create_s256_code_challenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.grants.util import create_half_hash
from django.conf import settings
from django.utils import timezone
from joserfc import jwt

from identity.models import (
    OIDC_CODE_LIFETIME_SECONDS,
    OIDC_SCOPES,
    OidcAccessToken,
    OidcAuthorizationCode,
    OidcClaimRelease,
    OidcClient,
    OidcGrant,
    OidcRefreshToken,
)
from identity.oidc.claims import claim_names_for, claim_values
from identity.oidc.keys import ID_TOKEN_LIFETIME_SECONDS, signing_key_active
from identity.oidc.services import digest, oidc_grant_revoke
from identity.oidc.subjects import subject_for

ACCESS_TOKEN_LIFETIME_SECONDS = 3600
REFRESH_TOKEN_LIFETIME = timedelta(days=30)
CONFIDENTIAL_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
ALL_AUTH_METHODS = [*CONFIDENTIAL_AUTH_METHODS, "none"]


def issuer() -> str:
    return settings.SITE_URL


class OidcServer(AuthorizationServer):
    def __init__(self) -> None:
        super().__init__(OidcClient, OidcAccessToken)
        self.load_config(
            {
                "scopes_supported": list(OIDC_SCOPES),
                "refresh_token_generator": True,
                "token_expires_in": {
                    "authorization_code": ACCESS_TOKEN_LIFETIME_SECONDS,
                    "refresh_token": ACCESS_TOKEN_LIFETIME_SECONDS,
                    "client_credentials": ACCESS_TOKEN_LIFETIME_SECONDS,
                },
            }
        )

    def query_client(self, client_id: str) -> OidcClient | None:
        return OidcClient.objects.filter(client_id=client_id, is_active=True).first()

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Store digests of the issued tokens under the grant they belong to."""
        now = timezone.now()
        client = request.client
        code = getattr(request, "authorization_code", None)
        old_refresh = getattr(request, "refresh_token", None)
        if code is not None:
            grant = code.grant
            OidcClaimRelease.objects.create(
                user=request.user, client=client, claims=grant.released_claims, released_at=now
            )
        elif old_refresh is not None:
            grant = old_refresh.grant
            # Claim the presented refresh token; losing a race is a reuse.
            claimed = OidcRefreshToken.objects.filter(
                pk=old_refresh.pk, used_at__isnull=True, revoked_at__isnull=True
            ).update(used_at=now)
            if not claimed:
                oidc_grant_revoke(grant=grant)
                raise InvalidGrantError()
        else:
            grant = OidcGrant.objects.create(client=client, user=None, scope=token["scope"])
        OidcAccessToken.objects.create(
            token_digest=digest(token["access_token"]),
            grant=grant,
            client=client,
            user=request.user,
            scope=token["scope"],
            created_at=now,
            expires_at=now + timedelta(seconds=token["expires_in"]),
        )
        if token.get("refresh_token"):
            OidcRefreshToken.objects.create(
                token_digest=digest(token["refresh_token"]),
                grant=grant,
                client=client,
                user=request.user,
                scope=token["scope"],
                created_at=now,
                expires_at=now + REFRESH_TOKEN_LIFETIME,
            )


class S256CodeChallenge(CodeChallenge):
    """PKCE with S256 only (Authlib's default method is `plain`), required for public
    clients at the authorization step (Authlib only checks at the token step)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    CODE_CHALLENGE_METHODS = {
        "S256": lambda verifier, challenge: create_s256_code_challenge(verifier) == challenge
    }

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        challenge = data.get("code_challenge")
        if grant.request.client.is_public and not challenge:
            raise InvalidRequestError("A public client must use PKCE with S256.")
        if challenge and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS
    # Set by the authorization view before the response is created.
    assurance: tuple[str, list[str], int] = ("low", [], 0)
    claims_request: dict[str, Any] = {}
    released_claims: list[str] = []

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        now = timezone.now()
        acr, amr, auth_time = self.assurance
        grant = OidcGrant.objects.create(
            client=request.client,
            user=request.user,
            scope=request.scope,
            claims=self.claims_request,
            released_claims=self.released_claims,
        )
        challenge = data.get("code_challenge") or ""
        OidcAuthorizationCode.objects.create(
            code_digest=digest(code),
            grant=grant,
            client=request.client,
            user=request.user,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope,
            nonce=data.get("nonce") or "",
            code_challenge=challenge,
            code_challenge_method="S256" if challenge else "",
            claims=self.claims_request,
            acr=acr,
            amr=amr,
            auth_time=datetime.fromtimestamp(auth_time, tz=UTC),
            created_at=now,
            expires_at=now + timedelta(seconds=OIDC_CODE_LIFETIME_SECONDS),
        )

    def query_authorization_code(self, code: str, client: OidcClient) -> Any:
        """Claim the code once; a second presentation revokes its grant."""
        row = (
            OidcAuthorizationCode.objects.select_related("user", "grant")
            .filter(code_digest=digest(code), client=client)
            .first()
        )
        if row is None:
            return None
        now = timezone.now()
        claimed = OidcAuthorizationCode.objects.filter(pk=row.pk, used_at__isnull=True).update(
            used_at=now
        )
        if not claimed:
            oidc_grant_revoke(grant=row.grant)
            return None
        if row.expires_at <= now or row.grant.revoked_at is not None:
            return None
        return row

    def delete_authorization_code(self, authorization_code: Any) -> None:
        """Keep the used code (its digest and used_at) so that reuse is recognised."""

    def authenticate_user(self, authorization_code: OidcAuthorizationCode) -> Any:
        user = authorization_code.user
        return user if user.is_active else None


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> OidcRefreshToken | None:
        """A live refresh token; presenting a used or revoked one revokes its grant.
        The token is claimed in save_token, after the client binding was checked."""
        row = (
            OidcRefreshToken.objects.select_related("user", "grant")
            .filter(token_digest=digest(refresh_token))
            .first()
        )
        if row is None:
            return None
        if row.used_at is not None or row.revoked_at is not None:
            oidc_grant_revoke(grant=row.grant)
            return None
        if row.expires_at <= timezone.now():
            return None
        return row

    def authenticate_user(self, refresh_token: OidcRefreshToken) -> Any:
        user = refresh_token.user
        return user if user.is_active else None

    def revoke_old_credential(self, refresh_token: OidcRefreshToken) -> None:
        """Already marked used when the new token was saved."""


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    # `none` is accepted here only so that a public client hears `unauthorized_client`.
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS


class IdToken(OpenIDCode):
    """ID tokens: pairwise subject, assurance of the sign-in, claims asked for the ID
    token, signed with the single active key of the client's algorithm."""

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return False

    def encode_id_token(self, token: dict[str, Any], request: Any) -> str:
        client: OidcClient = request.client
        code: OidcAuthorizationCode = request.authorization_code
        alg = client.id_token_alg
        key = signing_key_active(alg)
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": issuer(),
            "sub": subject_for(user=request.user, client=client),
            "aud": client.client_id,
            "iat": now,
            "exp": now + ID_TOKEN_LIFETIME_SECONDS,
            "auth_time": code.get_auth_time(),
            "acr": code.acr,
            "amr": list(code.amr),
            "at_hash": create_half_hash(token["access_token"], alg).decode(),
        }
        if code.nonce:
            claims["nonce"] = code.nonce
        names = claim_names_for(
            scope=token["scope"],
            claims_request=code.claims,
            target="id_token",
            allowed_scopes=set(client.allowed_scopes.split()),
        )
        released = set(code.grant.released_claims)
        names = [name for name in names if name in released]
        claims.update(claim_values(user=request.user, names=names))
        return jwt.encode({"alg": alg, "kid": key.kid, "typ": "JWT"}, claims, key, [alg])


def _token_by_string(token_string: str, hint: str | None) -> Any:
    models = [OidcAccessToken, OidcRefreshToken]
    if hint == "refresh_token":
        models.reverse()
    for model in models:
        row = (
            model.objects.select_related("client", "user", "grant")
            .filter(token_digest=digest(token_string))
            .first()
        )
        if row is not None:
            return row
    return None


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = CONFIDENTIAL_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return _token_by_string(token_string, token_type_hint)

    def check_permission(self, token: Any, client: OidcClient, request: Any) -> bool:
        """A client may introspect its own tokens; an internal service any token."""
        return client.is_internal or token.client_id == client.pk

    def introspect_token(self, token: Any) -> dict[str, Any]:
        if token.is_expired() or token.is_revoked() or token.grant.revoked_at is not None:
            return {"active": False}
        payload = {
            "active": True,
            "client_id": token.client.client_id,
            "scope": token.scope,
            "token_type": "Bearer" if isinstance(token, OidcAccessToken) else "refresh_token",
            "exp": int(token.expires_at.timestamp()),
            "iat": int(token.created_at.timestamp()),
            "iss": issuer(),
        }
        if token.user is not None:
            payload["sub"] = subject_for(user=token.user, client=token.client)
        return payload


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ALL_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return _token_by_string(token_string, token_type_hint)

    def revoke_token(self, token: Any, request: Any) -> None:
        """Revoking a refresh token ends its grant; an access token ends alone."""
        if isinstance(token, OidcRefreshToken):
            oidc_grant_revoke(grant=token.grant)
        else:
            OidcAccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )


server = OidcServer()
server.register_grant(AuthorizationCodeGrant, [S256CodeChallenge(required=True), IdToken()])
server.register_grant(RefreshTokenGrant)
server.register_grant(ClientCredentialsGrant)
server.register_endpoint(Introspection)
server.register_endpoint(Revocation)
