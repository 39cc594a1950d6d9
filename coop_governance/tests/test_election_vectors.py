"""docs/election-vectors.json: regenerating it gives the same file, and every vector holds
in the Python code (the browser code is checked against the same file with node)."""

import importlib.util
import json
from pathlib import Path

import pytest

from coop_governance.election import ballots, dkg, elgamal, group, hashing, proofs, tally
from coop_governance.election.record import verify_record

ROOT = Path(__file__).resolve().parents[2]
VECTORS_FILE = ROOT / "docs" / "election-vectors.json"


def _script():
    spec = importlib.util.spec_from_file_location(
        "election_vectors", ROOT / "scripts/election-vectors.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def vectors():
    return json.loads(VECTORS_FILE.read_text(encoding="utf-8"))


def _s(value):
    return group.decode_scalar(value)


def _p(value):
    return group.decode_point(value)


def _branches(proof):
    return [(_s(b["c"]), _s(b["z"])) for b in proof]


def test_regenerating_the_vectors_gives_the_same_file():
    script = _script()
    assert script.render(script.build()) == VECTORS_FILE.read_text(encoding="utf-8")


def test_the_group_constants(vectors):
    assert int(vectors["group"]["L"]) == group.L
    assert _p(vectors["group"]["G"]) == group.G


def test_hash_encodings_and_digests(vectors):
    script = _script()
    for case in vectors["hash"]:
        values = [script.item_value(i) for i in case["items"]]
        assert hashing.encode(case["label"], values).hex() == case["encoded"]
        assert group.scalar_hex(hashing.challenge(case["label"], *values)) == case["challenge"]
        assert hashing.digest(case["label"], *values).hex() == case["digest"]
        assert hashing.wide_digest(case["label"], *values).hex() == case["wide_digest"]


def test_the_manifest_fingerprint(vectors):
    case = vectors["fingerprint"]
    assert hashing.canonical_json(case["manifest"]).decode() == case["canonical"]
    assert hashing.fingerprint(case["manifest"]).hex() == case["fingerprint"]


def test_an_encryption_with_a_given_r(vectors):
    case = vectors["encryption"]
    alpha, beta = elgamal.encrypt(_p(case["public_key"]), case["m"], _s(case["r"]))
    assert (alpha.hex(), beta.hex()) == (case["alpha"], case["beta"])


@pytest.mark.parametrize("name", ["selection_proof", "count_proof", "rank_proof"])
def test_one_of_proofs_with_given_nonces(vectors, name):
    case = vectors[name]
    K, fp = _p(case["public_key"]), bytes.fromhex(case["fingerprint"])
    context = [case["question_id"]]
    if "index" in case:
        context.append(case["index"])
    if "rank" in case:
        context.append(case["rank"])
    prefix = (case["election_id"], fp, K, *context)
    alpha, beta = elgamal.encrypt(K, case["m"], _s(case["r"]))
    assert (alpha.hex(), beta.hex()) == (case["alpha"], case["beta"])
    values = case["values"]
    proof = proofs.prove_one_of(
        case["label"],
        prefix,
        K,
        alpha,
        beta,
        values,
        values.index(case["m"]),
        _s(case["r"]),
        u=_s(case["u"]),
        fakes=_branches(case["fakes"]),
    )
    assert [proofs.branch_json(b) for b in proof] == case["proof"]
    assert proofs.verify_one_of(case["label"], prefix, K, alpha, beta, values, proof)
    assert not proofs.verify_one_of(case["label"], prefix, K, alpha, beta, values[::-1], proof)


def test_schnorr_proofs(vectors):
    script = _script()
    for case in vectors["schnorr"]:
        context = [script.item_value(i) for i in case["context"]]
        proof = proofs.prove_schnorr(case["label"], context, _s(case["secret"]), u=_s(case["u"]))
        assert proofs.branch_json(proof) == case["proof"]
        assert group.mul_base(_s(case["secret"])).hex() == case["point"]
        assert proofs.verify_schnorr(case["label"], context, _p(case["point"]), proof)


def test_a_partial_decryption_proof(vectors):
    case = vectors["partial_decryption"]
    fp, K = bytes.fromhex(case["fingerprint"]), _p(case["public_key"])
    D, proof = proofs.prove_decryption(
        case["election_id"],
        fp,
        K,
        case["trustee"],
        _s(case["secret_share"]),
        _p(case["alpha"]),
        u=_s(case["u"]),
    )
    assert (D.hex(), proofs.branch_json(proof)) == (case["point"], case["proof"])
    assert tally.verify_partial_decryption(
        case["election_id"],
        fp,
        K,
        case["trustee"],
        _p(case["verification_key"]),
        _p(case["alpha"]),
        {"point": case["point"], "proof": case["proof"]},
    )


def test_a_share_box(vectors):
    case = vectors["share_box"]
    eid, fp = case["election_id"], bytes.fromhex(case["fingerprint"])
    sealed = dkg.seal_share(
        eid,
        fp,
        case["from"],
        case["to"],
        _p(case["transport_key"]),
        _s(case["share"]),
        _s(case["ephemeral_secret"]),
    )
    assert sealed == {"to": case["to"], "ephemeral": case["ephemeral"], "box": case["box"]}
    opened = dkg.open_share(
        eid,
        fp,
        case["from"],
        case["to"],
        _s(case["transport_secret"]),
        _p(case["ephemeral"]),
        bytes.fromhex(case["box"]),
    )
    assert group.scalar_hex(opened) == case["share"]


def test_a_whole_ballot_and_its_tracker(vectors):
    case = vectors["ballot"]
    fp, K = bytes.fromhex(case["fingerprint"]), _p(case["public_key"])
    assert hashing.fingerprint(case["manifest"]) == fp
    verified = ballots.verify_ballot(case["manifest"], fp, K, case["ballot"])
    assert verified.tracker == case["tracker"]
    for answer, secret in zip(case["ballot"]["answers"], case["secrets"]["answers"], strict=True):
        listed = answer.get("selections") or answer["ranks"]
        for entry, m, r in zip(listed, secret["values"], secret["randomness"], strict=True):
            assert elgamal.encrypt(K, m, _s(r)) == (_p(entry["alpha"]), _p(entry["beta"]))


def test_lagrange_coefficients(vectors):
    for case in vectors["lagrange"]:
        expected = {int(j): _s(v) for j, v in case["coefficients"].items()}
        assert tally.lagrange_at_zero(case["indexes"]) == expected
        assert sum(expected.values()) % group.L == 1


def test_invalid_encodings_are_refused(vectors):
    for case in vectors["invalid"]["points"]:
        with pytest.raises(group.InvalidValue):
            group.decode_point(case["value"])
    for case in vectors["invalid"]["scalars"]:
        with pytest.raises(group.InvalidValue):
            group.decode_scalar(case["value"])


def test_the_small_record_verifies(vectors):
    report = verify_record(vectors["record"])
    assert report.ok, report.failures
    assert report.result == vectors["record"]["result"]
