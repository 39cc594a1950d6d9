"""The Authlib authorization server, with our storage and our policy.

Authlib supplies the protocol mechanics (client authentication, grants, PKCE checks,
introspection, revocation). Every rule of ours is here: S256-only PKCE required for
public clients, single-use codes whose reuse revokes the grant, rotated refresh tokens
whose reuse revokes the grant, pairwise subjects, released claims, one signing key.
"""

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from authlib.integrations.django_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError, grants
from authlib.oauth2.rfc6749.authenticate_client import ClientAuthentication
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge, create_s256_code_challenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.grants.util import create_half_hash
from django.conf import settings
from django.db import connection, transaction
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
    User,
)
from identity.oidc.claims import claim_values, claims_released
from identity.oidc.clients import (
    ClientChanged,
    client_copies,
    client_is_current,
    client_still_current,
)
from identity.oidc.keys import ID_TOKEN_LIFETIME_SECONDS, signing_key_active
from identity.oidc.services import digest, oidc_grant_revoke
from identity.oidc.sql import JoinedRead, row_insert, row_unique, statement_cursor, statement_run
from identity.oidc.subjects import subject_for

ACCESS_TOKEN_LIFETIME_SECONDS = 3600
REFRESH_TOKEN_LIFETIME = timedelta(days=30)
CONFIDENTIAL_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
ALL_AUTH_METHODS = [*CONFIDENTIAL_AUTH_METHODS, "none"]


def issuer() -> str:
    return settings.SITE_URL


def token_new(**_context: Any) -> str:
    """A bearer token: 32 random bytes (256 bits), URL-safe. Authlib's default draws each
    character with SystemRandom, a system call per character; this is one call."""
    return secrets.token_urlsafe(32)


# The token endpoint's statements (identity.oidc.sql says why they are written out).
REFRESH_CLAIM_SQL = """
    UPDATE identity_oidcrefreshtoken SET used_at = %s
    WHERE id = %s AND used_at IS NULL AND revoked_at IS NULL
"""


def refresh_token_claim(*, pk: int, now: datetime) -> bool:
    """Mark a live refresh token used, in one conditional UPDATE; False if it no longer was."""
    return statement_run(REFRESH_CLAIM_SQL, [now, pk]) == 1


# On PostgreSQL each grant's writes are one statement, atomic without a transaction of its
# own: no BEGIN and COMMIT round trips. Other databases run the same steps in a transaction.
# The grant row goes in only if the client is still as this process knows it
# (identity.oidc.clients); the access token goes in only with its grant.
CLIENT_CREDENTIALS_ISSUE_SQL = """
    WITH grant_row AS (
        INSERT INTO identity_oidcgrant (client_id, scope, claims, released_claims, created_at)
        SELECT client.id, %(scope)s, '{}'::jsonb, '[]'::jsonb, %(now)s
        FROM identity_oidcclient client
        WHERE client.id = %(client_id)s AND client.is_active
            AND client.updated_at = %(client_updated_at)s
            AND client.client_secret_digest = %(client_secret_digest)s
        RETURNING id, client_id
    )
    INSERT INTO identity_oidcaccesstoken
        (token_digest, grant_id, client_id, scope, created_at, expires_at)
    SELECT %(access_digest)s, grant_row.id, grant_row.client_id, %(scope)s, %(now)s,
           %(access_expires_at)s
    FROM grant_row
"""
# A refresh token's successors, stored from the row a `claimed` CTE returned (grant,
# client, person, scope): nothing is stored unless the presented token was claimed.
REFRESH_SUCCESSORS_SQL = """
    access AS (
        INSERT INTO identity_oidcaccesstoken
            (token_digest, grant_id, client_id, user_id, scope, created_at, expires_at)
        SELECT %(access_digest)s, grant_id, client_id, user_id, scope, %(now)s,
               %(access_expires_at)s
        FROM claimed
    ),
    refresh AS (
        INSERT INTO identity_oidcrefreshtoken
            (token_digest, grant_id, client_id, user_id, scope, created_at, expires_at)
        SELECT %(refresh_digest)s, grant_id, client_id, user_id, scope, %(now)s,
               %(refresh_expires_at)s
        FROM claimed
    )
    SELECT scope FROM claimed
"""
# The general path's rotation: the token was read and checked; the UPDATE claims it if it
# is still live. A concurrent rotation of the same token waits on the row lock, then finds
# it used and stores nothing.
REFRESH_ROTATE_SQL = "".join(
    (
        """
    WITH claimed AS (
        UPDATE identity_oidcrefreshtoken SET used_at = %(now)s
        WHERE id = %(refresh_id)s AND used_at IS NULL AND revoked_at IS NULL
        RETURNING grant_id, client_id, user_id, %(scope)s AS scope
    ),
""",
        REFRESH_SUCCESSORS_SQL,
    )
)


@dataclass(frozen=True)
class TokenRows:
    """What one token response stores: digests of the tokens, never the tokens."""

    client: OidcClient
    user_id: int | None
    scope: str
    now: datetime
    access_digest: str
    access_expires_at: datetime
    refresh_digest: str | None
    refresh_expires_at: datetime

    @classmethod
    def issued_now(
        cls, token: dict[str, Any], *, client: OidcClient, user_id: int | None
    ) -> "TokenRows":
        """The rows of an Authlib token response issued now."""
        now = timezone.now()
        refresh_token = token.get("refresh_token")
        return cls(
            client=client,
            user_id=user_id,
            # A client-credentials request may ask for no scope: its token has none.
            scope=token.get("scope", ""),
            now=now,
            access_digest=digest(token["access_token"]),
            access_expires_at=now + timedelta(seconds=token["expires_in"]),
            refresh_digest=digest(refresh_token) if refresh_token else None,
            refresh_expires_at=now + REFRESH_TOKEN_LIFETIME,
        )

    def params(self, **extra: Any) -> dict[str, Any]:
        """The named parameters of the token statements, with the client's state as this
        process knows it."""
        values = {name: value for name, value in vars(self).items() if name != "client"}
        return {
            **values,
            "client_id": self.client.pk,
            "client_updated_at": self.client.updated_at,
            "client_secret_digest": self.client.client_secret_digest,
            **extra,
        }


def _tokens_insert(*, grant_id: int, rows: TokenRows) -> None:
    for model, token_digest, expires_at in (
        (OidcAccessToken, rows.access_digest, rows.access_expires_at),
        (OidcRefreshToken, rows.refresh_digest, rows.refresh_expires_at),
    ):
        if token_digest is None:
            continue  # a client-credentials grant has no refresh token
        row_insert(
            model,
            token_digest=token_digest,
            grant_id=grant_id,
            client_id=rows.client.pk,
            user_id=rows.user_id,
            scope=rows.scope,
            created_at=rows.now,
            expires_at=expires_at,
        )


def tokens_store(*, grant_id: int, rows: TokenRows) -> None:
    """Store the tokens of a code grant (inside the token request's transaction)."""
    _tokens_insert(grant_id=grant_id, rows=rows)


def tokens_store_for_client(*, rows: TokenRows) -> None:
    """Store a client-credentials access token under a grant of its own; ClientChanged,
    with nothing stored, if the client is no longer as this process knows it."""
    if connection.vendor == "postgresql":
        if statement_run(CLIENT_CREDENTIALS_ISSUE_SQL, rows.params()) != 1:
            raise ClientChanged(rows.client.client_id)
        return
    with transaction.atomic():
        if not client_still_current(rows.client):
            raise ClientChanged(rows.client.client_id)
        grant_id = row_insert(
            OidcGrant,
            client_id=rows.client.pk,
            scope=rows.scope,
            claims={},
            released_claims=[],
            created_at=rows.now,
        )
        _tokens_insert(grant_id=grant_id, rows=rows)


def tokens_rotate(*, refresh_id: int, grant_id: int, rows: TokenRows) -> bool:
    """Claim a live refresh token and store its successors, all or nothing; False, with
    nothing stored, if the token was no longer live (used, revoked, or lost a race)."""
    if rows.refresh_digest is None:
        raise ValueError("a rotation issues a new refresh token")
    if connection.vendor == "postgresql":
        return statement_run(REFRESH_ROTATE_SQL, rows.params(refresh_id=refresh_id)) == 1
    with transaction.atomic():
        if not refresh_token_claim(pk=refresh_id, now=rows.now):
            return False
        _tokens_insert(grant_id=grant_id, rows=rows)
        return True


# The refresh grant in one statement (PostgreSQL): the presented token is claimed only if
# it is live, its own client's, its person active and the client as this process knows
# it; its successors go in only if it was claimed. No row back: the general path finds
# out why (identity.oidc.server.RefreshTokenGrant).
REFRESH_PRESENTED_ROTATE_SQL = "".join(
    (
        """
    WITH claimed AS (
        UPDATE identity_oidcrefreshtoken token SET used_at = %(now)s
        FROM identity_user person, identity_oidcclient client
        WHERE token.token_digest = %(presented_digest)s
            AND token.used_at IS NULL AND token.revoked_at IS NULL
            AND token.expires_at > %(now)s
            AND token.client_id = %(client_id)s
            AND person.id = token.user_id AND person.is_active
            AND client.id = token.client_id AND client.is_active
            AND client.updated_at = %(client_updated_at)s
            AND client.client_secret_digest = %(client_secret_digest)s
        RETURNING token.grant_id, token.client_id, token.user_id, token.scope
    ),
""",
        REFRESH_SUCCESSORS_SQL,
    )
)


def tokens_rotate_presented(*, presented: str, rows: TokenRows) -> str | None:
    """Rotate the presented refresh token in one statement (PostgreSQL): the scope of
    the tokens stored, or None, with nothing stored, if it could not be rotated."""
    with statement_cursor() as cursor:
        cursor.execute(
            REFRESH_PRESENTED_ROTATE_SQL, rows.params(presented_digest=digest(presented))
        )
        found = cursor.fetchone()
    return None if found is None else found[0]


CLIENT_ACTIVE = JoinedRead(
    ((OidcClient, "client", None),),
    "FROM identity_oidcclient client WHERE client.client_id = %s AND client.is_active",
)
# What the refresh grant reads: the token's state and binding, whether its user is active,
# and its client's state, to check this process's copy of the client against.
REFRESH_TOKEN_WITH_USER_AND_CLIENT = JoinedRead(
    (
        (
            OidcRefreshToken,
            "token",
            (
                "id",
                "grant_id",
                "client_id",
                "user_id",
                "scope",
                "created_at",
                "expires_at",
                "used_at",
                "revoked_at",
            ),
        ),
        (User, "person", ("id", "is_active")),
        (OidcClient, "client", ("id", "is_active", "updated_at", "client_secret_digest")),
    ),
    "FROM identity_oidcrefreshtoken token"
    " JOIN identity_user person ON person.id = token.user_id"
    " JOIN identity_oidcclient client ON client.id = token.client_id"
    " WHERE token.token_digest = %s",
)
# What userinfo reads: the token's state, the grant's claims, what the subject is derived
# from, and the attributes that claims are computed from (identity.oidc.claims).
ACCESS_TOKEN_FOR_USERINFO = JoinedRead(
    (
        (
            OidcAccessToken,
            "token",
            ("id", "grant_id", "client_id", "user_id", "scope", "expires_at", "revoked_at"),
        ),
        (OidcGrant, "grant_row", ("id", "claims", "released_claims")),
        (
            OidcClient,
            "client",
            (
                "id",
                "client_id",
                "is_internal",
                "sector_identifier",
                "redirect_uris",
                "allowed_scopes",
            ),
        ),
        (
            User,
            "person",
            (
                "id",
                "public_id",
                "email",
                "email_verified",
                "given_name",
                "family_name",
                "birth_date",
                "phone",
                "street_address",
                "locality",
                "region",
                "postal_code",
                "country",
                "preferred_language",
            ),
        ),
    ),
    "FROM identity_oidcaccesstoken token"
    " JOIN identity_oidcgrant grant_row ON grant_row.id = token.grant_id"
    " JOIN identity_oidcclient client ON client.id = token.client_id"
    " LEFT JOIN identity_user person ON person.id = token.user_id"
    " WHERE token.token_digest = %s",
)


def access_token_for_userinfo(token_digest: str) -> OidcAccessToken | None:
    """The access token with its grant, client and user (only what userinfo reads)."""
    found = ACCESS_TOKEN_FOR_USERINFO.one(token_digest)
    if found is None:
        return None
    access, grant, client, user = found
    access.grant, access.client, access.user = grant, client, user
    return access


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

    def authenticate_client(self, request: Any, methods: list[str], endpoint: str = "token"):
        if endpoint != "token":
            return super().authenticate_client(request, methods, endpoint)
        return self._token_client_auth(request, methods, endpoint)

    @cached_property
    def _token_client_auth(self) -> ClientAuthentication:
        return ClientAuthentication(self.query_client_copy)

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
            OidcClaimRelease.objects.create(
                user=request.user,
                client=client,
                claims=code.grant.released_claims,
                released_at=rows.now,
            )
            tokens_store(grant_id=code.grant_id, rows=rows)
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
        """A live refresh token; presenting a used or revoked one revokes its grant.
        The token is claimed in save_token, after the client binding was checked."""
        found = REFRESH_TOKEN_WITH_USER_AND_CLIENT.one(digest(refresh_token))
        if found is None:
            return None
        row, user, client_row = found
        row.user = user
        copy = self.request.client
        if row.client_id == copy.pk and not client_is_current(copy=copy, row=client_row):
            raise ClientChanged(copy.client_id)
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
        names = claims_released(
            scope=token["scope"],
            claims_request=code.claims,
            target="id_token",
            allowed_scopes=set(client.allowed_scopes.split()),
            released=code.grant.released_claims,
        )
        claims.update(claim_values(user=request.user, names=names))
        return jwt.encode({"alg": alg, "kid": key.kid, "typ": "JWT"}, claims, key, [alg])


def _token_by_string(token_string: str, hint: str | None) -> Any:
    models = [OidcAccessToken, OidcRefreshToken]
    if hint == "refresh_token":
        models.reverse()
    for model in models:
        row = row_unique(
            model.objects.select_related("client", "user", "grant").filter(
                token_digest=digest(token_string)
            )
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
