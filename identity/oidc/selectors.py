"""Reads of the OpenID Connect provider that carry rules: what a person sees of the
services they connected, and which of them they may act on."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from identity.assurance import LEVELS
from identity.models import OidcClaimRelease, OidcClient, OidcConsent, User
from identity.oidc.claims import CONSENT_LABELS
from identity.oidc.token_store import CODE_KEPT_AFTER_EXPIRY, access_token_for_api, digest

# Our tokens are 43 characters (identity.oidc.server.token_new); anything much longer is
# not one, and is not hashed.
BEARER_TOKEN_MAX_LENGTH = 512


def access_oidc_client_register(acting_user: Any) -> None:
    """Raise PermissionDenied unless `acting_user` may register a client
    (identity.add_oidcclient); None is the system (commands, demo data)."""
    if acting_user is None:
        return
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.has_perm("identity.add_oidcclient"):
        raise PermissionDenied


def access_oidc_client_change(acting_user: Any) -> None:
    """Raise PermissionDenied unless `acting_user` may change a client's registration,
    activation or secret (identity.change_oidcclient); None is the system."""
    if acting_user is None:
        return
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.has_perm("identity.change_oidcclient"):
        raise PermissionDenied


# Releases shown per service; the rest are counted, not listed.
RELEASE_LOG_LIMIT = 20


@dataclass(frozen=True)
class Claim:
    name: str
    label: str


@dataclass(frozen=True)
class ClaimRelease:
    released_at: datetime
    claims: list[Claim]


@dataclass(frozen=True)
class ConnectedService:
    client: OidcClient
    consented_at: datetime
    consent_updated_at: datetime
    claims_granted: list[Claim]
    # The newest releases first, at most RELEASE_LOG_LIMIT of them.
    releases: list[ClaimRelease]
    releases_not_shown: int


def _claims(names: list[str]) -> list[Claim]:
    return [Claim(name=name, label=str(CONSENT_LABELS.get(name, name))) for name in names]


def connected_services_for(*, user: User) -> list[ConnectedService]:
    """Every service `user` consented to, with what they granted it and the log of what it
    received, newest first. Two queries, whatever the number of services and releases."""
    consents = list(
        OidcConsent.objects.filter(user=user)
        .select_related("client")
        .order_by("client__name", "client__id")
    )
    if not consents:
        return []
    releases = (
        OidcClaimRelease.objects.filter(user=user, client_id__in=[c.client_id for c in consents])
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("client_id")],
                order_by=[F("released_at").desc(), F("id").desc()],
            ),
            total=Window(Count("id"), partition_by=[F("client_id")]),
        )
        .filter(rank__lte=RELEASE_LOG_LIMIT)
        .order_by("client_id", "-released_at", "-id")
    )
    shown: dict[int, list[ClaimRelease]] = defaultdict(list)
    totals: dict[int, int] = {}
    for release in releases:
        shown[release.client_id].append(
            ClaimRelease(released_at=release.released_at, claims=_claims(release.claims))
        )
        totals[release.client_id] = release.total
    return [
        ConnectedService(
            client=consent.client,
            consented_at=consent.created_at,
            consent_updated_at=consent.updated_at,
            claims_granted=_claims(consent.claims_granted),
            releases=shown[consent.client_id],
            releases_not_shown=totals.get(consent.client_id, 0) - len(shown[consent.client_id]),
        )
        for consent in consents
    ]


def connected_service_consent(*, user: User, client_id: str) -> OidcConsent | None:
    """The consent `user` gave the client known publicly as `client_id`, or None: a person
    reaches only their own consents."""
    return (
        OidcConsent.objects.select_related("client")
        .filter(user=user, client__client_id=client_id)
        .first()
    )


def connected_service_revoked(*, user: User, client_id: str) -> OidcClient | None:
    """The client whose access `user` already revoked, so that a repeated revocation finds
    the work done: a client that held grants for them, none of them still live."""
    for_user = Q(grants__user=user)
    return (
        OidcClient.objects.filter(client_id=client_id)
        .annotate(
            grants_held=Count("grants", filter=for_user),
            grants_live=Count("grants", filter=for_user & Q(grants__revoked_at__isnull=True)),
        )
        .filter(grants_held__gt=0, grants_live=0)
        .first()
    )


# How long after the sign-in a token's assurance level still counts. An access token
# refreshed later (same grant) counts as `low`: a refresh proves only that the app kept
# its token, not that the person proved who they are again. At most the time codes are
# kept (token_store.CODE_KEPT_AFTER_EXPIRY), so that the answer never depends on when
# the codes were last pruned.
BEARER_ACR_MAX_AGE = CODE_KEPT_AFTER_EXPIRY


@dataclass(frozen=True)
class BearerAccess:
    """What an API learns from a person's access token: the person, the scopes granted,
    and the assurance level of the sign-in behind it. Never the subject identifier the
    client knows the person by: the API identifies the person through the token alone."""

    user: User
    scopes: frozenset[str]
    acr: str
    client_id: str


def bearer_access(token_string: str) -> BearerAccess | None:
    """The access a bearer token gives, for one of the coop's JSON APIs; None unless it
    is a live access token of a person (the same tokens userinfo accepts; a client's own
    client-credentials token names no person and gives none). Its `acr` is the sign-in's
    level for BEARER_ACR_MAX_AGE after that sign-in, then `low`."""
    token_string = token_string.strip()
    if not token_string or len(token_string) > BEARER_TOKEN_MAX_LENGTH:
        return None
    found = access_token_for_api(digest(token_string))
    if found is None:
        return None
    access, code = found
    acr = "low"
    if code is not None and code.auth_time > timezone.now() - BEARER_ACR_MAX_AGE:
        acr = code.acr if code.acr in LEVELS else "low"
    return BearerAccess(
        user=access.user,
        scopes=frozenset(access.scope.split()),
        acr=acr,
        client_id=access.client.client_id,
    )
