"""Write docs/tender-vectors.json, the test vectors of docs/tender-record.md (section 9):
fixed secrets and nonces, so the file is the same on every run. The Python tests
(civic/tests/test_tender_vectors.py) regenerate it and check every vector; the browser's
encryptBid (frontend/src/tender.js) is tested against the same file with node. Run it after
a change to the specification, then commit the file:

    .venv/bin/python scripts/tender-vectors.py
"""

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from civic import tender_crypto as tc  # noqa: E402
from civic import tender_testing as tt  # noqa: E402
from coop_governance.election import group, hashing, tally  # noqa: E402

OUTPUT = ROOT / "docs" / "tender-vectors.json"
NEQ = "1143456789"
OTHER_NEQ = "2265432109"


def scalar(s: int) -> str:
    return group.scalar_hex(s)


def kem_vector(manifest: dict) -> tuple[dict, dict]:
    call_id = tc.call_id_of(manifest["call_id"])
    fp = hashing.fingerprint(manifest)
    x = 0x1234567890ABCDEF1234567890ABCDEF % group.L
    K = group.mul_base(x)
    r = 0x0FEDCBA987654321FEDCBA987654321 % group.L
    u = 0x13579BDF2468ACE013579BDF2468ACE % group.L
    nonce = bytes(range(1, 13))
    plaintext = b"Soumission : 98 500,00 $ (taxes en sus)"
    bid, _ = tc.bid_encrypt(call_id, fp, K, NEQ, plaintext, r=r, nonce=nonce, u=u)
    R = group.mul_base(r)
    shared = group.mul(r, K)
    vector = {
        "call_id": call_id,
        "fingerprint": fp.hex(),
        "public_key": K.hex(),
        "secret_key": scalar(x),
        "neq": NEQ,
        "plaintext": plaintext.hex(),
        "r": scalar(r),
        "u": scalar(u),
        "nonce": nonce.hex(),
        "kem_point": R.hex(),
        "shared": shared.hex(),
        "key_input": hashing.encode("tender-bid-key", (call_id, fp, K, R, shared)).hex(),
        "key": tc.bid_key(call_id, fp, K, R, shared).hex(),
        "associated_input": hashing.encode("tender-bid", (call_id, fp, NEQ, R)).hex(),
        "associated_data": tc.bid_associated_data(call_id, fp, NEQ, R).hex(),
        "ciphertext": bid["ciphertext"].hex(),
        "ciphertext_sha256": bid["ciphertext_sha256"],
        "bid": {key: bid[key] for key in tc.BID_KEYS},
        "other_neq": OTHER_NEQ,
    }
    return vector, {"x": x, "K": K, "R": R, "call_id": call_id, "fp": fp, "bid": bid}


def opening_vector(kem: dict) -> dict:
    """x shared t = 2 of n = 3 by a line f(j) = x + a·j; shares 1 and 3 open the bid."""
    x, K, R = kem["x"], kem["K"], kem["R"]
    a = 0xA11CE % group.L
    secret_shares = {j: (x + a * j) % group.L for j in (1, 2, 3)}
    chosen = {1: secret_shares[1], 3: secret_shares[3]}
    points = {j: group.mul(s, R) for j, s in chosen.items()}
    shared = tc.shared_point(2, points)
    assert shared == group.mul(x, R)
    plaintext = tc.bid_open(kem["call_id"], kem["fp"], K, kem["bid"], shared)
    return {
        "threshold": 2,
        "secret_shares": {str(j): scalar(s) for j, s in chosen.items()},
        "shares": {str(j): D.hex() for j, D in points.items()},
        "lagrange": {str(j): scalar(c) for j, c in tally.lagrange_at_zero(chosen).items()},
        "shared": shared.hex(),
        "plaintext": plaintext.hex(),
    }


def receipts_vector(kem: dict) -> dict:
    call_id, fp = kem["call_id"], kem["fp"]
    genesis = tc.board_genesis(call_id, fp)
    chain, previous = [], genesis
    for position, data in enumerate((b"first ciphertext", b"second ciphertext"), start=1):
        sha = hashlib.sha256(data).digest()
        receipt = tc.receipt_hash(call_id, position, sha, previous)
        chain.append(
            {
                "position": position,
                "ciphertext_sha256": sha.hex(),
                "previous_hash": previous.hex(),
                "input": hashing.encode("tender-receipt", (call_id, position, sha, previous)).hex(),
                "receipt_hash": receipt.hex(),
            }
        )
        previous = receipt
    return {
        "call_id": call_id,
        "fingerprint": fp.hex(),
        "genesis_input": hashing.encode("tender-board", (call_id, fp)).hex(),
        "genesis": genesis.hex(),
        "chain": chain,
    }


def build() -> dict:
    manifest = tt.manifest_for()
    kem, secrets = kem_vector(manifest)
    sim = tt.simulate_call(
        [
            (NEQ, b"Prix : 120 000 $"),
            (OTHER_NEQ, b"Prix : 98 500 $"),
            (NEQ, b"Prix : 110 000 $"),
            ("3301234567", b"Prix : 101 000 $"),
        ],
        manifest=manifest,
        absent={2},
        rng=tt.counter_rng(7),
        corrupt={4},
    )
    report = tc.verify_tender_record(sim.record, ciphertexts=sim.ciphertexts)
    assert report.ok, report.failures
    return {
        "format": "uniqc-tender-vectors/v1",
        "manifest": manifest,
        "canonical": hashing.canonical_json(manifest).decode(),
        "fingerprint": hashing.fingerprint(manifest).hex(),
        "kem": kem,
        "opening": opening_vector(secrets),
        "receipts": receipts_vector(secrets),
        "record": sim.record,
        "record_ciphertexts": {str(p): data.hex() for p, data in sim.ciphertexts.items()},
    }


def render() -> str:
    return json.dumps(build(), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")  # noqa: T201
