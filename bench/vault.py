"""The vault's encryption on PostgreSQL, beside bare AES-GCM on the same bytes in the same
run. One process; the files go to a temporary directory on the local disk.

For documents of 64 KB, 1 MB and 10 MB, the median throughput (MB/s of content) of:
- bare AESGCM encrypt and decrypt of the bytes under one 32-byte key (the baseline);
- the envelope: a fresh data key, AES-GCM with the document's associated data, and the
  data key wrapped (or unwrapped) under the vault key (identity.vault.crypto);
- the envelope and the file: written to a temporary name, fsynced and renamed (or read);
- the services: vault_document_deposit (the envelope, the file, the document row and its
  deposit log row, full_clean included) and vault_document_open (the access check, the
  log row committed, the file read and decrypted).
Then vault_keys_rewrap over BENCH_VAULT_REWRAP_ROWS documents (rows per second).

Environment: BENCH_VAULT_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/uniqc_bench_vault, dropped and re-created),
BENCH_VAULT_REWRAP_ROWS (5,000), BENCH_RUNS (scales the repetitions, default 1). Never
fails on speed.

    python bench/vault.py
"""

import base64
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.postgres import database_recreate  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_VAULT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/uniqc_bench_vault"
)
REWRAP_ROWS = int(os.environ.get("BENCH_VAULT_REWRAP_ROWS", "5000"))
RUNS = int(os.environ.get("BENCH_RUNS", "1"))
MB = 1024 * 1024
# Size, and how many times each measure runs (the median is printed).
SIZES = ((64 * 1024, 200), (MB, 40), (10 * MB, 6))


def django_setup(vault_root: Path) -> None:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings

    from config.settings.base import TEST_VAULT_KEY

    settings.VAULT_KEYS = [TEST_VAULT_KEY]
    settings.VAULT_ROOT = vault_root
    settings.VAULT_DOCUMENT_MAX_BYTES = 11 * MB


def median_seconds(function: Callable[[], object], runs: int) -> float:
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def throughput(size: int, seconds: float) -> str:
    return f"{size / MB / seconds:9.1f}"


def main() -> None:
    database_recreate(DATABASE_URL)
    with tempfile.TemporaryDirectory(prefix="uniqc-bench-vault-") as directory:
        django_setup(Path(directory))
        run(Path(directory))


def size_row(size: int, runs: int, owner) -> tuple[dict[str, float], dict[str, float]]:
    """Median seconds to encrypt and to decrypt `size` bytes, at each of the four levels."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from identity.models import VaultDocument
    from identity.vault import crypto, storage
    from identity.vault.services import vault_document_deposit, vault_document_open

    content = os.urandom(size)
    key, nonce = AESGCM.generate_key(bit_length=256), os.urandom(12)
    ids = {"document_public_id": uuid.uuid4(), "owner_public_id": owner.public_id}
    associated = crypto.document_associated_data(**ids)
    key_associated = crypto.document_key_associated_data(**ids)
    bare = AESGCM(key)
    sealed = bare.encrypt(nonce, content, associated)
    ciphertext, envelope = crypto.envelope_seal(
        data=content, associated=associated, key_associated=key_associated
    )
    name = storage.blob_write(ciphertext)

    def seal() -> bytes:
        return crypto.envelope_seal(
            data=content, associated=associated, key_associated=key_associated
        )[0]

    def unseal(data: bytes) -> bytes:
        return crypto.envelope_open(
            ciphertext=data, envelope=envelope, associated=associated, key_associated=key_associated
        )

    def deposit() -> None:
        vault_document_deposit(
            owner=owner,
            kind="other",
            title="bench",
            content=content,
            content_type="application/octet-stream",
        )

    encrypt = {
        "AESGCM": median_seconds(lambda: bare.encrypt(nonce, content, associated), runs),
        "envelope": median_seconds(seal, runs),
        "file": median_seconds(lambda: storage.blob_erase(storage.blob_write(seal())), runs),
        "service": median_seconds(deposit, runs),
    }
    document = VaultDocument.objects.select_related("owner").latest("id")
    decrypt = {
        "AESGCM": median_seconds(lambda: bare.decrypt(nonce, sealed, associated), runs),
        "envelope": median_seconds(lambda: unseal(ciphertext), runs),
        "file": median_seconds(lambda: unseal(storage.blob_read(name)), runs),
        "service": median_seconds(
            lambda: vault_document_open(document=document, actor_user=owner), runs
        ),
    }
    storage.blob_erase(name)
    for blob_name in VaultDocument.objects.filter(size=size).values_list("blob_name", flat=True):
        storage.blob_erase(blob_name)
    return encrypt, decrypt


def run(vault_root: Path) -> None:
    from django.conf import settings
    from django.core.management import call_command

    from identity.models import VaultDocument
    from identity.services import user_create
    from identity.vault.services import vault_document_deposit, vault_keys_rewrap

    call_command("migrate", verbosity=0)
    owner = user_create(
        email="bench@example.com", password=None, given_name="Banc", family_name="Essai"
    )
    print(f"Vault throughput, MB/s of content (median; files under {vault_root}):")
    print(f"  {'size':>6}  {'':8}  {'AESGCM':>9}  {'envelope':>9}  {'+ file':>9}  {'service':>9}")
    for size, repetitions in SIZES:
        encrypt, decrypt = size_row(size, max(3, repetitions * RUNS), owner)
        label = f"{size // 1024} KB" if size < MB else f"{size // MB} MB"
        for direction, figures in (("encrypt", encrypt), ("decrypt", decrypt)):
            print(
                f"  {label:>6}  {direction:8}  "
                + "  ".join(throughput(size, seconds) for seconds in figures.values())
            )

    # Rotation: REWRAP_ROWS small documents under the current key, then a new key first.
    for number in range(REWRAP_ROWS):
        vault_document_deposit(
            owner=owner,
            kind="receipt",
            title=f"receipt {number}",
            content=os.urandom(1024),
            content_type="application/octet-stream",
        )
    settings.VAULT_KEYS = [base64.urlsafe_b64encode(os.urandom(32)).decode(), *settings.VAULT_KEYS]
    live = VaultDocument.objects.filter(deleted_at__isnull=True).count()
    started = time.perf_counter()
    rewrapped = vault_keys_rewrap(batch=500)
    seconds = time.perf_counter() - started
    print(
        f"vault_keys rewrap: {rewrapped:,} of {live:,} rows in {seconds:.2f} s, "
        f"{rewrapped / seconds:,.0f} rows/s (batches of 500, files untouched)"
    )


if __name__ == "__main__":
    main()
