"""The test vectors of docs/locker-labels.md agree with the code."""

import re
from datetime import datetime
from pathlib import Path

import pytest

from lockers.label_keys import (
    LabelPublicKey,
    b64url_decode,
    b64url_encode,
    label_private_key_from_bytes,
)
from lockers.labels import LabelForged, label_payload, label_sign, label_verify

DOC = (Path(__file__).resolve().parents[2] / "docs" / "locker-labels.md").read_text()


def vectors() -> list[dict[str, str]]:
    blocks = re.findall(r"```vector\n(.*?)```", DOC, re.DOTALL)
    return [dict(line.split(": ", 1) for line in block.strip().splitlines()) for block in blocks]


VECTORS = vectors()


def test_the_doc_has_vectors():
    assert len(VECTORS) == 2


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["parcel_code"])
def test_vector(vector):
    key = label_private_key_from_bytes(bytes.fromhex(vector["private_key_hex"]))
    public = key.private.public_key().public_bytes_raw()
    assert public.hex() == vector["public_key_hex"]
    assert b64url_encode(public) == vector["jwk_x"]
    assert key.kid == vector["kid"]
    fields = {
        "parcel_code": vector["parcel_code"],
        "site_slug": vector["site_slug"],
        "size_class": vector["size_class"],
        "window_hours": int(vector["window_hours"]),
        "issued_at": datetime.fromisoformat(vector["issued_at"]),
        "store_name": vector["store_name"],
    }
    assert label_payload(**fields).hex() == vector["payload_hex"]
    text = label_sign(**fields, key=key)
    assert text == vector["qr_text"]
    signed, _dot, signature = text.rpartition(".")
    assert signed == vector["signed_text"]
    assert b64url_decode(signature).hex() == vector["signature_hex"]
    keys = {key.kid: LabelPublicKey(kid=key.kid, public_bytes=public)}
    claims = label_verify(vector["qr_text"], keys=keys)
    assert claims.store_name == vector["store_name"]


def test_the_refusals_table():
    first, second = VECTORS
    key = label_private_key_from_bytes(bytes.fromhex(first["private_key_hex"]))
    keys = {
        key.kid: LabelPublicKey(
            kid=key.kid, public_bytes=key.private.public_key().public_bytes_raw()
        )
    }
    text = first["qr_text"]
    version, kid, payload, signature = text.split(".")
    assert signature.endswith("w")
    cases = {
        f"UQL2.{kid}.{payload}.{signature}": "malformed",
        f"{version}.{kid}.{payload}.{signature[:-1]}x": "malformed",
        f"{version}.Vkdap1Rk.{payload}.{signature}": "unknown_key",
        f"{version}.{kid}.{second['qr_text'].split('.')[2]}.{signature}": "bad_signature",
    }
    for altered, reason in cases.items():
        with pytest.raises(LabelForged) as caught:
            label_verify(altered, keys=keys)
        assert caught.value.reason == reason
        assert f"`{reason}`" in DOC
