"""The vault's files: ciphertexts under settings.VAULT_ROOT, never under MEDIA_ROOT.

Names are random (no owner, title or date in them), two hex characters of directory then
forty; a file is written to a temporary name in its directory, flushed to disk and renamed,
so a reader never sees half a file. Files and directories are private to the process's user.
"""

import os
import re
import secrets
from pathlib import Path

from django.conf import settings

from identity.vault import errors

_NAME = re.compile(r"\A[0-9a-f]{2}/[0-9a-f]{40}\Z")


def _path(name: str) -> Path:
    # Names come from our own rows; the pattern still keeps a bad one from leaving the root.
    if not _NAME.fullmatch(name):
        raise errors.VaultBlobMalformed()
    return Path(settings.VAULT_ROOT) / name


def blob_name_new() -> str:
    token = secrets.token_hex(20)
    return f"{token[:2]}/{token}"


def blob_write(data: bytes) -> str:
    """Store `data` under a new random name, atomically; the name."""
    name = blob_name_new()
    path = _path(name)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return name


def blob_read(name: str) -> bytes:
    """The bytes stored under `name`; VaultDocumentDeleted if the file is gone."""
    try:
        return _path(name).read_bytes()
    except FileNotFoundError:
        raise errors.VaultDocumentDeleted() from None


def blob_erase(name: str) -> None:
    """Remove the file under `name`, if it is there."""
    _path(name).unlink(missing_ok=True)
