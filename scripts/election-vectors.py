"""Write docs/election-vectors.json, the test vectors of docs/election-record.md (section
12): fixed secrets and fixed nonces, so the file is the same on every run. The Python
tests (coop_governance/tests/test_election_vectors.py) regenerate it and check every
vector; the browser code is tested against the same file with node. Run it after a change
to the specification, then commit the file:

    .venv/bin/python scripts/election-vectors.py
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from coop_governance.election import (  # noqa: E402
    ballots,
    dkg,
    elgamal,
    group,
    hashing,
    proofs,
    tally,
    testing,
)

OUTPUT = ROOT / "docs" / "election-vectors.json"
EID = "0b5cf0b6-2c1f-4d55-9d5e-3c3f4f6f1f10"


def scalar(s: int) -> str:
    return group.scalar_hex(s)


def branches(proof) -> list[dict]:
    return [proofs.branch_json(b) for b in proof]


def sample_manifest() -> dict:
    return testing.manifest_for(
        [
            testing.choose(
                "q1",
                [{"fr": "Pour", "en": "For"}, {"fr": "Contre", "en": "Against"}],
                text={"fr": "Adopter le budget 2027 ?", "en": "Adopt the 2027 budget?"},
            ),
            testing.choose(
                "q2",
                [
                    {"fr": "Ana Tremblay", "en": "Ana Tremblay"},
                    {"fr": "Bo Nguyen", "en": "Bo Nguyen"},
                    {"fr": "Chloé Gagnon", "en": "Chloé Gagnon"},
                ],
                0,
                2,
                text={"fr": "Comité des finances (jusqu'à 2)", "en": "Finance committee (up to 2)"},
            ),
            testing.rank(
                "q3",
                ["Ana Tremblay", "Bo Nguyen", "Chloé Gagnon", "Dev Patel"],
                seats=2,
                ranks=3,
                text={"fr": "Élection du conseil", "en": "Board election"},
            ),
        ],
        election_id=EID,
        title={"fr": "Élection du conseil 2027", "en": "2027 board election"},
    )


def item_json(value) -> dict:
    """An item of a hash input, typed the way the vectors write it."""
    kind, data = value
    if kind in ("point", "scalar", "bytes"):
        return {"type": kind, "value": data.hex()}
    return {"type": kind, "value": data}


def item_value(entry):
    if entry["type"] in ("point", "bytes"):
        return bytes.fromhex(entry["value"])
    if entry["type"] == "scalar":
        return group.scalar_bytes(group.decode_scalar(entry["value"]))
    return entry["value"]


def hash_vectors(draw) -> list[dict]:
    P = group.mul_base(draw())
    s = draw()
    fp = hashing.fingerprint(sample_manifest())
    cases = [
        ("selection", []),
        ("tracker", [("string", EID), ("bytes", fp), ("integer", 0), ("integer", 2**40 + 3)]),
        (
            "selection",
            [
                ("string", EID),
                ("bytes", fp),
                ("point", group.G),
                ("string", "q1"),
                ("integer", 1),
                ("point", P),
                ("point", group.IDENTITY),
                ("scalar", group.scalar_bytes(s)),
            ],
        ),
        ("share", [("string", "Chloé « é » ✓"), ("bytes", b""), ("string", "")]),
    ]
    out = []
    for label, items in cases:
        typed = [item_json(i) for i in items]
        values = [item_value(i) for i in typed]
        out.append(
            {
                "label": label,
                "items": typed,
                "encoded": hashing.encode(label, values).hex(),
                "challenge": scalar(hashing.challenge(label, *values)),
                "digest": hashing.digest(label, *values).hex(),
                "wide_digest": hashing.wide_digest(label, *values).hex(),
            }
        )
    return out


def one_of_vector(label, draw, K, fp, context: dict, prefix, values, m) -> dict:
    r = draw()
    alpha, beta = elgamal.encrypt(K, m, r)
    u = draw()
    fakes = [(draw(), draw()) for _ in values[1:]]
    proof = proofs.prove_one_of(
        label, (EID, fp, K, *prefix), K, alpha, beta, values, values.index(m), r, u=u, fakes=fakes
    )
    return {
        "label": label,
        "election_id": EID,
        "fingerprint": fp.hex(),
        "public_key": K.hex(),
        **context,
        "values": list(values),
        "m": m,
        "r": scalar(r),
        "alpha": alpha.hex(),
        "beta": beta.hex(),
        "u": scalar(u),
        "fakes": branches(fakes),
        "proof": branches(proof),
    }


def build() -> dict:
    draw = testing.deterministic_scalars("uniqc-election-vectors/v1")
    manifest = sample_manifest()
    fp = hashing.fingerprint(manifest)
    x = draw()
    K = group.mul_base(x)

    r = draw()
    alpha, beta = elgamal.encrypt(K, 3, r)
    encryption = {
        "public_key": K.hex(),
        "m": 3,
        "r": scalar(r),
        "alpha": alpha.hex(),
        "beta": beta.hex(),
    }

    selection = one_of_vector(
        "selection", draw, K, fp, {"question_id": "q1", "index": 1}, ("q1", 1), (0, 1), 1
    )
    count = one_of_vector(
        "selection-count", draw, K, fp, {"question_id": "q2"}, ("q2",), (0, 1, 2), 2
    )
    rank = one_of_vector(
        "rank", draw, K, fp, {"question_id": "q3", "rank": 0}, ("q3", 0), (0, 1, 2, 3, 4), 4
    )

    schnorr = []
    for label, index, extra in (("transport-key", 2, ()), ("coefficient", 2, (1,))):
        secret, u = draw(), draw()
        c, z = proofs.prove_schnorr(label, (EID, fp, index, *extra), secret, u=u)
        schnorr.append(
            {
                "label": label,
                "context": [
                    {"type": "string", "value": EID},
                    {"type": "bytes", "value": fp.hex()},
                    {"type": "integer", "value": index},
                    *({"type": "integer", "value": e} for e in extra),
                ],
                "secret": scalar(secret),
                "u": scalar(u),
                "point": group.mul_base(secret).hex(),
                "proof": {"c": scalar(c), "z": scalar(z)},
            }
        )

    x_j, u = draw(), draw()
    ciphertext_alpha = group.mul_base(draw())
    D, proof = proofs.prove_decryption(EID, fp, K, 2, x_j, ciphertext_alpha, u=u)
    partial = {
        "election_id": EID,
        "fingerprint": fp.hex(),
        "public_key": K.hex(),
        "trustee": 2,
        "secret_share": scalar(x_j),
        "verification_key": group.mul_base(x_j).hex(),
        "alpha": ciphertext_alpha.hex(),
        "u": scalar(u),
        "point": D.hex(),
        "proof": proofs.branch_json(proof),
    }

    y_j, e, share = draw(), draw(), draw()
    Y_j = group.mul_base(y_j)
    boxed = dkg.seal_share(EID, fp, 1, 3, Y_j, share, e)
    E = group.mul_base(e)
    share_box = {
        "election_id": EID,
        "fingerprint": fp.hex(),
        "from": 1,
        "to": 3,
        "transport_secret": scalar(y_j),
        "transport_key": Y_j.hex(),
        "share": scalar(share),
        "ephemeral_secret": scalar(e),
        "ephemeral": E.hex(),
        "shared": group.mul(e, Y_j).hex(),
        "pad": dkg.share_pad(EID, fp, 1, 3, E, Y_j, group.mul(e, Y_j)).hex(),
        "box": boxed["box"],
    }

    choices = [[0], [0, 2], [3, 1]]
    ballot, secrets = ballots.encrypt_ballot(manifest, fp, K, choices, rng=draw)
    whole_ballot = {
        "manifest": manifest,
        "fingerprint": fp.hex(),
        "public_key": K.hex(),
        "choices": choices,
        "secrets": secrets,
        "ballot": ballot,
        "tracker": ballots.tracker(manifest, fp, ballot),
    }

    lagrange = [
        {
            "indexes": indexes,
            "coefficients": {str(j): scalar(v) for j, v in tally.lagrange_at_zero(indexes).items()},
        }
        for indexes in ([1, 2], [1, 3], [2, 3], [1, 2, 3], [2, 5, 7])
    ]

    record_manifest = testing.manifest_for(
        [
            testing.choose("q1", [{"fr": "Pour", "en": "For"}, {"fr": "Contre", "en": "Against"}]),
            testing.choose("q2", ["Ana", "Bo", "Chloé"], 0, 2),
        ],
        election_id="5d1c3a8e-8a41-4c0e-9a57-1d7c2f0e9b21",
    )
    simulation = testing.simulate_election(
        record_manifest,
        3,
        2,
        [[[0], [0, 1]], [[1], [2]], [[0], []]],
        absent={3},
        revoters={1: [[0], [1]]},
        rng=draw,
    )

    invalid = {
        "points": [
            {"value": (b"\x01" + bytes(31)).hex(), "why": "s is odd (negative)"},
            {"value": (2**255 - 19).to_bytes(32, "little").hex(), "why": "s is not below p"},
            {"value": (2**255 - 18).to_bytes(32, "little").hex(), "why": "s is not below p"},
            {"value": "ff" * 32, "why": "s is not below p"},
            {"value": group.G.hex().upper(), "why": "not lowercase"},
            {"value": group.G.hex()[:62], "why": "31 bytes"},
        ],
        "scalars": [
            {"value": group.L.to_bytes(32, "little").hex(), "why": "equal to L"},
            {"value": (group.L + 1).to_bytes(32, "little").hex(), "why": "above L"},
            {"value": "ff" * 32, "why": "above L"},
        ],
    }

    return {
        "format": "uniqc-election-vectors/v1",
        "about": (
            "Test vectors of docs/election-record.md (section 12), written by "
            "scripts/election-vectors.py with fixed secrets and nonces."
        ),
        "group": {"L": str(group.L), "G": group.G.hex(), "identity": group.IDENTITY.hex()},
        "hash": hash_vectors(draw),
        "fingerprint": {
            "manifest": manifest,
            "canonical": hashing.canonical_json(manifest).decode(),
            "fingerprint": fp.hex(),
        },
        "encryption": encryption,
        "selection_proof": selection,
        "count_proof": count,
        "rank_proof": rank,
        "schnorr": schnorr,
        "partial_decryption": partial,
        "share_box": share_box,
        "ballot": whole_ballot,
        "lagrange": lagrange,
        "invalid": invalid,
        "record": simulation.record,
    }


def render(vectors: dict) -> str:
    return json.dumps(vectors, indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(render(build()), encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")  # noqa: T201
