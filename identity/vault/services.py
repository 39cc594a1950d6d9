"""Every write to the vault, and reading a document (which writes its log row first).

A document's content is encrypted by identity.vault.crypto (envelope, associated data and
blob format in its docstring) into a file under VAULT_ROOT (identity.vault.storage); its row
keeps the metadata and the wrapped data key. Every deposit, read, share, unshare, deletion,
export and key rotation writes a VaultAccess row the owner sees on /coffre/journal/.
"""

import datetime
import hashlib
import io
import json
import mimetypes
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from identity.audit import audit_record
from identity.models import (
    VAULT_SHARE_MAX_DAYS,
    OidcClaimRelease,
    OidcClient,
    User,
    VaultAccess,
    VaultAction,
    VaultActorKind,
    VaultDocument,
    VaultShare,
)
from identity.vault import crypto, errors, lock_objects, storage
from identity.vault.selectors import (
    access_vault_document_manage,
    access_vault_document_read,
    access_vault_share_revoke,
    access_vault_share_to,
    vault_documents_of,
)

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


def _document_decrypt(document: VaultDocument) -> bytes:
    """The content of a live document, with no access check and no log row: only for
    vault_document_open and vault_export, which check and log first."""
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
    # Decided on the row as it is now, not as the caller loaded it (deleted since?).
    document = VaultDocument.objects.select_related("owner").get(pk=document.pk)
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
    return _document_decrypt(document)


def vault_document_release(
    *, document: VaultDocument, client: OidcClient, detail: dict[str, Any]
) -> bytes:
    """The content of a document that another part's own rule hands to `client` with no
    share: the signed document of the service's own signature request (identity.signing,
    whose access rule the caller has applied). Logged as that service's download, with
    `detail` naming the rule's object, before decrypting; a deleted document is refused."""
    document = VaultDocument.objects.select_related("owner").get(pk=document.pk)
    if document.deleted_at is not None:
        raise errors.VaultDocumentDeleted()
    with transaction.atomic():
        vault_access_record(
            document=document, action=VaultAction.DOWNLOAD, actor_client=client, detail=detail
        )
    return _document_decrypt(document)


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


# --- Sharing -------------------------------------------------------------------------

# The claim a share is recorded under in the person's release log (Connected services).
SHARED_DOCUMENT_CLAIM = "shared_document"


@transaction.atomic
def vault_share_grant(
    *,
    document: VaultDocument,
    client: OidcClient,
    expires_at: datetime.datetime,
    acting_user: Any,
    release_claim: str = SHARED_DOCUMENT_CLAIM,
) -> VaultShare:
    """Let `client` read `document` until `expires_at` (in the future, at most
    VAULT_SHARE_MAX_DAYS away), by its owner's choice, with a service they are connected
    to. Recorded three times: the vault's log, the release log of Connected services
    (`claims = [release_claim]`, `detail = {"document": uuid}`; signing passes
    "signed_document") and the audit trail."""
    document = lock_objects.vault_document_lock(document_id=document.pk)
    access_vault_document_manage(document=document, acting_user=acting_user)
    access_vault_share_to(owner=document.owner, client=client)
    now = timezone.now()
    if expires_at <= now:
        raise errors.VaultShareInPast()
    if expires_at > now + datetime.timedelta(days=VAULT_SHARE_MAX_DAYS):
        raise errors.VaultShareTooLong(days=VAULT_SHARE_MAX_DAYS)
    share = VaultShare(
        document=document,
        client=client,
        granted_at=now,
        expires_at=expires_at,
        acting_user=acting_user,
    )
    share.full_clean()
    share.save()
    detail = {
        "document": str(document.public_id),
        "expires_at": expires_at.isoformat(),
    }
    release = OidcClaimRelease(
        user=document.owner, client=client, claims=[release_claim], detail=detail, released_at=now
    )
    release.full_clean()
    release.save()
    vault_access_record(
        document=document,
        action=VaultAction.SHARE,
        actor_user=acting_user,
        at=now,
        detail={
            "share": share.pk,
            "client": client.client_id,
            "client_name": client.name,
            "expires_at": expires_at.isoformat(),
        },
    )
    audit_record(
        acting_user=acting_user,
        action="vault.share_grant",
        target=share,
        subject_user=document.owner,
        detail={"document": str(document.public_id), "client": client.client_id, **detail},
    )
    return share


@transaction.atomic
def vault_share_revoke(*, share: VaultShare, acting_user: Any) -> VaultShare:
    """End `share` now; the service's next read is refused. Repeating it changes nothing."""
    lock_objects.vault_document_lock(document_id=share.document_id)
    share = lock_objects.vault_share_lock(share_id=share.pk)
    access_vault_share_revoke(share=share, acting_user=acting_user)
    if share.revoked_at is not None:
        return share
    share.revoked_at = timezone.now()
    share.save(update_fields=["revoked_at"])
    vault_access_record(
        document=share.document,
        action=VaultAction.UNSHARE,
        actor_user=acting_user,
        at=share.revoked_at,
        detail={
            "share": share.pk,
            "client": share.client.client_id,
            "client_name": share.client.name,
        },
    )
    audit_record(
        acting_user=acting_user,
        action="vault.share_revoke",
        target=share,
        subject_user=share.document.owner,
        detail={"document": str(share.document.public_id), "client": share.client.client_id},
    )
    return share


# --- Deleting ------------------------------------------------------------------------


@transaction.atomic
def vault_document_delete(*, document: VaultDocument, acting_user: Any) -> VaultDocument:
    """Erase the document's wrapped key now and its file once the transaction commits,
    ending its shares; the row stays as a tombstone for the log. Refused before
    `keep_until` (vault_retention). Deleting a deleted document changes nothing.

    Crypto-shredding: without the wrapped key the file opens nothing, so a file that
    outlives the row (a crash before the erase, a file backup) is harmless; database
    backups keep the wrapped key until they expire (the privacy notice says so)."""
    document = lock_objects.vault_document_lock(document_id=document.pk)
    if document.deleted_at is not None and document.owner_id == getattr(acting_user, "pk", None):
        return document
    access_vault_document_manage(document=document, acting_user=acting_user)
    now = timezone.now()
    if document.keep_until is not None and now < document.keep_until:
        raise errors.VaultRetention(keep_until=document.keep_until)
    blob_name = document.blob_name
    document.deleted_at = now
    document.blob_name = ""
    document.kek_id = ""
    document.data_key_wrapped = None
    document.data_key_nonce = None
    document.nonce = None
    document.full_clean()
    document.save(
        update_fields=[
            "deleted_at",
            "blob_name",
            "kek_id",
            "data_key_wrapped",
            "data_key_nonce",
            "nonce",
        ]
    )
    shares_ended = VaultShare.objects.filter(
        document=document, revoked_at__isnull=True, expires_at__gt=now
    ).update(revoked_at=now)
    vault_access_record(
        document=document,
        action=VaultAction.DELETE,
        actor_user=acting_user,
        at=now,
        detail={"shares_ended": shares_ended},
    )
    audit_record(
        acting_user=acting_user,
        action="vault.document_delete",
        target=document,
        subject_user=document.owner,
        detail={"document": str(document.public_id), "shares_ended": shares_ended},
    )
    transaction.on_commit(lambda: storage.blob_erase(blob_name))
    return document


# --- Export --------------------------------------------------------------------------

EXPORT_CHUNK_BYTES = 1024 * 1024


class _ZipSink(io.RawIOBase):
    """Where zipfile writes; what it wrote is taken out in pieces, never kept whole."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _export_name(document: VaultDocument, taken: set[str]) -> str:
    extension = mimetypes.guess_extension(document.content_type) or ".bin"
    stem = slugify(document.title)[:60] or "document"
    created = timezone.localtime(document.created_at)
    name = f"{document.kind}/{created:%Y-%m-%d}-{stem}-{document.public_id.hex[:8]}{extension}"
    taken.add(name)
    return name


def _export_stream(documents: list[VaultDocument]) -> Iterator[bytes]:
    sink = _ZipSink()
    manifest = []
    taken: set[str] = set()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for document in documents:
            content = _document_decrypt(document)
            name = _export_name(document, taken)
            info = zipfile.ZipInfo(
                name, date_time=timezone.localtime(document.created_at).timetuple()[:6]
            )
            with archive.open(info, mode="w", force_zip64=True) as entry:
                for offset in range(0, len(content), EXPORT_CHUNK_BYTES):
                    entry.write(content[offset : offset + EXPORT_CHUNK_BYTES])
                    yield sink.drain()
            manifest.append(
                {
                    "file": name,
                    "id": str(document.public_id),
                    "kind": document.kind,
                    "title": document.title,
                    "content_type": document.content_type,
                    "size": document.size,
                    "sha256": document.sha256,
                    "created_at": document.created_at.isoformat(),
                    "source": document.source_client.name
                    if document.source_client
                    else document.source_app,
                    "keep_until": document.keep_until.isoformat() if document.keep_until else None,
                }
            )
            yield sink.drain()
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    yield sink.drain()


def vault_export(*, owner: User) -> Iterator[bytes]:
    """Every live document of `owner` as a zip (one folder per kind, and manifest.json),
    produced piece by piece as it is sent: never written to disk, one document in memory
    at a time. Each document's log gets an `export` row, written before the first byte
    (a download cut short was still an export)."""
    documents = list(vault_documents_of(owner=owner).select_related("owner"))
    now = timezone.now()
    export_id = uuid.uuid4().hex
    with transaction.atomic():
        for document in documents:
            access_vault_document_read(
                document=document, actor_user=owner, actor_client=None, now=now
            )
            vault_access_record(
                document=document,
                action=VaultAction.EXPORT,
                actor_user=owner,
                at=now,
                detail={"export": export_id, "documents": len(documents)},
            )
    return _export_stream(documents)


# --- Key rotation --------------------------------------------------------------------

REWRAP_BATCH = 500


def _wrapped_keys_write(documents: list[VaultDocument]) -> None:
    # One statement run for every row (psycopg pipelines it): bulk_update's CASE WHEN
    # over 500 rows costs more to build than the rows cost to write.
    if not documents:
        return
    meta = VaultDocument._meta
    table = connection.ops.quote_name(meta.db_table)
    columns = [
        connection.ops.quote_name(meta.get_field(name).column)
        for name in ("kek_id", "data_key_wrapped", "data_key_nonce")
    ]
    assignments = ", ".join(f"{column} = %s" for column in columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608 - names from _meta
            [
                (
                    document.kek_id,
                    bytes(document.data_key_wrapped),
                    bytes(document.data_key_nonce),
                    document.pk,
                )
                for document in documents
            ],
        )


def vault_keys_rewrap(*, batch: int = REWRAP_BATCH) -> int:
    """Wrap every live document's data key with the current vault key (the first of
    VAULT_KEYS), `batch` rows per transaction, files untouched; the number rewrapped.

    Each document gets one `rewrap` row (actor: the system) so its own history is whole;
    the person's journal folds a rotation's rows into one line (views.vault_log), since a
    rewrap never decrypts the content nor changes who may read it. A row whose key is no
    longer configured stops the run with VaultKeyUnknown; rows another transaction holds
    are left for the next run (`vault_keys status` shows them)."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    current = crypto.vault_key_current()
    run = uuid.uuid4().hex
    rewrapped = 0
    after = 0
    while True:
        ids = list(
            VaultDocument.objects.filter(deleted_at__isnull=True, pk__gt=after)
            .exclude(kek_id=current.kek_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return rewrapped
        after = ids[-1]
        now = timezone.now()
        with transaction.atomic():
            changed, logged = [], []
            for document in lock_objects.vault_documents_lock_for_rewrap(ids=ids):
                if document.deleted_at is not None or document.kek_id == current.kek_id:
                    continue
                previous = document.kek_id
                _associated_data, key_associated = _associated(document)
                envelope = crypto.envelope_rewrap(
                    envelope=_envelope(document), key_associated=key_associated
                )
                document.kek_id = envelope.kek_id
                document.data_key_wrapped = envelope.data_key_wrapped
                document.data_key_nonce = envelope.data_key_nonce
                changed.append(document)
                logged.append(
                    VaultAccess(
                        document=document,
                        owner_id=document.owner_id,
                        actor_kind=VaultActorKind.SYSTEM,
                        action=VaultAction.REWRAP,
                        at=now,
                        detail={"from": previous, "to": current.kek_id, "run": run},
                    )
                )
            _wrapped_keys_write(changed)
            # Appended in one statement: a rotation touches every row of the vault.
            VaultAccess.objects.bulk_create(logged)
            rewrapped += len(changed)
