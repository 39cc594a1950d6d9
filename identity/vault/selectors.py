"""Who may read a vault document, and reads of the vault that carry rules.

Every rule is here, one condition per line, each with its own test
(identity/tests/vault/test_access.py). A refusal of a person names no detail; a refused
service learns only that it holds no live share.
"""

import datetime
from typing import Any

from django.db.models import QuerySet

from identity.models import OidcClient, User, VaultDocument, VaultShare
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
    not revoked, not expired). Nobody reads a deleted document."""
    if document.deleted_at is not None:
        raise errors.VaultDocumentDeleted()
    if actor_user is not None and actor_client is not None:
        raise errors.VaultAccessDenied()
    if actor_user is not None:
        _access_as_owner(document=document, user=actor_user)
        return
    if actor_client is not None:
        _access_as_client(document=document, client=actor_client, now=now)
        return
    raise errors.VaultAccessDenied()


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
