"""The vault's envelope encryption (ADR 0011, decision 8), with no database access.

Every document, and every blob another part keeps (`vault_blob_seal`), is AES-256-GCM under
a data key of its own: 32 random bytes, a 12-byte random nonce. The data key is wrapped with
AES-256-GCM under a vault key — the first of settings.VAULT_KEYS (32 bytes, url-safe base64)
— with a 12-byte random nonce of its own. `kek_id`, first 8 hex of SHA-256 of the vault key's
32 raw bytes, names the key that wraps; any key of VAULT_KEYS unwraps, so a new key goes
first, `vault_keys rewrap` moves every row to it, and the old key is dropped afterwards.

Associated data, so that a ciphertext or a wrapped key moved to another row does not open:

    document content   b"uniqc-vault:1|" + D + b"|" + O
    document data key  b"uniqc-vault-key:1|" + D + b"|" + O

where D is the document's `public_id` and O its owner's `public_id`, each as the 36 ASCII
characters of the lowercase hyphenated UUID (`str(uuid)`), for example
`b"uniqc-vault:1|0b6f5c1e-8d1c-4c43-9a43-4f4f5e0c9d11|7f0c…"`. A blob's caller gives its own
associated data A (say b"signing-session:" + uuid); the envelope adds its prefix:

    blob content       b"uniqc-vault-blob:1|" + A
    blob data key      b"uniqc-vault-blob-key:1|" + A

A blob is one self-describing byte string (all lengths fixed but the last):

    offset  size  field
    0       4     magic b"UVB" + version byte 0x01
    4       8     kek_id, ASCII hex
    12      12    nonce of the key wrap
    24      48    wrapped data key (32 bytes + 16-byte GCM tag)
    72      12    nonce of the content
    84      n+16  content ciphertext with its GCM tag

docs/vault.md gives test vectors (checked by identity/tests/vault/test_vectors.py).
"""

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from identity.vault import errors

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
WRAPPED_KEY_BYTES = KEY_BYTES + TAG_BYTES
KEK_ID_CHARS = 8

BLOB_MAGIC = b"UVB\x01"
BLOB_HEADER_BYTES = len(BLOB_MAGIC) + KEK_ID_CHARS + NONCE_BYTES + WRAPPED_KEY_BYTES + NONCE_BYTES

DOCUMENT_CONTENT_PREFIX = b"uniqc-vault:1|"
DOCUMENT_KEY_PREFIX = b"uniqc-vault-key:1|"
BLOB_CONTENT_PREFIX = b"uniqc-vault-blob:1|"
BLOB_KEY_PREFIX = b"uniqc-vault-blob-key:1|"


@dataclass(frozen=True)
class VaultKey:
    kek_id: str
    key: bytes


@dataclass(frozen=True)
class Envelope:
    """What a sealed document keeps apart from its ciphertext: the wrapped data key, the
    nonce of the wrap, the content nonce and the id of the vault key that wraps."""

    kek_id: str
    data_key_wrapped: bytes
    data_key_nonce: bytes
    nonce: bytes


def kek_id_of(key: bytes) -> str:
    """The id a vault key goes by: first 8 hex of SHA-256 of its 32 raw bytes."""
    return hashlib.sha256(key).hexdigest()[:KEK_ID_CHARS]


def _key_decode(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.encode("ascii"))
    except (ValueError, binascii.Error) as error:
        raise ImproperlyConfigured("VAULT_KEYS: each key is 32 base64 bytes.") from error
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured("VAULT_KEYS: each key is 32 base64 bytes.")
    return key


def vault_keys() -> list[VaultKey]:
    """settings.VAULT_KEYS decoded, the current (wrapping) key first."""
    if not settings.VAULT_KEYS:
        raise ImproperlyConfigured("VAULT_KEYS is not set.")
    keys = []
    for text in settings.VAULT_KEYS:
        key = _key_decode(text)
        keys.append(VaultKey(kek_id=kek_id_of(key), key=key))
    return keys


def vault_key_current() -> VaultKey:
    """The key new data keys are wrapped with."""
    return vault_keys()[0]


def vault_key_by_id(kek_id: str) -> VaultKey:
    """The key of VAULT_KEYS named `kek_id`; VaultKeyUnknown if it is not (or no longer)
    configured."""
    for key in vault_keys():
        if key.kek_id == kek_id:
            return key
    raise errors.VaultKeyUnknown(kek_id=kek_id)


def document_associated_data(*, document_public_id: UUID, owner_public_id: UUID) -> bytes:
    """The associated data of a document's content (module docstring)."""
    return (
        DOCUMENT_CONTENT_PREFIX
        + str(document_public_id).encode("ascii")
        + b"|"
        + str(owner_public_id).encode("ascii")
    )


def _wrap(*, data_key: bytes, associated: bytes, key: VaultKey) -> tuple[bytes, bytes]:
    nonce = os.urandom(NONCE_BYTES)
    return AESGCM(key.key).encrypt(nonce, data_key, associated), nonce


def _unwrap(*, wrapped: bytes, nonce: bytes, associated: bytes, kek_id: str) -> bytes:
    key = vault_key_by_id(kek_id)
    try:
        return AESGCM(key.key).decrypt(nonce, wrapped, associated)
    except InvalidTag:
        raise errors.VaultDecryptionFailed() from None


def envelope_seal(
    *, data: bytes, associated: bytes, key_associated: bytes
) -> tuple[bytes, Envelope]:
    """Encrypt `data` under a fresh data key wrapped by the current vault key; the
    ciphertext (with its tag) and what opens it."""
    key = vault_key_current()
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(data_key).encrypt(nonce, data, associated)
    wrapped, wrap_nonce = _wrap(data_key=data_key, associated=key_associated, key=key)
    envelope = Envelope(
        kek_id=key.kek_id, data_key_wrapped=wrapped, data_key_nonce=wrap_nonce, nonce=nonce
    )
    return ciphertext, envelope


def envelope_open(
    *, ciphertext: bytes, envelope: Envelope, associated: bytes, key_associated: bytes
) -> bytes:
    """The plaintext; VaultKeyUnknown or VaultDecryptionFailed (a changed or moved ciphertext,
    wrong associated data) otherwise."""
    data_key = _unwrap(
        wrapped=envelope.data_key_wrapped,
        nonce=envelope.data_key_nonce,
        associated=key_associated,
        kek_id=envelope.kek_id,
    )
    try:
        return AESGCM(data_key).decrypt(envelope.nonce, ciphertext, associated)
    except InvalidTag:
        raise errors.VaultDecryptionFailed() from None


def envelope_rewrap(*, envelope: Envelope, key_associated: bytes) -> Envelope:
    """The same data key, wrapped by the current vault key (content untouched)."""
    data_key = _unwrap(
        wrapped=envelope.data_key_wrapped,
        nonce=envelope.data_key_nonce,
        associated=key_associated,
        kek_id=envelope.kek_id,
    )
    key = vault_key_current()
    wrapped, wrap_nonce = _wrap(data_key=data_key, associated=key_associated, key=key)
    return Envelope(
        kek_id=key.kek_id, data_key_wrapped=wrapped, data_key_nonce=wrap_nonce, nonce=envelope.nonce
    )


def document_key_associated_data(*, document_public_id: UUID, owner_public_id: UUID) -> bytes:
    """The associated data of a document's wrapped data key (module docstring)."""
    return (
        DOCUMENT_KEY_PREFIX
        + str(document_public_id).encode("ascii")
        + b"|"
        + str(owner_public_id).encode("ascii")
    )


def blob_seal(*, data: bytes, associated: bytes) -> bytes:
    """`data` in one self-describing blob (module docstring), bound to `associated`."""
    ciphertext, envelope = envelope_seal(
        data=data,
        associated=BLOB_CONTENT_PREFIX + associated,
        key_associated=BLOB_KEY_PREFIX + associated,
    )
    return _blob_join(envelope, ciphertext)


def _blob_join(envelope: Envelope, ciphertext: bytes) -> bytes:
    return b"".join(
        (
            BLOB_MAGIC,
            envelope.kek_id.encode("ascii"),
            envelope.data_key_nonce,
            envelope.data_key_wrapped,
            envelope.nonce,
            ciphertext,
        )
    )


def _blob_split(blob: bytes) -> tuple[Envelope, bytes]:
    if len(blob) < BLOB_HEADER_BYTES + TAG_BYTES:
        raise errors.VaultBlobMalformed()
    if blob[:4] != BLOB_MAGIC:
        raise errors.VaultBlobMalformed()
    at = 4
    try:
        kek_id = blob[at : at + KEK_ID_CHARS].decode("ascii")
    except UnicodeDecodeError:
        raise errors.VaultBlobMalformed() from None
    at += KEK_ID_CHARS
    wrap_nonce = blob[at : at + NONCE_BYTES]
    at += NONCE_BYTES
    wrapped = blob[at : at + WRAPPED_KEY_BYTES]
    at += WRAPPED_KEY_BYTES
    nonce = blob[at : at + NONCE_BYTES]
    at += NONCE_BYTES
    envelope = Envelope(
        kek_id=kek_id, data_key_wrapped=wrapped, data_key_nonce=wrap_nonce, nonce=nonce
    )
    return envelope, blob[at:]


def blob_open(*, blob: bytes, associated: bytes) -> bytes:
    """What `blob_seal(data=…, associated=associated)` sealed; VaultBlobMalformed,
    VaultKeyUnknown or VaultDecryptionFailed otherwise."""
    envelope, ciphertext = _blob_split(blob)
    return envelope_open(
        ciphertext=ciphertext,
        envelope=envelope,
        associated=BLOB_CONTENT_PREFIX + associated,
        key_associated=BLOB_KEY_PREFIX + associated,
    )


def blob_kek_id(blob: bytes) -> str:
    """The id of the vault key that wraps the blob's data key."""
    return _blob_split(blob)[0].kek_id


def blob_rewrap(*, blob: bytes, associated: bytes) -> bytes:
    """The blob with its data key wrapped by the current vault key; content bytes unchanged.
    For parts that keep long-lived blobs (bid files) and rotate with `vault_keys`."""
    envelope, ciphertext = _blob_split(blob)
    return _blob_join(
        envelope_rewrap(envelope=envelope, key_associated=BLOB_KEY_PREFIX + associated),
        ciphertext,
    )
