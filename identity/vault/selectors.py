"""Who may read a vault document, and reads of the vault that carry rules.

Every rule is here, one condition per line, each with its own test
(identity/tests/vault/test_access.py). A refusal of a person names no detail; a refused
service learns only that it holds no live share.
"""

import datetime
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate

from identity.models import (
    OidcClient,
    OidcConsent,
    SignatureRequest,
    SignatureRequestStatus,
    User,
    VaultAccess,
    VaultAction,
    VaultDocument,
    VaultShare,
)
from identity.vault import errors


def access_vault_document_read(
    *,
    document: VaultDocument,
    actor_user: Any | None,
    actor_client: OidcClient | None,
    now: datetime.datetime,
) -> None:
    """Raise unless exactly one actor may read `document` at `now`: its owner, signed in
    and active; or an active service holding a live share of it (granted by the owner,
    not revoked, not expired). Nobody reads a deleted document; that is checked after the
    actor, so that only the owner learns a document was deleted (deleting revokes every
    share, so a service is refused for want of one)."""
    if actor_user is not None and actor_client is not None:
        raise errors.VaultAccessDenied()
    if actor_user is not None:
        _access_as_owner(document=document, user=actor_user)
    elif actor_client is not None:
        _access_as_client(document=document, client=actor_client, now=now)
    else:
        raise errors.VaultAccessDenied()
    if document.deleted_at is not None:
        raise errors.VaultDocumentDeleted()


def _access_as_owner(*, document: VaultDocument, user: Any) -> None:
    if not user.is_authenticated:
        raise errors.VaultAccessDenied()
    if not user.is_active:
        raise errors.VaultAccessDenied()
    if user.pk != document.owner_id:
        raise errors.VaultAccessDenied()


def _access_as_client(
    *, document: VaultDocument, client: OidcClient, now: datetime.datetime
) -> None:
    if not client.is_active:
        raise errors.VaultAccessDenied()
    if vault_share_live(document=document, client=client, now=now) is None:
        raise errors.VaultShareMissing()


def access_vault_document_manage(*, document: VaultDocument, acting_user: Any) -> None:
    """Raise unless `acting_user` may share, unshare or delete `document`: its owner,
    signed in and active. A deleted document is managed no more."""
    if not acting_user.is_authenticated:
        raise errors.VaultAccessDenied()
    if not acting_user.is_active:
        raise errors.VaultAccessDenied()
    if acting_user.pk != document.owner_id:
        raise errors.VaultAccessDenied()
    if document.deleted_at is not None:
        raise errors.VaultDocumentDeleted()


def access_vault_share_revoke(*, share: VaultShare, acting_user: Any) -> None:
    """Raise unless `acting_user` may end `share`: the document's owner, signed in and
    active (also once the document is deleted, which has ended its shares already)."""
    if not acting_user.is_authenticated:
        raise errors.VaultAccessDenied()
    if not acting_user.is_active:
        raise errors.VaultAccessDenied()
    if acting_user.pk != share.document.owner_id:
        raise errors.VaultAccessDenied()


def access_vault_share_to(*, owner: User, client: OidcClient) -> None:
    """Raise unless `owner` may share with `client`: an active service they are connected
    to (a consent they gave it at sign-in and have not revoked: "Connected services")."""
    if not client.is_active:
        raise errors.VaultShareClientNotConnected()
    if not OidcConsent.objects.filter(user=owner, client=client).exists():
        raise errors.VaultShareClientNotConnected()


def vault_share_clients_for(*, owner: User) -> QuerySet[OidcClient]:
    """The services `owner` may share a document with, by name."""
    return OidcClient.objects.filter(consents__user=owner, is_active=True).order_by("name", "id")


def vault_shares_of(*, document: VaultDocument, now: datetime.datetime) -> list[VaultShare]:
    """The document's shares, live ones first then ended ones, newest first within each;
    each carries `is_live`."""
    shares = list(document.shares.select_related("client").order_by("-granted_at", "-id"))
    for share in shares:
        share.is_live = share.revoked_at is None and share.expires_at > now
    return sorted(shares, key=lambda share: not share.is_live)


def vault_share_of(*, owner: User, share_id: int) -> VaultShare:
    """One share of one of `owner`'s documents; VaultDocumentNotFound for any other."""
    share = (
        VaultShare.objects.select_related("document", "client")
        .filter(pk=share_id, document__owner=owner)
        .first()
    )
    if share is None:
        raise errors.VaultDocumentNotFound()
    return share


def vault_share_live(
    *, document: VaultDocument, client: OidcClient, now: datetime.datetime
) -> VaultShare | None:
    """The share that lets `client` read `document` at `now`, if any: not revoked and
    ending after `now`."""
    return (
        VaultShare.objects.filter(document=document, client=client)
        .filter(revoked_at__isnull=True)
        .filter(expires_at__gt=now)
        .order_by("-expires_at")
        .first()
    )


def vault_documents_of(*, owner: User) -> QuerySet[VaultDocument]:
    """The person's live documents, newest first."""
    return VaultDocument.objects.filter(owner=owner, deleted_at__isnull=True).select_related(
        "source_client"
    )


def vault_document_of(*, owner: User, public_id: Any) -> VaultDocument:
    """The person's document with that public id, deleted or not; VaultDocumentNotFound
    for any other (someone else's answers the same as none)."""
    document = (
        VaultDocument.objects.filter(owner=owner, public_id=public_id)
        .select_related("source_client")
        .first()
    )
    if document is None:
        raise errors.VaultDocumentNotFound()
    return document


def vault_log_for(*, owner: User) -> QuerySet[VaultAccess]:
    """What happened to the person's documents, newest first, key rotations apart
    (vault_rotations_for): one row each, whoever acted."""
    return (
        VaultAccess.objects.filter(owner=owner)
        .exclude(action=VaultAction.REWRAP)
        .select_related("document", "actor_client")
        .order_by("-at", "-id")
    )


def vault_rotations_for(*, owner: User, limit: int = 10) -> list[dict[str, Any]]:
    """The key rotations that touched the person's documents, one line per day with the
    number of documents rewrapped, newest first."""
    return list(
        VaultAccess.objects.filter(owner=owner, action=VaultAction.REWRAP)
        .annotate(day=TruncDate("at"))
        .values("day")
        .annotate(documents=Count("id"))
        .order_by("-day")[:limit]
    )


def vault_document_history(*, document: VaultDocument, limit: int = 20) -> list[VaultAccess]:
    """The document's own log, newest first."""
    return list(
        VaultAccess.objects.filter(document=document)
        .select_related("actor_client")
        .order_by("-at", "-id")[:limit]
    )


def signature_requests_pending_for(
    *, person: User, now: datetime.datetime
) -> QuerySet[SignatureRequest]:
    """The signature requests waiting for the person, soonest to expire first."""
    return (
        SignatureRequest.objects.filter(person=person, status=SignatureRequestStatus.PENDING)
        .filter(expires_at__gt=now)
        .select_related("client")
        .order_by("expires_at", "id")
    )


def vault_key_counts() -> list[dict[str, Any]]:
    """Live documents per wrapping key id, most first: what `vault_keys status` prints."""
    return list(
        VaultDocument.objects.filter(deleted_at__isnull=True)
        .values("kek_id")
        .annotate(documents=Count("id"))
        .order_by("-documents", "kek_id")
    )
