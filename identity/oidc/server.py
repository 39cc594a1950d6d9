"""The Authlib authorization server, with our storage and our policy.

Authlib supplies the protocol mechanics (client authentication, grants, PKCE checks,
introspection, revocation). Every rule of ours is here: S256-only PKCE required for
public clients, single-use codes whose reuse revokes the grant, rotated refresh tokens
whose reuse revokes the grant, pairwise subjects, released claims, one signing key.
"""

import secrets
import time
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from authlib.integrations.django_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    grants,
)
from authlib.oauth2.rfc6749.authenticate_client import ClientAuthentication
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge, create_s256_code_challenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.grants.util import create_half_hash
from django.conf import settings
from django.db import connection
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
from identity.oidc.claims import claim_values, claims_released
from identity.oidc.clients import (
    ClientChanged,
    client_copies,
    client_is_current,
    client_still_current,
)
from identity.oidc.keys import ID_TOKEN_LIFETIME_SECONDS, signing_key_active
from identity.oidc.services import oidc_grant_revoke
from identity.oidc.sql import JoinedRead, row_unique
from identity.oidc.subjects import subject_for
from identity.oidc.token_store import (
    TokenRows,
    access_token_revoke,
    digest,
    refresh_token_read,
    token_by_string,
    token_is_live,
    tokens_rotate,
    tokens_rotate_presented,
    tokens_store,
    tokens_store_for_client,
)

ACCESS_TOKEN_LIFETIME_SECONDS = 3600
CONFIDENTIAL_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
ALL_AUTH_METHODS = [*CONFIDENTIAL_AUTH_METHODS, "none"]


def issuer() -> str:
    return settings.SITE_URL


def token_new(**_context: Any) -> str:
    """A bearer token: 32 random bytes (256 bits), URL-safe. Authlib's default draws each
    character with SystemRandom, a system call per character; this is one call."""
    return secrets.token_urlsafe(32)


CLIENT_ACTIVE = JoinedRead(
    ((OidcClient, "client", None),),
    "FROM identity_oidcclient client WHERE client.client_id = %s AND client.is_active",
)


class OidcServer(AuthorizationServer):
    def __init__(self) -> None:
        super().__init__(OidcClient, OidcAccessToken)
        self.load_config(
            {
                "scopes_supported": list(OIDC_SCOPES),
                "access_token_generator": token_new,
                "refresh_token_generator": token_new,
                "token_expires_in": {
                    "authorization_code": ACCESS_TOKEN_LIFETIME_SECONDS,
                    "refresh_token": ACCESS_TOKEN_LIFETIME_SECONDS,
                    "client_credentials": ACCESS_TOKEN_LIFETIME_SECONDS,
                },
            }
        )

    def query_client(self, client_id: str) -> OidcClient | None:
        """The active client, read now."""
        found = CLIENT_ACTIVE.one(client_id)
        return found[0] if found else None

    def query_client_copy(self, client_id: str) -> OidcClient | None:
        """The active client as this process keeps it, for the token endpoint only: every
        token statement checks the copy (identity.oidc.clients)."""
        return client_copies.get(client_id, self.query_client)

    def query_client_fresh(self, client_id: str) -> OidcClient | None:
        """The active client read now, kept as this process's new copy."""
        client_copies.forget(client_id)
        return self.query_client_copy(client_id)

    def authenticate_client(self, request: Any, methods: list[str], endpoint: str = "token"):
        """At the token endpoint, against this process's copy of the client; if that
        fails, once more against the row read now: the copy may predate a new secret."""
        if endpoint != "token":
            return super().authenticate_client(request, methods, endpoint)
        try:
            return self._token_client_auth(request, methods, endpoint)
        except InvalidClientError:
            return self._token_client_auth_fresh(request, methods, endpoint)

    @cached_property
    def _token_client_auth(self) -> ClientAuthentication:
        return ClientAuthentication(self.query_client_copy)

    @cached_property
    def _token_client_auth_fresh(self) -> ClientAuthentication:
        return ClientAuthentication(self.query_client_fresh)

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Store digests of the issued tokens under the grant they belong to."""
        client = request.client
        code = getattr(request, "authorization_code", None)
        old_refresh = getattr(request, "refresh_token", None)
        user_id = request.user.pk if request.user is not None else None
        rows = TokenRows.issued_now(token, client=client, user_id=user_id)
        if old_refresh is not None:
            # Claim the presented refresh token; losing a race is a reuse.
            if not tokens_rotate(
                refresh_id=old_refresh.pk, grant_id=old_refresh.grant_id, rows=rows
            ):
                oidc_grant_revoke(grant=old_refresh.grant)
                raise InvalidGrantError()
        elif code is not None:
            # In the token request's transaction: a change found here undoes the code's claim.
            if not client_still_current(client):
                raise ClientChanged(client.client_id)
            # The grant stays taken until the transaction commits: a revocation waits,
            # then ends these tokens too.
            if not tokens_store(grant_id=code.grant_id, rows=rows):
                raise InvalidGrantError()
            OidcClaimRelease.objects.create(
                user=request.user,
                client=client,
                claims=code.grant.released_claims,
                released_at=rows.now,
            )
        else:
            tokens_store_for_client(rows=rows)


class S256CodeChallenge(CodeChallenge):
    """PKCE with S256 only (Authlib's default method is `plain`), required at the
    authorization step (Authlib only checks at the token step) from public clients and
    from every confidential client whose `pkce_required` is set (OAuth 2.1)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    CODE_CHALLENGE_METHODS = {
        "S256": lambda verifier, challenge: create_s256_code_challenge(verifier) == challenge
    }

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        challenge = data.get("code_challenge")
        client = grant.request.client
        if client.is_public and not challenge:
            raise InvalidRequestError("A public client must use PKCE with S256.")
        if client.pkce_required and not challenge:
            raise InvalidRequestError("This client must use PKCE with S256.")
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
        row = row_unique(
            OidcAuthorizationCode.objects.select_related("user", "grant").filter(
                code_digest=digest(code), client=client
            )
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
    """Rotated refresh tokens. On PostgreSQL, a request that narrows no scope is answered
    with one statement that checks, claims and rotates (REFRESH_PRESENTED_ROTATE_SQL);
    when it rotates nothing, Authlib's general path runs and gives the answer it would
    have given, revoking the grant of a replayed token. Elsewhere, the general path."""

    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True
    presented: str | None = None

    def validate_token_request(self) -> None:
        if connection.vendor != "postgresql" or self.request.payload.scope:
            super().validate_token_request()
            return
        self.request.client = self._validate_request_client()
        presented = self.request.form.get("refresh_token")
        if presented is None:
            raise InvalidRequestError("Missing 'refresh_token' in request.")
        self.presented = presented

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        if self.presented is None:
            return super().create_token_response()
        token = self.generate_token(include_refresh_token=True)
        # The person and scope come from the presented token, in the statement.
        rows = TokenRows.issued_now(token, client=self.request.client, user_id=None)
        scope = tokens_rotate_presented(presented=self.presented, rows=rows)
        if scope is None:
            # Unknown, replayed, expired, another client's, its person gone, or this
            # process's copy of the client out of date: the general path tells which.
            self.presented = None
            super().validate_token_request()
            return super().create_token_response()
        if scope:
            token["scope"] = scope
        return 200, token, self.TOKEN_RESPONSE_HEADER

    def authenticate_refresh_token(self, refresh_token: str) -> OidcRefreshToken | None:
        """A live refresh token of a live grant; presenting a used or revoked one, or one
        of a revoked grant, (re)revokes its grant and every token under it. The token is
        claimed in save_token, after the client binding was checked."""
        found = refresh_token_read(digest(refresh_token))
        if found is None:
            return None
        row, client_row = found
        copy = self.request.client
        if row.client_id == copy.pk and not client_is_current(copy=copy, row=client_row):
            raise ClientChanged(copy.client_id)
        if row.used_at is not None or row.revoked_at is not None or row.grant.revoked_at:
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
        names = claims_released(
            scope=token["scope"],
            claims_request=code.claims,
            target="id_token",
            allowed_scopes=set(client.allowed_scopes.split()),
            released=code.grant.released_claims,
        )
        claims.update(claim_values(user=request.user, names=names))
        return jwt.encode({"alg": alg, "kid": key.kid, "typ": "JWT"}, claims, key, [alg])


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = CONFIDENTIAL_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return token_by_string(token_string, token_type_hint)

    def check_permission(self, token: Any, client: OidcClient, request: Any) -> bool:
        """A client may introspect its own tokens; an internal service any token."""
        return client.is_internal or token.client_id == client.pk

    def introspect_token(self, token: Any) -> dict[str, Any]:
        if not token_is_live(token):
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
        return token_by_string(token_string, token_type_hint)

    def revoke_token(self, token: Any, request: Any) -> None:
        """Revoking a refresh token ends its grant; an access token ends alone."""
        if isinstance(token, OidcRefreshToken):
            oidc_grant_revoke(grant=token.grant)
        else:
            access_token_revoke(token)


server = OidcServer()
server.register_grant(AuthorizationCodeGrant, [S256CodeChallenge(required=True), IdToken()])
server.register_grant(RefreshTokenGrant)
server.register_grant(ClientCredentialsGrant)
server.register_endpoint(Introspection)
server.register_endpoint(Revocation)
