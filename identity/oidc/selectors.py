"""Reads of the OpenID Connect provider that carry rules: what a person sees of the
services they connected, and which of them they may act on."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from identity.models import OidcClaimRelease, OidcClient, OidcConsent, User
from identity.oidc.claims import CLAIM_LABELS


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
    return [Claim(name=name, label=str(CLAIM_LABELS.get(name, name))) for name in names]


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
