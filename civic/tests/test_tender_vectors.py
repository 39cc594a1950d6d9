"""docs/tender-vectors.json: regenerating it gives the same file, and every vector holds when
recomputed from its definition in docs/tender-record.md (hashlib and AES-GCM directly, not
through civic.tender_crypto where that is possible). The browser side checks the same file
with node (frontend/test/tender.test.mjs)."""

import hashlib
import importlib.util
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from civic import tender_crypto as tc
from coop_governance.election import group, hashing, proofs

ROOT = Path(__file__).resolve().parents[2]
VECTORS_FILE = ROOT / "docs" / "tender-vectors.json"


def _script():
    spec = importlib.util.spec_from_file_location(
        "tender_vectors", ROOT / "scripts/tender-vectors.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def vectors():
    return json.loads(VECTORS_FILE.read_text(encoding="utf-8"))


def test_regenerating_the_vectors_gives_the_same_file():
    assert _script().render() == VECTORS_FILE.read_text(encoding="utf-8")


def test_the_fingerprint_is_the_canonical_jsons(vectors):
    canonical = vectors["canonical"].encode()
    assert canonical == hashing.canonical_json(vectors["manifest"])
    assert hashlib.sha256(canonical).hexdigest() == vectors["fingerprint"]


def _item(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def test_the_kem_vector_from_its_definition(vectors):
    v = vectors["kem"]
    fp, K = bytes.fromhex(v["fingerprint"]), bytes.fromhex(v["public_key"])
    r = group.decode_scalar(v["r"])
    R = group.mul_base(r)
    assert R.hex() == v["kem_point"]
    shared = group.mul(r, K)
    assert shared == group.mul(group.decode_scalar(v["secret_key"]), R)
    assert shared.hex() == v["shared"]
    key_input = b"".join(
        _item(x)
        for x in (b"uniqc-election/v1/tender-bid-key", v["call_id"].encode(), fp, K, R, shared)
    )
    assert key_input.hex() == v["key_input"]
    key = hashlib.sha512(key_input).digest()[:32]
    assert key.hex() == v["key"]
    associated_input = b"".join(
        _item(x)
        for x in (b"uniqc-election/v1/tender-bid", v["call_id"].encode(), fp, v["neq"].encode(), R)
    )
    assert associated_input.hex() == v["associated_input"]
    associated = hashlib.sha256(associated_input).digest()
    assert associated.hex() == v["associated_data"]
    nonce = bytes.fromhex(v["nonce"])
    ciphertext = nonce + AESGCM(key).encrypt(nonce, bytes.fromhex(v["plaintext"]), associated)
    assert ciphertext.hex() == v["ciphertext"]
    assert hashlib.sha256(ciphertext).hexdigest() == v["ciphertext_sha256"]
    proof = proofs.prove_schnorr(
        "tender-bid-kem", (v["call_id"], fp, K, v["neq"]), r, u=group.decode_scalar(v["u"])
    )
    assert v["bid"]["kem_proof"] == proofs.branch_json(proof)
    assert v["bid"] == {
        "neq": v["neq"],
        "kem_point": v["kem_point"],
        "kem_proof": proofs.branch_json(proof),
        "ciphertext_sha256": v["ciphertext_sha256"],
    }
    tc.bid_check(v["call_id"], fp, K, v["neq"], v["bid"])
    with pytest.raises(tc.RecordInvalid):
        tc.bid_check(v["call_id"], fp, K, v["other_neq"], v["bid"] | {"neq": v["other_neq"]})


def test_the_opening_vector(vectors):
    v, kem = vectors["opening"], vectors["kem"]
    R = bytes.fromhex(kem["kem_point"])
    total = group.IDENTITY
    for j, x_j in v["secret_shares"].items():
        D = group.mul(group.decode_scalar(x_j), R)
        assert D.hex() == v["shares"][j]
        total = group.add(total, group.mul(group.decode_scalar(v["lagrange"][j]), D))
    assert total.hex() == v["shared"] == kem["shared"]
    bid = {"neq": kem["neq"], "kem_point": kem["kem_point"]}
    bid["ciphertext"] = bytes.fromhex(kem["ciphertext"])
    fp, K = bytes.fromhex(kem["fingerprint"]), bytes.fromhex(kem["public_key"])
    opened = tc.bid_open(kem["call_id"], fp, K, bid, total)
    assert opened.hex() == v["plaintext"] == kem["plaintext"]


def test_the_receipt_chain_vector(vectors):
    v = vectors["receipts"]
    fp = bytes.fromhex(v["fingerprint"])
    genesis_input = b"".join(
        _item(x) for x in (b"uniqc-election/v1/tender-board", v["call_id"].encode(), fp)
    )
    assert genesis_input.hex() == v["genesis_input"]
    previous = hashlib.sha256(genesis_input).digest()
    assert previous.hex() == v["genesis"]
    for link in v["chain"]:
        assert link["previous_hash"] == previous.hex()
        data = b"".join(
            _item(x)
            for x in (
                b"uniqc-election/v1/tender-receipt",
                v["call_id"].encode(),
                link["position"].to_bytes(8, "big"),
                bytes.fromhex(link["ciphertext_sha256"]),
                previous,
            )
        )
        assert data.hex() == link["input"]
        previous = hashlib.sha256(data).digest()
        assert previous.hex() == link["receipt_hash"]


def test_the_record_vector_verifies(vectors):
    ciphertexts = {int(p): bytes.fromhex(c) for p, c in vectors["record_ciphertexts"].items()}
    report = tc.verify_tender_record(vectors["record"], ciphertexts=ciphertexts)
    assert report.ok, report.failures
    assert report.opened == [2, 3]
    assert report.unopenable == [4]
