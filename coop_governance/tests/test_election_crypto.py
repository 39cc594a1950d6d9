"""The election's cryptography (coop_governance/election): encryption, proofs, key
generation, ballots, tally and threshold decryption. Pure Python: no database.

The property tests take one valid ballot and change one value of it (hypothesis picks
where and what: another valid point, a random scalar, a non-canonical encoding, a scalar
not below L, a hex string of the wrong length, another string): it must never verify.
"""

import copy
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coop_governance.election import ballots, dkg, elgamal, group, proofs, tally, testing
from coop_governance.election.errors import RecordInvalid
from coop_governance.election.hashing import fingerprint

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FIELD_PRIME = 2**255 - 19


def _manifest():
    return testing.manifest_for(
        [
            testing.choose("q1", ["For", "Against"]),
            testing.choose("q2", ["Ana", "Bo", "Chloé"], 0, 2),
            testing.rank("q3", ["Ana", "Bo", "Chloé"], seats=1, ranks=2),
        ]
    )


MANIFEST = _manifest()
FP = fingerprint(MANIFEST)
TRUSTEES, MESSAGES, K = testing.run_ceremony(MANIFEST, FP)
BALLOT, SECRETS = ballots.encrypt_ballot(MANIFEST, FP, K, [[1], [0, 2], [2, 0]])


def _leaves(value, path=()):
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _leaves(item, (*path, name))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _leaves(item, (*path, n))
    else:
        yield path


def _set(document, path, value):
    changed = copy.deepcopy(document)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def _get(document, path):
    for step in path:
        document = document[step]
    return document


def _verify(ballot):
    return ballots.verify_ballot(MANIFEST, FP, K, ballot)


def _decrypt(ciphertexts, present=(1, 2)):
    shares = {
        keys.index: [bytes.fromhex(s["point"]) for s in keys.partial_decrypt(K, ciphertexts)]
        for keys in TRUSTEES
        if keys.index in present
    }
    return tally.combine(2, shares, ciphertexts, 100)


BALLOT_LEAVES = list(_leaves(BALLOT))


# -- encryption and decryption


def test_an_encryption_decrypts_with_any_two_of_the_three_trustees():
    ciphertexts = [elgamal.encrypt(K, m, group.random_scalar()) for m in (0, 1, 7, 42)]
    for present in itertools.combinations((1, 2, 3), 2):
        assert _decrypt(ciphertexts, present) == [0, 1, 7, 42]


def test_one_trustee_alone_cannot_decrypt():
    ciphertext = elgamal.encrypt(K, 1, group.random_scalar())
    with pytest.raises(ValueError, match="2 trustees must decrypt"):
        _decrypt([ciphertext], present=(1,))


def test_the_sum_of_ciphertexts_encrypts_the_sum_of_the_values():
    ciphertexts = [elgamal.encrypt(K, m, group.random_scalar()) for m in (1, 0, 1, 1)]
    assert _decrypt([elgamal.total(ciphertexts)]) == [3]


def test_discrete_log_finds_small_values_and_refuses_larger_ones():
    assert tally.discrete_log(group.small_multiple(0), 10) == 0
    assert tally.discrete_log(group.small_multiple(99_999), 100_000) == 99_999
    with pytest.raises(ValueError):
        tally.discrete_log(group.small_multiple(11), 10)


def test_lagrange_coefficients_interpolate_at_zero():
    # f(x) = 5 + 3x: f(1) = 8, f(3) = 14; f(0) = sum of lambda_j f(j).
    coefficients = tally.lagrange_at_zero([1, 3])
    assert (coefficients[1] * 8 + coefficients[3] * 14) % group.L == 5


# -- key generation


def test_the_election_key_and_verification_keys_come_from_the_commitments():
    commitments = {
        i: dkg.verify_commitments(MANIFEST["election_id"], FP, i, 2, deal["commitments"])
        for i, deal in MESSAGES["deals"].items()
    }
    assert dkg.election_key(commitments) == K
    for keys in TRUSTEES:
        assert dkg.verification_key(commitments, keys.index) == group.mul_base(keys.secret_share)


def test_a_transport_key_proof_is_bound_to_its_trustee():
    message = MESSAGES["transport"][1]
    eid = MANIFEST["election_id"]
    dkg.verify_transport_key(eid, FP, 1, message["key"], message["proof"])
    with pytest.raises(RecordInvalid, match="does not verify"):
        dkg.verify_transport_key(eid, FP, 2, message["key"], message["proof"])


def test_a_coefficient_proof_is_bound_to_its_position():
    commitments = MESSAGES["deals"][1]["commitments"]
    swapped = [commitments[1], commitments[0]]
    with pytest.raises(RecordInvalid, match=r"commitments\[0\].proof"):
        dkg.verify_commitments(MANIFEST["election_id"], FP, 1, 2, swapped)


def test_a_wrong_share_is_found_by_its_recipient():
    eid = MANIFEST["election_id"]
    dealer = dkg.TrusteeKeys(eid, FP, 1, 3, 2)
    recipient = dkg.TrusteeKeys(eid, FP, 2, 3, 2)
    others = [dkg.TrusteeKeys(eid, FP, i, 3, 2) for i in (3,)]
    transport = {k.index: k.transport_key()["key"] for k in (dealer, recipient, *others)}
    deals = {k.index: k.deal(transport) for k in (dealer, recipient, *others)}
    honest = [
        {
            "from": i,
            "ephemeral": deal["shares"][1]["ephemeral"],
            "box": deal["shares"][1]["box"],
            "commitments": [c["point"] for c in deal["commitments"]],
        }
        for i, deal in sorted(deals.items())
    ]
    cheating = copy.deepcopy(honest)
    wrong = dkg.seal_share(eid, FP, 1, 2, group.decode_point(transport[2]), 12345, 777)
    cheating[0].update(ephemeral=wrong["ephemeral"], box=wrong["box"])
    with pytest.raises(RecordInvalid, match="the share from trustee 1 does not match"):
        recipient.check(cheating)
    assert recipient.check(honest) == group.mul_base(recipient.secret_share).hex()


def test_a_partial_decryption_proof_refuses_another_share():
    ciphertext = elgamal.encrypt(K, 1, group.random_scalar())
    keys = TRUSTEES[0]
    share = keys.partial_decrypt(K, [ciphertext])[0]
    X = group.mul_base(keys.secret_share)
    eid = MANIFEST["election_id"]
    assert tally.verify_partial_decryption(eid, FP, K, 1, X, ciphertext[0], share)
    forged = dict(share, point=group.mul_base(group.random_scalar()).hex())
    with pytest.raises(RecordInvalid, match="partial decryption proof does not verify"):
        tally.verify_partial_decryption(eid, FP, K, 1, X, ciphertext[0], forged)
    with pytest.raises(RecordInvalid, match="partial decryption proof does not verify"):
        tally.verify_partial_decryption(eid, FP, K, 2, X, ciphertext[0], share)


# -- ballots: a valid one verifies


def test_a_valid_ballot_verifies_and_decrypts_to_the_choices():
    verified = _verify(BALLOT)
    assert verified.tracker == ballots.tracker(MANIFEST, FP, BALLOT)
    assert len(verified.alphas) == 2 + 3 + 2
    assert _decrypt(verified.choose["q1"]) == [0, 1]
    assert _decrypt(verified.choose["q2"]) == [1, 0, 1]
    assert _decrypt(verified.ranks["q3"]) == [3, 1]


def test_the_booth_refuses_choices_outside_the_question():
    with pytest.raises(ValueError):
        ballots.encrypt_ballot(MANIFEST, FP, K, [[0, 1], [], []])
    with pytest.raises(ValueError):
        ballots.encrypt_ballot(MANIFEST, FP, K, [[0], [0, 1, 2], []])
    with pytest.raises(ValueError):
        ballots.encrypt_ballot(MANIFEST, FP, K, [[0], [], [0, 0]])


def test_an_empty_ranking_and_no_selection_within_bounds_verify():
    ballot, _ = ballots.encrypt_ballot(MANIFEST, FP, K, [[0], [], []])
    verified = _verify(ballot)
    assert _decrypt(verified.ranks["q3"]) == [0, 0]


# -- ballots: each rejection on its own


def test_an_altered_ciphertext_is_refused():
    other = group.mul_base(group.random_scalar()).hex()
    path = ("answers", 0, "selections", 1, "beta")
    with pytest.raises(RecordInvalid) as refused:
        _verify(_set(BALLOT, path, other))
    assert refused.value.path == "answers[0].selections[1].proof"


def test_an_invalid_proof_is_refused():
    path = ("answers", 1, "selections", 2, "proof", 0, "z")
    altered = _set(BALLOT, path, group.scalar_hex(group.random_scalar()))
    with pytest.raises(RecordInvalid, match="does not prove a selection of 0 or 1") as refused:
        _verify(altered)
    assert refused.value.path == "answers[1].selections[2].proof"


def _two_selections_for_one_allowed():
    """Both answers of q1 selected, each with a valid 0-or-1 proof; the count proof cannot
    prove 2 among {1}, so the cheat proves it with the wrong value and random branches."""
    ballot = copy.deepcopy(BALLOT)
    eid = MANIFEST["election_id"]
    selections, randomness = [], []
    for i in range(2):
        r = group.random_scalar()
        alpha, beta = elgamal.encrypt(K, 1, r)
        proof = proofs.prove_one_of(
            "selection", (eid, FP, K, "q1", i), K, alpha, beta, (0, 1), 1, r
        )
        selections.append(
            {
                "alpha": alpha.hex(),
                "beta": beta.hex(),
                "proof": [proofs.branch_json(b) for b in proof],
            }
        )
        randomness.append(r)
    alpha, beta = elgamal.total(
        (bytes.fromhex(s["alpha"]), bytes.fromhex(s["beta"])) for s in selections
    )
    count = proofs.prove_one_of(
        "selection-count", (eid, FP, K, "q1"), K, alpha, beta, (1,), 0, sum(randomness)
    )
    ballot["answers"][0] = {
        "question_id": "q1",
        "selections": selections,
        "count_proof": [proofs.branch_json(b) for b in count],
    }
    return ballot


def test_two_selections_where_one_is_allowed_are_refused():
    with pytest.raises(RecordInvalid, match="between 1 and 1 selections") as refused:
        _verify(_two_selections_for_one_allowed())
    assert refused.value.path == "answers[0].count_proof"


def test_a_point_not_in_the_group_is_refused():
    # A 32-byte string that decodes to no ristretto255 element (an odd, "negative" s).
    not_a_point = (b"\x01" + bytes(31)).hex()
    assert not group.is_point(bytes.fromhex(not_a_point))
    with pytest.raises(RecordInvalid, match="not a ristretto255 point") as refused:
        _verify(_set(BALLOT, ("answers", 0, "selections", 0, "alpha"), not_a_point))
    assert refused.value.path == "answers[0].selections[0].alpha"


def test_a_scalar_out_of_range_is_refused():
    # z + L is the same response modulo L: refused, not reduced.
    path = ("answers", 0, "selections", 0, "proof", 1, "z")
    z = group.decode_scalar(_get(BALLOT, path))
    too_big = (z + group.L).to_bytes(32, "little").hex()
    with pytest.raises(RecordInvalid, match="not below the group order") as refused:
        _verify(_set(BALLOT, path, too_big))
    assert refused.value.path == "answers[0].selections[0].proof[1].z"


def test_a_ciphertext_used_twice_in_one_ballot_is_refused():
    ballot = copy.deepcopy(BALLOT)
    ballot["answers"][1]["selections"][1] = copy.deepcopy(ballot["answers"][1]["selections"][0])
    with pytest.raises(RecordInvalid):
        _verify(ballot)


def test_a_ballot_for_another_election_is_refused():
    with pytest.raises(RecordInvalid, match="fingerprint"):
        _verify(dict(BALLOT, fingerprint="00" * 32))
    with pytest.raises(RecordInvalid, match="election's id"):
        _verify(dict(BALLOT, election_id="another"))


# -- ballots: any single altered value is refused (property)


def _replacement(kind: str, original, draw):
    if kind == "point":
        return group.mul_base(draw(st.integers(1, group.L - 1))).hex()
    if kind == "scalar":
        return group.scalar_hex(draw(st.integers(0, group.L - 1)))
    if kind == "non-canonical point":
        s = draw(st.sampled_from([FIELD_PRIME + 1, FIELD_PRIME + 3, 2**255 - 2]))
        return s.to_bytes(32, "little").hex()
    if kind == "odd encoding":
        try:
            data = bytearray(bytes.fromhex(original))
        except (TypeError, ValueError):
            data = bytearray(32)
        data[0] |= 1
        return bytes(data).hex()
    if kind == "scalar not below L":
        return draw(st.integers(group.L, 2**256 - 1)).to_bytes(32, "little").hex()
    if kind == "wrong length":
        length = draw(st.sampled_from([0, 2, 62, 63, 65, 66, 128]))
        return draw(st.text("0123456789abcdef", min_size=length, max_size=length))
    if kind == "uppercase":
        return original.upper() if isinstance(original, str) else "X"
    return draw(st.text(max_size=10))


KINDS = [
    "point",
    "scalar",
    "non-canonical point",
    "odd encoding",
    "scalar not below L",
    "wrong length",
    "uppercase",
    "string",
]


@PROPERTY
@given(data=st.data())
def test_any_single_altered_value_of_a_ballot_is_refused(data):
    path = data.draw(st.sampled_from(BALLOT_LEAVES), label="path")
    kind = data.draw(st.sampled_from(KINDS), label="replacement")
    original = _get(BALLOT, path)
    replacement = _replacement(kind, original, data.draw)
    if replacement == original:
        return
    with pytest.raises(RecordInvalid):
        _verify(_set(BALLOT, path, replacement))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)


def _nodes(value, path=()):
    yield path
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _nodes(item, (*path, name))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _nodes(item, (*path, n))


BALLOT_NODES = [p for p in _nodes(BALLOT) if p]


@PROPERTY
@given(path=st.sampled_from(BALLOT_NODES), value=JSON_VALUES)
def test_a_ballot_of_the_wrong_shape_is_refused_with_a_path_never_a_crash(path, value):
    if _get(BALLOT, path) == value:
        return
    with pytest.raises(RecordInvalid) as refused:
        _verify(_set(BALLOT, path, value))
    assert isinstance(refused.value.path, str)


@pytest.mark.parametrize("value", [None, [], "ballot", 3, {"answers": []}])
def test_a_ballot_that_is_not_a_ballot_is_refused(value):
    with pytest.raises(RecordInvalid):
        _verify(value)
