"""Every write to the vault, and reading a document (which writes its log row first).

A document's content is encrypted by identity.vault.crypto (envelope, associated data and
blob format in its docstring) into a file under VAULT_ROOT (identity.vault.storage); its row
keeps the metadata and the wrapped data key. Every deposit, read, share, unshare, deletion,
export and key rotation writes a VaultAccess row the owner sees on /coffre/journal/.
"""

import datetime
import hashlib
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from identity.audit import audit_record
from identity.models import (
    OidcClient,
    User,
    VaultAccess,
    VaultAction,
    VaultActorKind,
    VaultDocument,
)
from identity.vault import crypto, errors, storage
from identity.vault.selectors import access_vault_document_read

# What a read is logged as; export goes through vault_export.
READ_ACTIONS = frozenset({VaultAction.VIEW, VaultAction.DOWNLOAD})


def _associated(document: VaultDocument) -> tuple[bytes, bytes]:
    owner_public_id = document.owner.public_id
    return (
        crypto.document_associated_data(
            document_public_id=document.public_id, owner_public_id=owner_public_id
        ),
        crypto.document_key_associated_data(
            document_public_id=document.public_id, owner_public_id=owner_public_id
        ),
    )


def _envelope(document: VaultDocument) -> crypto.Envelope:
    return crypto.Envelope(
        kek_id=document.kek_id,
        data_key_wrapped=bytes(document.data_key_wrapped),
        data_key_nonce=bytes(document.data_key_nonce),
        nonce=bytes(document.nonce),
    )


def _actor_kind(*, document: VaultDocument, user: Any, client: OidcClient | None) -> str:
    if client is not None:
        return VaultActorKind.CLIENT
    if user is None:
        return VaultActorKind.SYSTEM
    if user.pk == document.owner_id:
        return VaultActorKind.OWNER
    return VaultActorKind.REGISTRAR


def vault_access_record(
    *,
    document: VaultDocument,
    action: str,
    actor_user: Any | None = None,
    actor_client: OidcClient | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime.datetime | None = None,
) -> VaultAccess:
    """Append one row to the owner's log of `document`."""
    access = VaultAccess(
        document=document,
        owner_id=document.owner_id,
        actor_kind=_actor_kind(document=document, user=actor_user, client=actor_client),
        actor_user=actor_user if getattr(actor_user, "is_authenticated", False) else None,
        actor_client=actor_client,
        action=action,
        at=at or timezone.now(),
        detail=detail or {},
    )
    access.full_clean()
    access.save()
    return access


def vault_document_deposit(
    *,
    owner: User,
    kind: str,
    title: str,
    content: bytes,
    content_type: str,
    source_client: OidcClient | None = None,
    source_app: str = "",
    keep_until: datetime.datetime | None = None,
    acting_user: Any | None = None,
) -> VaultDocument:
    """Encrypt `content` into `owner`'s vault and log the deposit.

    `acting_user` None means deposited by the system (an app, or `source_client` through
    an API); a person other than the owner (a registrar at the counter) is audited. At most
    VAULT_DOCUMENT_MAX_BYTES. The file is written before the row; if the transaction rolls
    back, the file is left behind but opens nothing, its data key having never been stored.
    """
    if len(content) > settings.VAULT_DOCUMENT_MAX_BYTES:
        raise errors.VaultDocumentTooLarge()
    document = VaultDocument(
        owner=owner,
        kind=kind,
        title=title,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        source_client=source_client,
        source_app=source_app,
        keep_until=keep_until,
    )
    associated, key_associated = _associated(document)
    ciphertext, envelope = crypto.envelope_seal(
        data=content, associated=associated, key_associated=key_associated
    )
    document.blob_name = storage.blob_write(ciphertext)
    try:
        with transaction.atomic():
            document.kek_id = envelope.kek_id
            document.data_key_wrapped = envelope.data_key_wrapped
            document.data_key_nonce = envelope.data_key_nonce
            document.nonce = envelope.nonce
            document.full_clean()
            document.save()
            vault_access_record(
                document=document,
                action=VaultAction.DEPOSIT,
                actor_user=acting_user,
                actor_client=source_client if acting_user is None else None,
                detail={"size": document.size, "kind": kind},
            )
            if acting_user is not None and acting_user.pk != owner.pk:
                audit_record(
                    acting_user=acting_user,
                    action="vault.document_deposit",
                    target=document,
                    subject_user=owner,
                    detail={"kind": kind, "size": document.size},
                )
    except BaseException:
        storage.blob_erase(document.blob_name)
        raise
    return document


def vault_document_decrypt(document: VaultDocument) -> bytes:
    """The content of a live document, with no access check and no log row: for this
    module's readers (vault_document_open, vault_export) and tests only."""
    if document.deleted_at is not None:
        raise errors.VaultDocumentDeleted()
    associated, key_associated = _associated(document)
    return crypto.envelope_open(
        ciphertext=storage.blob_read(document.blob_name),
        envelope=_envelope(document),
        associated=associated,
        key_associated=key_associated,
    )


def vault_document_open(
    *,
    document: VaultDocument,
    actor_user: Any | None = None,
    actor_client: OidcClient | None = None,
    action: str = VaultAction.VIEW,
) -> bytes:
    """The document's content for its owner (`actor_user`) or a service holding a live
    share (`actor_client`): access check, then the log row (committed even if decrypting
    fails afterwards: the attempt is what the owner must see), then decrypt."""
    if action not in READ_ACTIONS:
        raise ValueError(f"not a read action: {action!r}")
    now = timezone.now()
    access_vault_document_read(
        document=document, actor_user=actor_user, actor_client=actor_client, now=now
    )
    with transaction.atomic():
        vault_access_record(
            document=document,
            action=action,
            actor_user=actor_user,
            actor_client=actor_client,
            at=now,
        )
    return vault_document_decrypt(document)


def vault_blob_seal(*, data: bytes, associated: bytes) -> bytes:
    """`data` encrypted under a fresh data key wrapped by the current vault key, in one
    self-describing blob bound to `associated` (format in identity.vault.crypto): for
    what other parts keep in a column or a file (a signing session's prepared PDF, a bid).
    Choose `associated` to name the row it belongs to, so a blob moved elsewhere fails."""
    return crypto.blob_seal(data=data, associated=associated)


def vault_blob_open(*, blob: bytes, associated: bytes) -> bytes:
    """What vault_blob_seal sealed with the same `associated`; VaultDecryptionFailed,
    VaultKeyUnknown or VaultBlobMalformed otherwise (all VaultError)."""
    return crypto.blob_open(blob=blob, associated=associated)


def vault_blob_rewrap(*, blob: bytes, associated: bytes) -> bytes:
    """The same blob with its data key wrapped by the current vault key (content bytes
    untouched); `crypto.blob_kek_id(blob)` says whether it needs it."""
    return crypto.blob_rewrap(blob=blob, associated=associated)
