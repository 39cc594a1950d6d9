"""The test vectors of docs/vault.md: what a counterpart built from the document alone must
read and write."""

import re
import uuid
from pathlib import Path

from identity.vault import crypto
from identity.vault.services import vault_blob_open

DOC = Path(__file__).resolve().parents[3] / "docs" / "vault.md"
KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
BLOB = (
    "5556420136333064636432390101010101010101010101015"
    "7e2c7164ca04e41fc7d4d33344a7cf7fb5fbde8a5b620ebcbe23dd7a134c00e0ffb38f695bebfecbc5b385b"
    "53b45ec0020202020202020202020202056b59d7432c9dff9123d6932eebe4f14bb697735cba2e9ccaa3e8"
)
WRAPPED = (
    "57e2c7164ca04e41fc7d4d33344a7cf7fb5fbde8a5b620ebcbe23dd7a134c00e"
    "2370f6307d73bf6811211a36b4a98834"
)
FILE = "485e71fd013dc5a9c439c7680ea83fd232a7163122ea5941ea3a54e0fcbdf0"
DOCUMENT = uuid.UUID("0b6f5c1e-8d1c-4c43-9a43-4f4f5e0c9d11")
OWNER = uuid.UUID("7f0c2a4e-5b8d-4e7f-8a1b-2c3d4e5f6a7b")


def test_the_document_states_the_vectors_tested_here():
    text = DOC.read_text()
    assert KEY in text
    assert "630dcd29" in text
    assert WRAPPED in text
    assert FILE in text
    assert BLOB in re.sub(r"\s+", "", text)


def test_the_blob_vector_opens(settings):
    settings.VAULT_KEYS = [KEY]
    blob = bytes.fromhex(BLOB)
    assert crypto.blob_kek_id(blob) == "630dcd29"
    assert vault_blob_open(blob=blob, associated=b"signing-session:42") == b"hello vault"


def test_the_document_vector_opens(settings):
    settings.VAULT_KEYS = [KEY]
    ids = {"document_public_id": DOCUMENT, "owner_public_id": OWNER}
    envelope = crypto.Envelope(
        kek_id="630dcd29",
        data_key_wrapped=bytes.fromhex(WRAPPED),
        data_key_nonce=b"\x01" * 12,
        nonce=b"\x02" * 12,
    )
    assert (
        crypto.envelope_open(
            ciphertext=bytes.fromhex(FILE),
            envelope=envelope,
            associated=crypto.document_associated_data(**ids),
            key_associated=crypto.document_key_associated_data(**ids),
        )
        == b"%PDF-1.7 vector"
    )
