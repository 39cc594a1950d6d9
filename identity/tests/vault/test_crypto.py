"""The vault's envelope: no plaintext at rest, bound to its row, keys named and rotated."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ValidationError
from django.db import connection

from identity.models import VaultAccess, VaultAction, VaultActorKind, VaultDocument
from identity.tests.vault.conftest import MARKER
from identity.vault import crypto, errors, storage
from identity.vault.services import _document_decrypt as decrypt
from identity.vault.services import (
    vault_blob_open,
    vault_blob_rewrap,
    vault_blob_seal,
    vault_document_deposit,
    vault_document_open,
)

OTHER_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()


def test_deposit_then_open_gives_the_content_back_and_logs_both(alice, deposit, settings):
    content = b"%PDF-1.7 statement " + MARKER
    document = deposit(content=content)
    assert vault_document_open(document=document, actor_user=alice) == content
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.kek_id == crypto.kek_id_of(base64.urlsafe_b64decode(settings.VAULT_KEYS[0]))
    actions = list(
        VaultAccess.objects.filter(document=document)
        .order_by("id")
        .values_list("action", "actor_kind")
    )
    assert actions == [
        (VaultAction.DEPOSIT, VaultActorKind.SYSTEM),
        (VaultAction.VIEW, VaultActorKind.OWNER),
    ]


def test_the_file_and_the_row_hold_no_plaintext(deposit, vault_root):
    document = deposit(content=b"header " + MARKER * 50 + b" trailer")
    files = [path for path in vault_root.rglob("*") if path.is_file()]
    assert [path.relative_to(vault_root).as_posix() for path in files] == [document.blob_name]
    on_disk = files[0].read_bytes()
    assert MARKER not in on_disk
    assert MARKER.hex().encode() not in on_disk
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM identity_vaultdocument WHERE id = %s", [document.pk])
        row = cursor.fetchone()
    for value in row:
        raw = bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
        assert MARKER not in raw
        assert MARKER.hex().encode() not in raw
    assert files[0].stat().st_mode & 0o077 == 0


def test_the_file_is_not_under_media_root(deposit, settings, vault_root):
    document = deposit()
    path = (vault_root / document.blob_name).resolve()
    assert not path.is_relative_to(settings.MEDIA_ROOT.resolve())
    # A random name: neither the owner, the title nor the public id.
    assert str(document.public_id) not in document.blob_name
    assert "alice" not in document.blob_name


def test_two_documents_with_swapped_files_fail_to_open(alice, deposit, vault_root):
    first = deposit(content=b"first " + MARKER)
    second = deposit(content=b"second " + MARKER)
    first_path, second_path = vault_root / first.blob_name, vault_root / second.blob_name
    first_bytes, second_bytes = first_path.read_bytes(), second_path.read_bytes()
    first_path.write_bytes(second_bytes)
    second_path.write_bytes(first_bytes)
    with pytest.raises(errors.VaultDecryptionFailed):
        vault_document_open(document=first, actor_user=alice)
    with pytest.raises(errors.VaultDecryptionFailed):
        vault_document_open(document=second, actor_user=alice)


def test_a_wrapped_key_moved_to_another_row_fails_to_open(alice, deposit):
    first = deposit(content=b"first")
    second = deposit(content=b"second")
    VaultDocument.objects.filter(pk=second.pk).update(
        data_key_wrapped=first.data_key_wrapped, data_key_nonce=first.data_key_nonce
    )
    second.refresh_from_db()
    with pytest.raises(errors.VaultDecryptionFailed):
        decrypt(second)


def test_a_changed_byte_fails_to_open(alice, deposit, vault_root):
    document = deposit()
    path = vault_root / document.blob_name
    data = bytearray(path.read_bytes())
    data[3] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(errors.VaultDecryptionFailed):
        decrypt(document)


def test_a_key_id_not_configured_fails_clearly(alice, deposit, settings):
    document = deposit()
    settings.VAULT_KEYS = [OTHER_KEY]
    with pytest.raises(errors.VaultKeyUnknown) as refused:
        decrypt(document)
    assert refused.value.kek_id == document.kek_id
    assert document.kek_id in str(refused.value)
    assert refused.value.code == "vault_key_unknown"


def test_any_configured_key_opens_and_the_first_wraps(alice, deposit, settings):
    old = deposit(content=b"old")
    settings.VAULT_KEYS = [OTHER_KEY, *settings.VAULT_KEYS]
    new = deposit(content=b"new")
    assert new.kek_id == crypto.kek_id_of(b"k" * 32) != old.kek_id
    assert decrypt(old) == b"old"
    assert decrypt(new) == b"new"


def test_too_large_is_refused_and_leaves_no_file(alice, settings, vault_root):
    settings.VAULT_DOCUMENT_MAX_BYTES = 10
    with pytest.raises(errors.VaultDocumentTooLarge):
        vault_document_deposit(
            owner=alice, kind="receipt", title="t", content=b"x" * 11, content_type="text/plain"
        )
    assert not VaultDocument.objects.exists()
    assert not vault_root.exists() or not any(p.is_file() for p in vault_root.rglob("*"))


def test_a_refused_row_leaves_no_file(alice, vault_root):
    with pytest.raises(ValidationError):
        vault_document_deposit(
            owner=alice, kind="no-such-kind", title="t", content=b"x", content_type="text/plain"
        )
    assert not any(p.is_file() for p in vault_root.rglob("*"))


def test_a_deleted_files_document_answers_deleted(alice, deposit, vault_root):
    document = deposit()
    storage.blob_erase(document.blob_name)
    with pytest.raises(errors.VaultDocumentDeleted):
        decrypt(document)


def test_a_bad_blob_name_never_leaves_the_root():
    with pytest.raises(errors.VaultBlobMalformed):
        storage.blob_read("../../etc/passwd")


# --- Blobs ---------------------------------------------------------------------------


def test_blob_round_trip_and_bound_to_its_associated_data():
    blob = vault_blob_seal(data=MARKER, associated=b"signing-session:1")
    assert MARKER not in blob
    assert blob[:4] == b"UVB\x01"
    assert len(blob) == crypto.BLOB_HEADER_BYTES + len(MARKER) + 16
    assert vault_blob_open(blob=blob, associated=b"signing-session:1") == MARKER
    with pytest.raises(errors.VaultDecryptionFailed):
        vault_blob_open(blob=blob, associated=b"signing-session:2")


def test_blob_refuses_garbage_and_unknown_keys(settings):
    with pytest.raises(errors.VaultBlobMalformed):
        vault_blob_open(blob=b"UVB\x02" + bytes(200), associated=b"a")
    with pytest.raises(errors.VaultBlobMalformed):
        vault_blob_open(blob=b"short", associated=b"a")
    blob = vault_blob_seal(data=b"x", associated=b"a")
    settings.VAULT_KEYS = [OTHER_KEY]
    with pytest.raises(errors.VaultKeyUnknown):
        vault_blob_open(blob=blob, associated=b"a")


def test_blob_rewrap_moves_to_the_first_key_and_keeps_the_content(settings):
    blob = vault_blob_seal(data=b"bid", associated=b"bid:9")
    settings.VAULT_KEYS = [OTHER_KEY, *settings.VAULT_KEYS]
    rewrapped = vault_blob_rewrap(blob=blob, associated=b"bid:9")
    assert crypto.blob_kek_id(rewrapped) == crypto.kek_id_of(b"k" * 32)
    assert rewrapped[crypto.BLOB_HEADER_BYTES :] == blob[crypto.BLOB_HEADER_BYTES :]
    settings.VAULT_KEYS = [OTHER_KEY]
    assert vault_blob_open(blob=rewrapped, associated=b"bid:9") == b"bid"


def test_blob_vector_opens_with_bare_aesgcm(settings):
    """The documented layout, checked by decoding a blob with nothing but AESGCM: what a
    counterpart that reads only identity/vault/crypto.py's docstring would write."""
    key = base64.urlsafe_b64decode(settings.VAULT_KEYS[0])
    blob = vault_blob_seal(data=b"hello", associated=b"A")
    assert blob[4:12].decode() == hashlib.sha256(key).hexdigest()[:8]
    wrap_nonce, wrapped, nonce, ciphertext = blob[12:24], blob[24:72], blob[72:84], blob[84:]
    data_key = AESGCM(key).decrypt(wrap_nonce, wrapped, b"uniqc-vault-blob-key:1|A")
    assert AESGCM(data_key).decrypt(nonce, ciphertext, b"uniqc-vault-blob:1|A") == b"hello"


def test_document_vector_opens_with_bare_aesgcm(alice, deposit, vault_root, settings):
    key = base64.urlsafe_b64decode(settings.VAULT_KEYS[0])
    document = deposit(content=b"hello")
    ids = f"{document.public_id}|{alice.public_id}".encode()
    data_key = AESGCM(key).decrypt(
        bytes(document.data_key_nonce),
        bytes(document.data_key_wrapped),
        b"uniqc-vault-key:1|" + ids,
    )
    ciphertext = (vault_root / document.blob_name).read_bytes()
    assert (
        AESGCM(data_key).decrypt(bytes(document.nonce), ciphertext, b"uniqc-vault:1|" + ids)
        == b"hello"
    )
