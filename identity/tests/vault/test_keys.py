"""Rotating the vault key: `vault_keys status` and `vault_keys rewrap`."""

import base64
import io

import pytest
from django.core.management import CommandError, call_command

from identity.models import VaultAccess, VaultAction, VaultDocument
from identity.vault import crypto, errors, storage
from identity.vault.services import (
    vault_blob_open,
    vault_blob_seal,
    vault_document_delete,
    vault_document_open,
)

NEW_KEY = base64.urlsafe_b64encode(b"n" * 32).decode()
NEW_ID = crypto.kek_id_of(b"n" * 32)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("vault_keys", *args, stdout=out)
    return out.getvalue()


def test_status_counts_live_documents_per_key(deposit, alice, settings):
    old_id = crypto.kek_id_of(base64.urlsafe_b64decode(settings.VAULT_KEYS[0]))
    assert run("status") == "no documents\n"
    deposit()
    deposit()
    vault_document_delete(document=deposit(), acting_user=alice)
    settings.VAULT_KEYS = [NEW_KEY, *settings.VAULT_KEYS]
    deposit()
    assert run("status").splitlines() == [f"{old_id} 2 old, configured", f"{NEW_ID} 1 current"]
    settings.VAULT_KEYS = [NEW_KEY]
    assert f"{old_id} 2 NOT CONFIGURED" in run("status")


def test_after_rewrap_with_the_old_key_removed_every_document_opens(
    deposit, alice, settings, vault_root
):
    contents = [f"document {number}".encode() for number in range(7)]
    documents = [deposit(content=content) for content in contents]
    files = {document.pk: (vault_root / document.blob_name).read_bytes() for document in documents}
    settings.VAULT_KEYS = [NEW_KEY, *settings.VAULT_KEYS]
    assert run("rewrap", "--batch", "3") == f"rewrapped 7 under {NEW_ID}\n"
    settings.VAULT_KEYS = [NEW_KEY]
    for document, content in zip(documents, contents, strict=True):
        document = VaultDocument.objects.select_related("owner").get(pk=document.pk)
        assert document.kek_id == NEW_ID
        # The files are untouched: only the wrapped key changed.
        assert (vault_root / document.blob_name).read_bytes() == files[document.pk]
        assert vault_document_open(document=document, actor_user=alice) == content
    assert run("rewrap") == f"rewrapped 0 under {NEW_ID}\n"
    assert run("status") == f"{NEW_ID} 7 current\n"


def test_rewrap_writes_one_row_per_document_as_the_system(deposit, settings):
    document = deposit()
    old_id = document.kek_id
    settings.VAULT_KEYS = [NEW_KEY, *settings.VAULT_KEYS]
    run("rewrap")
    row = VaultAccess.objects.get(document=document, action=VaultAction.REWRAP)
    assert row.actor_kind == "system"
    assert (row.detail["from"], row.detail["to"]) == (old_id, NEW_ID)


def test_rewrap_skips_deleted_documents(deposit, alice, settings):
    vault_document_delete(document=deposit(), acting_user=alice)
    settings.VAULT_KEYS = [NEW_KEY, *settings.VAULT_KEYS]
    assert run("rewrap").startswith("rewrapped 0")


def test_rewrap_with_a_key_already_dropped_stops_clearly(deposit, settings):
    document = deposit()
    settings.VAULT_KEYS = [NEW_KEY]
    with pytest.raises(CommandError, match=document.kek_id):
        run("rewrap")


def test_a_bad_batch_is_refused(settings):
    with pytest.raises(CommandError, match="--batch"):
        run("rewrap", "--batch", "0")


def test_a_rewrapped_row_still_refuses_a_swapped_file(deposit, alice, settings, vault_root):
    first, second = deposit(content=b"first"), deposit(content=b"second")
    settings.VAULT_KEYS = [NEW_KEY, *settings.VAULT_KEYS]
    run("rewrap")
    first = VaultDocument.objects.select_related("owner").get(pk=first.pk)
    second = VaultDocument.objects.get(pk=second.pk)
    storage_first = vault_root / first.blob_name
    storage_first.write_bytes(storage.blob_read(second.blob_name))
    with pytest.raises(errors.VaultDecryptionFailed):
        vault_document_open(document=first, actor_user=alice)


def test_blobs_sealed_before_a_rotation_open_while_the_old_key_is_kept(settings):
    blob = vault_blob_seal(data=b"prepared", associated=b"session:1")
    settings.VAULT_KEYS = [NEW_KEY, *settings.VAULT_KEYS]
    assert vault_blob_open(blob=blob, associated=b"session:1") == b"prepared"
