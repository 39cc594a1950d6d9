"""The browser's election cryptography (the committed bundle
coop_governance/static/coop_governance/vendor/election.min.js) against the Python side.

The node tests (frontend/test/bundle.test.mjs) check the bundle against bytes computed in
Python; the tests here run them, then hand values across: a ballot encrypted by the bundle
for a manifest and key made here, decrypted with group.py, and verified by the server's
``ballots.verify_ballot``; a ballot made by ``ballots.encrypt_ballot`` verified and audited
by the bundle; the key generation of trustees in the browser checked by ``dkg``. Only node
is needed (no npm): the bundle is committed.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from coop_governance.election import group
from coop_governance.election.hashing import fingerprint

ROOT = Path(__file__).resolve().parents[2]
CALL = ROOT / "frontend" / "testing" / "call.mjs"


def call(name: str, *args):
    """The JSON answer of the bundle's function ``name`` called with ``args``."""
    done = subprocess.run(
        ["node", str(CALL)],
        input=json.dumps({"call": name, "args": list(args)}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def make_manifest() -> dict:
    answers = [{"fr": f"Réponse {n}", "en": f"Answer {n}"} for n in range(1, 5)]
    candidates = [{"fr": name, "en": name} for name in ("Ana", "Béa", "Chloé", "Dia", "Éli")]
    return {
        "format": "uniqc-election/v1",
        "election_id": "9d1c6f0e-4a55-4f43-8d0b-6a3b7f1d2e01",
        "title": {"fr": "Élection « test »", "en": "Test election"},
        "group": "ristretto255",
        "trustees": 3,
        "threshold": 2,
        "revote": True,
        "assurance": "high",
        "opens_at": "2027-03-01T14:00:00Z",
        "closes_at": "2027-03-08T14:00:00Z",
        "questions": [
            {
                "id": "q1",
                "kind": "choose",
                "min": 0,
                "max": 2,
                "text": {"fr": "Lesquelles ?", "en": "Which?"},
                "answers": answers,
            },
            {
                "id": "q2",
                "kind": "rank",
                "seats": 2,
                "ranks": 3,
                "text": {"fr": "Conseil", "en": "Board"},
                "answers": candidates,
            },
        ],
    }


CHOICES = [[1, 3], [4, 0]]


@pytest.fixture(scope="module")
def election():
    manifest = make_manifest()
    x = group.random_scalar()
    return manifest, fingerprint(manifest), x, group.mul_base(x)


def test_node_tests_pass_on_the_committed_bundle():
    done = subprocess.run(
        ["node", "--test", str(ROOT / "frontend" / "test" / "bundle.test.mjs")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


def test_the_fingerprint_of_the_bundle_is_pythons(election):
    manifest, fp, _, _ = election
    assert call("manifestFingerprint", manifest) == fp.hex()


def test_a_ballot_from_the_bundle_decrypts_in_python_to_the_choices(election):
    manifest, fp, x, K = election
    made = call("encryptBallot", manifest, fp.hex(), K.hex(), CHOICES)
    ballot, secrets = made["ballot"], made["secrets"]
    expected = [[0, 1, 0, 1], [5, 1, 0]]  # q1: answers 1 and 3; q2: candidates 5, 1, none
    for q, answer in enumerate(ballot["answers"]):
        ciphertexts = answer.get("selections") or answer["ranks"]
        secret = secrets["answers"][q]
        assert secret["values"] == expected[q]
        for n, ct in enumerate(ciphertexts):
            alpha = group.decode_point(ct["alpha"])
            beta = group.decode_point(ct["beta"])
            r = group.decode_scalar(secret["randomness"][n])
            assert alpha == group.mul_base(r)
            assert group.sub(beta, group.mul(x, alpha)) == group.small_multiple(expected[q][n])


def test_a_ballot_from_the_bundle_verifies_in_python(election):
    from coop_governance.election import ballots

    manifest, fp, _, K = election
    made = call("encryptBallot", manifest, fp.hex(), K.hex(), CHOICES)
    verified = ballots.verify_ballot(manifest, fp, K, made["ballot"])
    assert verified.tracker == made["tracker"]
    assert ballots.tracker(manifest, fp, made["ballot"]) == made["tracker"]


def test_a_python_ballot_verifies_and_audits_in_the_bundle(election):
    from coop_governance.election import ballots

    manifest, fp, _, K = election
    ballot, secrets = ballots.encrypt_ballot(manifest, fp, K, CHOICES)
    assert call("verifyBallot", manifest, fp.hex(), K.hex(), ballot) == {"ok": True, "problems": []}
    tracker = ballots.tracker(manifest, fp, ballot)
    assert call("ballotTracker", manifest, fp.hex(), ballot) == tracker
    audit = call("auditBallot", manifest, fp.hex(), K.hex(), ballot, secrets)
    assert audit == {"ok": True, "choices": CHOICES, "problems": []}
    ballot["answers"][1]["ranks"][2]["beta"] = group.G.hex()
    problems = call("verifyBallot", manifest, fp.hex(), K.hex(), ballot)["problems"]
    assert problems == [
        {"path": "answers[1].ranks[2].proof", "reason": "the proof does not verify"}
    ]


def test_a_key_generation_in_the_bundle_checks_in_python(election):
    from coop_governance.election import dkg

    manifest, fp, _, _ = election
    eid, n, t = manifest["election_id"], 3, 2
    transport = [call("trusteeTransportKey", eid, fp.hex(), i) for i in range(1, n + 1)]
    for i, key in enumerate(transport, start=1):
        assert dkg.verify_transport_key(eid, fp, i, key["key"], key["proof"])
    keys = {i: key["key"] for i, key in enumerate(transport, start=1)}
    deals = [call("trusteeDeal", eid, fp.hex(), i, t, keys) for i in range(1, n + 1)]
    commitments = {}
    for i, deal in enumerate(deals, start=1):
        dkg.verify_commitments(eid, fp, i, t, deal["commitments"])
        commitments[i] = [bytes.fromhex(c["point"]) for c in deal["commitments"]]
    K = dkg.election_key(commitments)
    for j in range(1, n + 1):
        received = [
            {"from": i, "commitments": [c["point"] for c in deal["commitments"]], **share}
            for i, deal in enumerate(deals, start=1)
            for share in deal["shares"]
            if share["to"] == j
        ]
        secret = group.decode_scalar(transport[j - 1]["secret"])
        python_side = dkg.TrusteeKeys(eid, fp, j, n, t, transport_secret=secret)
        X_j = python_side.check(received)
        browser_side = call(
            "trusteeCheckShares", eid, fp.hex(), j, transport[j - 1]["secret"], received, t
        )
        assert browser_side["ok"], browser_side["problems"]
        assert browser_side["verificationKey"] == X_j == dkg.verification_key(commitments, j).hex()
        assert browser_side["publicKey"] == K.hex()
        assert browser_side["secretShare"] == group.scalar_hex(python_side.secret_share)
