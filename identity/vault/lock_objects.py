"""The vault's row locks, the only place that calls select_for_update for its models."""

from django.db.models import QuerySet

from identity.models import VaultDocument, VaultShare


def vault_document_lock(*, document_id: int) -> VaultDocument:
    """Lock one document row and return it fresh."""
    return VaultDocument.objects.select_for_update().get(pk=document_id)


def vault_share_lock(*, share_id: int) -> VaultShare:
    """Lock one share row (after its document's, when both are locked) and return it fresh."""
    return VaultShare.objects.select_for_update().get(pk=share_id)


def vault_documents_lock_for_rewrap(*, ids: list[int]) -> QuerySet[VaultDocument]:
    """Lock a batch of documents in primary-key order; rows another transaction holds are
    skipped (the other transaction rewraps them, or a later run does). Only the documents
    are locked (`of=("self",)`), not their owners: a lock on the shared owner row would
    make a concurrent run skip documents nobody holds."""
    return (
        VaultDocument.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=ids)
        .select_related("owner")
        .order_by("pk")
    )
