"""Every statement that reads, writes or prunes a token row: access and refresh tokens,
and the grants they are issued under.

The grant is the single point of truth. A revocation marks the grant rows first, then
their tokens (`grants_revoke`); every issuance and rotation takes its grant row with
`FOR SHARE` (PostgreSQL) and stores nothing under a revoked one; every read that decides
whether a token is live looks at its grant, its client and its person. A revocation
therefore waits for a rotation that holds the grant, and its token UPDATE, a statement
begun after that wait, sees the rotation's new tokens; a rotation that reaches the grant
after the revocation finds it revoked.

Adding a column to OidcAccessToken, OidcRefreshToken or OidcGrant: give it a database
default (`db_default`) or add it to every INSERT below: the `*_SQL` statements, which
run on PostgreSQL only and which identity/tests/oidc/test_token_store.py checks against
the models on every run, and the `row_insert` calls, which the embedded (SQLite) run
executes. Add it to a JoinedRead only if the endpoint reading it needs it: each column
read costs every request.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from identity.models import (
    OidcAccessToken,
    OidcAuthorizationCode,
    OidcClient,
    OidcGrant,
    OidcRefreshToken,
    User,
)
from identity.oidc.clients import ClientChanged, client_still_current
from identity.oidc.sql import JoinedRead, row_insert, row_unique, statement_cursor, statement_run

REFRESH_TOKEN_LIFETIME = timedelta(days=30)


def digest(value: str) -> str:
    """SHA-256 hex digest: how secrets, codes and tokens are stored and looked up."""
    return hashlib.sha256(value.encode()).hexdigest()


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


# Revocation: the grants first, then their tokens. The grant UPDATE waits for any
# issuance or rotation holding one of the grants (FOR SHARE); the token UPDATEs, each a
# statement begun after that wait, then see what it stored. Tokens of grants revoked
# before are revoked too: a revocation run again leaves no live token behind.


def grants_revoke(grants: QuerySet[OidcGrant]) -> None:
    """End the grants among `grants` and every token issued under them, in three
    statements however many there are (a service's client holds a grant per token). Call
    inside a transaction, so that the grants and their tokens end together."""
    now = timezone.now()
    grants.filter(revoked_at__isnull=True).update(revoked_at=now)
    revoked = grants.values("pk")
    for model in (OidcAccessToken, OidcRefreshToken):
        model.objects.filter(grant__in=revoked, revoked_at__isnull=True).update(revoked_at=now)


def access_token_revoke(token: OidcAccessToken) -> None:
    """End one access token, leaving its grant and its other tokens live."""
    OidcAccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# The grant a token is issued under, taken for the rest of the statement or transaction
# (PostgreSQL: a share lock, which a revocation's UPDATE waits for), if it is live.
GRANT_LIVE_SHARED_SQL = """
    SELECT id FROM identity_oidcgrant
    WHERE id = %(grant_id)s AND revoked_at IS NULL
    FOR SHARE
"""
GRANT_LIVE_SQL = "SELECT id FROM identity_oidcgrant WHERE id = %s AND revoked_at IS NULL"

# On PostgreSQL each grant's writes are one statement, atomic without a transaction of its
# own: no BEGIN and COMMIT round trips. Other databases run the same steps in a transaction.
# The grant row goes in only if the client is still as this process knows it
# (identity.oidc.clients); the access token goes in only with its grant. A new grant
# needs no lock: no revocation can have seen it. The client row is taken FOR SHARE: a
# secret reset or a deactivation (an UPDATE of that row, then the revocation of its
# grants) either waits for this statement and then revokes its grant, or makes it wait,
# and then the row it re-reads no longer matches the copy: nothing is stored.
CLIENT_CREDENTIALS_ISSUE_SQL = """
    WITH client_row AS (
        SELECT client.id FROM identity_oidcclient client
        WHERE client.id = %(client_id)s AND client.is_active
            AND client.updated_at = %(client_updated_at)s
            AND client.client_secret_digest = %(client_secret_digest)s
        FOR SHARE
    ),
    grant_row AS (
        INSERT INTO identity_oidcgrant (client_id, scope, claims, released_claims, created_at)
        SELECT client_row.id, %(scope)s, '{}'::jsonb, '[]'::jsonb, %(now)s
        FROM client_row
        RETURNING id, client_id
    )
    INSERT INTO identity_oidcaccesstoken
        (token_digest, grant_id, client_id, scope, created_at, expires_at)
    SELECT %(access_digest)s, grant_row.id, grant_row.client_id, %(scope)s, %(now)s,
           %(access_expires_at)s
    FROM grant_row
"""

# A code grant's tokens (PostgreSQL), inside the token request's transaction: stored
# only under a live grant, which stays taken until the transaction commits.
_CODE_ACCESS_INSERT = """
    access AS (
        INSERT INTO identity_oidcaccesstoken
            (token_digest, grant_id, client_id, user_id, scope, created_at, expires_at)
        SELECT %(access_digest)s, grant_row.id, %(client_id)s, %(user_id)s, %(scope)s,
               %(now)s, %(access_expires_at)s
        FROM grant_row
    )"""
_CODE_REFRESH_INSERT = """
    refresh AS (
        INSERT INTO identity_oidcrefreshtoken
            (token_digest, grant_id, client_id, user_id, scope, created_at, expires_at)
        SELECT %(refresh_digest)s, grant_row.id, %(client_id)s, %(user_id)s, %(scope)s,
               %(now)s, %(refresh_expires_at)s
        FROM grant_row
    )"""
# Statements are joined from these constants only; every value is a parameter.
_CODE_GRANT_ROW = "".join(("WITH grant_row AS (", GRANT_LIVE_SHARED_SQL, "),"))
CODE_TOKENS_STORE_SQL = "".join(
    (_CODE_GRANT_ROW, _CODE_ACCESS_INSERT, ",", _CODE_REFRESH_INSERT, " SELECT id FROM grant_row")
)
CODE_ACCESS_TOKEN_STORE_SQL = "".join(
    (_CODE_GRANT_ROW, _CODE_ACCESS_INSERT, " SELECT id FROM grant_row")
)

# A refresh token's successors, stored from the row a `claimed` CTE returned (grant,
# client, person, scope): nothing is stored unless the presented token was claimed, and
# it is claimed only under its grant, live and taken (the `grant_row` CTE).
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
# The general path's rotation (PostgreSQL): the token was read and checked; the UPDATE
# claims it if it and its grant are still live. A concurrent rotation of the same token
# waits on the row lock, then finds it used and stores nothing.
REFRESH_ROTATE_SQL = "".join(
    (
        "WITH grant_row AS (",
        GRANT_LIVE_SHARED_SQL,
        """),
    claimed AS (
        UPDATE identity_oidcrefreshtoken token SET used_at = %(now)s
        FROM grant_row
        WHERE token.id = %(refresh_id)s AND token.grant_id = grant_row.id
            AND token.used_at IS NULL AND token.revoked_at IS NULL
        RETURNING token.grant_id, token.client_id, token.user_id, %(scope)s AS scope
    ),
""",
        REFRESH_SUCCESSORS_SQL,
    )
)
# The refresh grant in one statement (PostgreSQL): the presented token is claimed only if
# it is live, its grant live (and taken), its own client's, its person active and the
# client as this process knows it; its successors go in only if it was claimed. No row
# back: the general path finds out why (identity.oidc.server.RefreshTokenGrant).
REFRESH_PRESENTED_ROTATE_SQL = "".join(
    (
        """
    WITH grant_row AS (
        SELECT grant_row.id
        FROM identity_oidcgrant grant_row
        JOIN identity_oidcrefreshtoken presented ON presented.grant_id = grant_row.id
        WHERE presented.token_digest = %(presented_digest)s
            AND grant_row.revoked_at IS NULL
        FOR SHARE OF grant_row
    ),
    claimed AS (
        UPDATE identity_oidcrefreshtoken token SET used_at = %(now)s
        FROM grant_row, identity_user person, identity_oidcclient client
        WHERE token.token_digest = %(presented_digest)s
            AND token.grant_id = grant_row.id
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
# Elsewhere (SQLite: one writer at a time), the claim checks the grant in the same UPDATE.
REFRESH_CLAIM_SQL = """
    UPDATE identity_oidcrefreshtoken SET used_at = %s
    WHERE id = %s AND used_at IS NULL AND revoked_at IS NULL
        AND EXISTS (
            SELECT 1 FROM identity_oidcgrant grant_row
            WHERE grant_row.id = identity_oidcrefreshtoken.grant_id
                AND grant_row.revoked_at IS NULL
        )
"""


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


def tokens_store(*, grant_id: int, rows: TokenRows) -> bool:
    """Store the tokens of a code grant, inside the token request's transaction, if its
    grant is live; the grant stays taken until the transaction ends. False, with nothing
    stored, if the grant was revoked."""
    if connection.vendor == "postgresql":
        sql = CODE_TOKENS_STORE_SQL if rows.refresh_digest else CODE_ACCESS_TOKEN_STORE_SQL
        return statement_run(sql, rows.params(grant_id=grant_id)) == 1
    # The code's claim, earlier in this transaction, already holds SQLite's write lock.
    with statement_cursor() as cursor:
        cursor.execute(GRANT_LIVE_SQL, [grant_id])
        if cursor.fetchone() is None:
            return False
    _tokens_insert(grant_id=grant_id, rows=rows)
    return True


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
    """Claim a live refresh token of a live grant and store its successors, all or
    nothing; False, with nothing stored, if the token or its grant was no longer live
    (used, revoked, or lost a race)."""
    if rows.refresh_digest is None:
        raise ValueError("a rotation issues a new refresh token")
    if connection.vendor == "postgresql":
        params = rows.params(refresh_id=refresh_id, grant_id=grant_id)
        return statement_run(REFRESH_ROTATE_SQL, params) == 1
    with transaction.atomic():
        if statement_run(REFRESH_CLAIM_SQL, [rows.now, refresh_id]) != 1:
            return False
        _tokens_insert(grant_id=grant_id, rows=rows)
        return True


def tokens_rotate_presented(*, presented: str, rows: TokenRows) -> str | None:
    """Rotate the presented refresh token in one statement (PostgreSQL): the scope of
    the tokens stored, or None, with nothing stored, if it could not be rotated."""
    with statement_cursor() as cursor:
        cursor.execute(
            REFRESH_PRESENTED_ROTATE_SQL, rows.params(presented_digest=digest(presented))
        )
        found = cursor.fetchone()
    return None if found is None else found[0]


# What the refresh grant reads: the token's state and binding, its grant's state, whether
# its user is active, and its client's state, to check this process's copy against.
REFRESH_TOKEN_WITH_GRANT_USER_AND_CLIENT = JoinedRead(
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
        (OidcGrant, "grant_row", ("id", "revoked_at")),
        (User, "person", ("id", "is_active")),
        (OidcClient, "client", ("id", "is_active", "updated_at", "client_secret_digest")),
    ),
    "FROM identity_oidcrefreshtoken token"
    " JOIN identity_oidcgrant grant_row ON grant_row.id = token.grant_id"
    " JOIN identity_user person ON person.id = token.user_id"
    " JOIN identity_oidcclient client ON client.id = token.client_id"
    " WHERE token.token_digest = %s",
)


def refresh_token_read(token_digest: str) -> tuple[OidcRefreshToken, OidcClient] | None:
    """The refresh token with its grant and person (the fields the grant checks), and its
    client's row as it is now; None if unknown."""
    found = REFRESH_TOKEN_WITH_GRANT_USER_AND_CLIENT.one(token_digest)
    if found is None:
        return None
    row, grant, user, client_row = found
    row.grant, row.user = grant, user
    return row, client_row


# When a person's access token may be used (the tables aliased token, grant_row, client
# and person): its digest is the first parameter and now the second. Userinfo and the
# coop's JSON APIs read through it, so that they refuse the same tokens.
PERSON_ACCESS_LIVE_SQL = (
    "WHERE token.token_digest = %s"
    " AND token.revoked_at IS NULL AND token.expires_at > %s"
    " AND grant_row.revoked_at IS NULL AND client.is_active AND person.is_active"
)

# What userinfo reads: a live access token (its grant live, its client and person
# active), the grant's claims, what the subject is derived from, and the attributes that
# claims are computed from (identity.oidc.claims). A dead token is no row at all.
ACCESS_TOKEN_LIVE_FOR_USERINFO = JoinedRead(
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
    " JOIN identity_user person ON person.id = token.user_id"
    f" {PERSON_ACCESS_LIVE_SQL}",
)


def access_token_for_userinfo(token_digest: str) -> OidcAccessToken | None:
    """The live access token of a person, with its grant, client and person (only what
    userinfo reads); None if it is unknown, expired or revoked, its grant revoked, or its
    client or person deactivated."""
    found = ACCESS_TOKEN_LIVE_FOR_USERINFO.one(token_digest, timezone.now())
    if found is None:
        return None
    access, grant, client, user = found
    access.grant, access.client, access.user = grant, client, user
    return access


# What the coop's JSON APIs read (identity.oidc.selectors.bearer_access): a live access
# token of a person, the person, and how they signed in for the authorization it was
# issued under (its code; None once the code has been pruned).
ACCESS_TOKEN_LIVE_FOR_API = JoinedRead(
    (
        (OidcAccessToken, "token", ("id", "grant_id", "client_id", "user_id", "scope")),
        (OidcClient, "client", ("id", "client_id")),
        (User, "person", None),
        (OidcAuthorizationCode, "code", ("id", "acr", "auth_time")),
    ),
    "FROM identity_oidcaccesstoken token"
    " JOIN identity_oidcgrant grant_row ON grant_row.id = token.grant_id"
    " JOIN identity_oidcclient client ON client.id = token.client_id"
    " JOIN identity_user person ON person.id = token.user_id"
    " LEFT JOIN identity_oidcauthorizationcode code ON code.grant_id = token.grant_id"
    f" {PERSON_ACCESS_LIVE_SQL}",
)


def access_token_for_api(
    token_digest: str,
) -> tuple[OidcAccessToken, OidcAuthorizationCode | None] | None:
    """The live access token of a person (as userinfo accepts it), with its client and
    person, and the code of its authorization (None once pruned); None if the token is
    unknown, expired or revoked, its grant revoked, or its client or person deactivated."""
    found = ACCESS_TOKEN_LIVE_FOR_API.one(token_digest, timezone.now())
    if found is None:
        return None
    access, client, user, code = found
    access.client, access.user = client, user
    return access, code


def token_by_string(
    token_string: str, hint: str | None
) -> OidcAccessToken | OidcRefreshToken | None:
    """The access or refresh token (the hinted kind looked up first) with its client,
    person and grant, for introspection and revocation."""
    models: list[type[OidcAccessToken] | type[OidcRefreshToken]] = [
        OidcAccessToken,
        OidcRefreshToken,
    ]
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


def token_is_live(token: OidcAccessToken | OidcRefreshToken) -> bool:
    """Whether a token read with its grant, client and person may still be used: not
    expired, not revoked, its grant not revoked, its client and its person active."""
    return (
        not token.is_expired()
        and not token.is_revoked()
        and token.grant.revoked_at is None
        and token.client.is_active
        and (token.user is None or token.user.is_active)
    )


# A used code is kept this long after it expired, so that a replay is still recognised
# (and revokes what the code gave); a grant left with nothing is kept this long after it
# was made, so that one being set up (a code not stored yet) is never taken.
CODE_KEPT_AFTER_EXPIRY = timedelta(days=1)
EMPTY_GRANT_KEPT = timedelta(days=1)
PRUNE_BATCH = 5000


def _delete_in_batches(queryset: QuerySet, *, batch: int) -> int:
    """Delete the rows of `queryset` a batch at a time, each batch its own transaction,
    so that no lock is held long on a busy table."""
    deleted = 0
    while ids := list(queryset.order_by().values_list("pk", flat=True)[:batch]):
        with transaction.atomic():
            _total, by_model = queryset.model.objects.filter(pk__in=ids).delete()
        deleted += by_model.get(queryset.model._meta.label, 0)
    return deleted


def tokens_prune(*, now: datetime, batch: int = PRUNE_BATCH) -> dict[str, int]:
    """Delete what can no longer be used: access and refresh tokens past their expiry or
    revoked, codes a day past their expiry, then grants left with no token and no code.
    Used refresh tokens stay until they expire: presenting one again is a replay."""
    dead = Q(expires_at__lte=now) | Q(revoked_at__isnull=False)
    counts = {
        "access_tokens": _delete_in_batches(OidcAccessToken.objects.filter(dead), batch=batch),
        "refresh_tokens": _delete_in_batches(OidcRefreshToken.objects.filter(dead), batch=batch),
        "codes": _delete_in_batches(
            OidcAuthorizationCode.objects.filter(expires_at__lte=now - CODE_KEPT_AFTER_EXPIRY),
            batch=batch,
        ),
    }
    empty_grants = OidcGrant.objects.filter(
        ~Exists(OidcAccessToken.objects.filter(grant=OuterRef("pk"))),
        ~Exists(OidcRefreshToken.objects.filter(grant=OuterRef("pk"))),
        ~Exists(OidcAuthorizationCode.objects.filter(grant=OuterRef("pk"))),
        created_at__lte=now - EMPTY_GRANT_KEPT,
    )
    counts["grants"] = _delete_in_batches(empty_grants, batch=batch)
    return counts
