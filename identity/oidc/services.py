"""Writes of the OpenID Connect provider: clients, grants and tokens, membership."""

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from identity.audit import audit_record
from identity.models import (
    IdTokenAlg,
    MembershipStatus,
    OidcClient,
    OidcConsent,
    OidcGrant,
    User,
)
from identity.oidc.selectors import access_oidc_client_change, access_oidc_client_register
from identity.oidc.token_store import PRUNE_BATCH, digest, grants_revoke, tokens_prune


@dataclass(frozen=True)
class ClientCreated:
    client: OidcClient
    client_secret: str | None


@transaction.atomic
def oidc_client_create(
    *,
    name: str,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str] | None = None,
    is_public: bool = False,
    is_internal: bool = False,
    pkce_required: bool = True,
    id_token_alg: str = IdTokenAlg.ES256,
    sector_identifier_uri: str = "",
    logo_url: str = "",
    policy_url: str = "",
    terms_url: str = "",
    allowed_scopes: str | None = None,
    is_active: bool = True,
    acting_user: Any = None,
) -> ClientCreated:
    """Register a client. A confidential client gets a 32-byte random secret, returned
    once; only its digest is kept. Its sector (whose subjects it receives) is recorded
    now, from its one redirect host or its `sector_identifier_uri` (OIDC Core 8.1, whose
    document is read and must list every redirect URI), and never changes. PKCE is
    required unless `pkce_required` is False (an old confidential service; a public client
    needs PKCE whatever this says). `acting_user` (None: the system) is recorded in the
    audit trail."""
    access_oidc_client_register(acting_user)
    # Without a choice, the model's default scopes.
    options = {} if allowed_scopes is None else {"allowed_scopes": allowed_scopes}
    client = OidcClient(
        name=name,
        redirect_uris=list(redirect_uris),
        post_logout_redirect_uris=list(post_logout_redirect_uris or []),
        is_public=is_public,
        is_internal=is_internal,
        pkce_required=pkce_required,
        id_token_alg=id_token_alg,
        sector_identifier_uri=sector_identifier_uri,
        logo_url=logo_url,
        policy_url=policy_url,
        terms_url=terms_url,
        is_active=is_active,
        **options,
    )
    secret = None if is_public else oidc_client_secret_new(client=client)
    client.full_clean()
    client.save()
    audit_record(
        acting_user=acting_user,
        action="oidc_client.create",
        target=client,
        detail={"name": client.name, "is_public": client.is_public},
    )
    return ClientCreated(client=client, client_secret=secret)


# What a client's registration may change after it is created: not its identifier, its
# secret (oidc_client_secret_reset), whether it keeps one, nor whether it is active
# (oidc_client_active_set).
OIDC_CLIENT_FIELDS = frozenset(
    {
        "name",
        "is_internal",
        "pkce_required",
        # The recorded sector never changes (OidcClient.clean): a document may be named
        # later only if it keeps the same sector.
        "sector_identifier_uri",
        "id_token_alg",
        "redirect_uris",
        "post_logout_redirect_uris",
        "allowed_scopes",
        "logo_url",
        "policy_url",
        "terms_url",
    }
)


@transaction.atomic
def oidc_client_update(*, client: OidcClient, acting_user: Any, **fields: Any) -> OidcClient:
    """Change a client's registration (OIDC_CLIENT_FIELDS), with an audit event naming
    the fields that changed; no write when nothing does."""
    access_oidc_client_change(acting_user)
    unknown = set(fields) - OIDC_CLIENT_FIELDS
    if unknown:
        raise TypeError(f"oidc_client_update() cannot change {sorted(unknown)}")
    changed = sorted(name for name, value in fields.items() if getattr(client, name) != value)
    if not changed:
        return client
    for name in changed:
        setattr(client, name, fields[name])
    client.full_clean()
    # updated_at tells the token endpoint's copies of the client that they are stale.
    client.save(update_fields=[*changed, "updated_at"])
    audit_record(
        acting_user=acting_user,
        action="oidc_client.update",
        target=client,
        detail={"fields": changed},
    )
    return client


@transaction.atomic
def oidc_client_active_set(*, client: OidcClient, is_active: bool, acting_user: Any) -> OidcClient:
    """Let a client sign people in again, or stop it, with an audit event."""
    access_oidc_client_change(acting_user)
    if client.is_active == is_active:
        return client
    client.is_active = is_active
    client.save(update_fields=["is_active", "updated_at"])
    audit_record(
        acting_user=acting_user,
        action="oidc_client.activate" if is_active else "oidc_client.deactivate",
        target=client,
    )
    return client


def oidc_client_secret_new(*, client: OidcClient) -> str:
    """Give an unsaved confidential client its first secret; the caller shows it once."""
    secret = secrets.token_urlsafe(32)
    client.client_secret_digest = digest(secret)
    return secret


@transaction.atomic
def oidc_client_secret_reset(*, client: OidcClient, acting_user: Any = None) -> str:
    """Give a confidential client a new secret (shown once) and end every grant it holds;
    recorded in the audit trail with `acting_user` (None: the system)."""
    access_oidc_client_change(acting_user)
    if client.is_public:
        raise ValueError("a public client has no secret")
    secret = secrets.token_urlsafe(32)
    client.client_secret_digest = digest(secret)
    client.save(update_fields=["client_secret_digest", "updated_at"])
    grants_revoke(OidcGrant.objects.filter(client=client))
    audit_record(acting_user=acting_user, action="oidc_client.secret_reset", target=client)
    return secret


@transaction.atomic
def oidc_grant_revoke(*, grant: OidcGrant) -> None:
    """End a grant: it first, then every access and refresh token issued under it
    (identity.oidc.token_store says why in that order)."""
    grants_revoke(OidcGrant.objects.filter(pk=grant.pk))


@transaction.atomic
def membership_status_set(*, user: User, is_member: bool, category: str = "") -> MembershipStatus:
    """Record coop membership as the governance app knows it; released as claims."""
    status, _created = MembershipStatus.objects.get_or_create(user=user)
    status.is_member = is_member
    status.category = category if is_member else ""
    status.updated_at = timezone.now()
    status.full_clean()
    status.save()
    return status


@transaction.atomic
def oidc_consent_record(
    *, user: User, client: OidcClient, claims_asked: list[str], claims_granted: list[str]
) -> OidcConsent:
    """Remember what the person agreed to release to `client`; a later question about more
    claims adds to what was asked before."""
    consent = OidcConsent.objects.select_for_update().filter(
        user=user, client=client
    ).first() or OidcConsent(user=user, client=client)
    previously_granted = set(consent.claims_granted) - set(claims_asked)
    consent.claims_asked = sorted(set(consent.claims_asked) | set(claims_asked))
    consent.claims_granted = sorted(previously_granted | set(claims_granted))
    consent.updated_at = timezone.now()
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def oidc_consent_revoke(*, user: User, client: OidcClient) -> None:
    """Forget the person's consent to `client` and end every grant it holds for them."""
    OidcConsent.objects.filter(user=user, client=client).delete()
    grants_revoke(OidcGrant.objects.filter(user=user, client=client))


def oidc_tokens_prune(*, now: datetime | None = None, batch: int = PRUNE_BATCH) -> dict:
    """Delete what can no longer be used (identity.oidc.token_store.tokens_prune says what);
    each batch is its own transaction."""
    return tokens_prune(now=now or timezone.now(), batch=batch)
