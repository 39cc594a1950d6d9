"""The bids' ciphertexts at rest: files under VAULT_ROOT/tenders (never under MEDIA_ROOT),
each sealed again by the vault's envelope (identity.vault.services.vault_blob_seal) bound to
the call and the file's name, so a file moved to another bid or call does not open.

A bid is already encrypted to the call's key; the second layer keeps a stolen disk from
giving away the ciphertexts before the deadline (the ADR's risk: t officials colluding with
a database thief)."""

import os
import re
import secrets
from pathlib import Path

from django.conf import settings

from identity.vault.services import vault_blob_open, vault_blob_seal

_NAME = re.compile(r"\Atenders/[0-9a-f]{2}/[0-9a-f]{40}\Z")


def _path(name: str) -> Path:
    if not _NAME.fullmatch(name):
        raise ValueError("not a bid file name")
    return Path(settings.VAULT_ROOT) / name


def _associated(call_public_id: str, name: str) -> bytes:
    return f"uniqc-tender-bid:1|{call_public_id}|{name}".encode()


def bid_file_write(*, call_public_id: str, ciphertext: bytes) -> str:
    """Seal and store a bid's ciphertext under a new random name; answers the name."""
    token = secrets.token_hex(20)
    name = f"tenders/{token[:2]}/{token}"
    path = _path(name)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    blob = vault_blob_seal(data=ciphertext, associated=_associated(call_public_id, name))
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(blob)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return name


def bid_file_read(*, call_public_id: str, name: str) -> bytes:
    """The bid's ciphertext (as the supplier sent it)."""
    blob = _path(name).read_bytes()
    return vault_blob_open(blob=blob, associated=_associated(call_public_id, name))


def bid_file_erase(name: str) -> None:
    """Remove a file no row points to (a bid refused after its file was written)."""
    _path(name).unlink(missing_ok=True)
