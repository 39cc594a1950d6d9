"""The verifiable mixnet of ranked ballots: shuffles, their proofs, decryption and the count.

Each way a shuffle can cheat (a ballot dropped, duplicated or altered, the proof altered,
the output reordered after proving) has its own test.
"""

from __future__ import annotations

import copy
from collections import Counter

import pytest

from coop_governance.election import group, mixing, shuffle, testing
from coop_governance.election.errors import RecordInvalid
from coop_governance.election.record import ElectionContext, verify_record
from coop_governance.tests import election_mix_helpers as sim

QID = "q2"


@pytest.fixture(scope="module")
def setup():
    ctx, shares, secret = sim.election()
    values = [[1, 2, 3], [2, 0, 0], [3, 1, 0], [1, 3, 2], [2, 2, 1], [0, 0, 0]]
    inputs = [[sim.encrypt(ctx, v) for v in row] for row in values]
    outputs, proof = shuffle.shuffle(ctx, QID, 0, inputs)
    return ctx, shares, secret, values, inputs, outputs, proof


def _rejected(setup, outputs=None, proof=None, *, qid=QID, position=0, match="proof"):
    ctx, _, _, _, inputs, good_outputs, good_proof = setup
    with pytest.raises(RecordInvalid) as caught:
        shuffle.verify_shuffle(
            ctx,
            qid,
            position,
            inputs,
            good_outputs if outputs is None else outputs,
            good_proof if proof is None else proof,
        )
    assert caught.value.path.startswith(match)
    return caught.value


def test_a_shuffle_verifies_and_keeps_the_ballots(setup):
    ctx, _, secret, values, inputs, outputs, proof = setup
    shuffle.verify_shuffle(ctx, QID, 0, inputs, outputs, proof)
    decrypted = [[sim.decrypt(secret, c, 3) for c in ballot] for ballot in outputs]
    assert Counter(map(tuple, decrypted)) == Counter(map(tuple, values))
    # Every ciphertext is re-encrypted: no output alpha is an input alpha.
    assert not {c[0] for b in inputs for c in b} & {c[0] for b in outputs for c in b}


def test_a_ballot_dropped_is_rejected(setup):
    outputs = setup[5]
    _rejected(setup, outputs[:-1], match="output")


def test_a_ballot_dropped_and_another_duplicated_is_rejected(setup):
    outputs = list(setup[5])
    outputs[-1] = outputs[0]
    _rejected(setup, outputs)


def test_a_ballot_duplicated_and_added_is_rejected(setup):
    outputs = setup[5]
    _rejected(setup, [*outputs, outputs[0]], match="output")


def test_a_ballot_replaced_by_a_re_encryption_of_another_is_rejected(setup):
    ctx, _, _, _, _, outputs, _ = setup
    outputs = list(outputs)
    # Same value as ballot 0 at every rank, freshly re-encrypted: still not a shuffle.
    outputs[1] = [
        (group.add(a, group.mul_base(5)), group.add(b, group.mul(5, ctx.K))) for a, b in outputs[0]
    ]
    _rejected(setup, outputs)


def test_an_altered_ciphertext_is_rejected(setup):
    outputs = copy.deepcopy(setup[5])
    alpha, beta = outputs[2][1]
    outputs[2][1] = (alpha, group.add(beta, group.G))  # one more for the candidate
    _rejected(setup, outputs)


def test_the_output_reordered_after_proving_is_rejected(setup):
    outputs = list(setup[5])
    outputs[0], outputs[1] = outputs[1], outputs[0]
    _rejected(setup, outputs)


def test_ranks_swapped_inside_a_ballot_are_rejected(setup):
    outputs = copy.deepcopy(setup[5])
    outputs[0][0], outputs[0][1] = outputs[0][1], outputs[0][0]
    _rejected(setup, outputs)


@pytest.mark.parametrize(
    "field", ["commitments", "chain", "c", "s1", "s2", "s3", "s4", "s_hat", "s_prime"]
)
def test_each_altered_proof_value_is_rejected(setup, field):
    proof = copy.deepcopy(setup[6])
    if isinstance(proof[field], list):
        target, index = proof[field], 1 % len(proof[field])
    else:
        target, index = proof, field
    value = target[index]
    if field in ("commitments", "chain"):
        target[index] = group.add(group.decode_point(value), group.G).hex()
    else:
        target[index] = group.scalar_hex(group.decode_scalar(value) + 1)
    _rejected(setup, proof=proof)


def test_a_proof_for_another_question_or_position_is_rejected(setup):
    _rejected(setup, qid="q3")
    _rejected(setup, position=1)


def test_a_point_not_in_the_group_is_rejected(setup):
    proof = copy.deepcopy(setup[6])
    proof["chain"][0] = "ff" * 32
    error = _rejected(setup, proof=proof, match="proof.chain[0]")
    assert "point" in error.reason


def test_a_scalar_not_below_the_order_is_rejected(setup):
    proof = copy.deepcopy(setup[6])
    proof["s1"] = group.scalar_bytes(0).hex()[:-2] + "ff"  # 255 * 2^248 > L
    _rejected(setup, proof=proof, match="proof.s1")
    proof = copy.deepcopy(setup[6])
    proof["s_prime"] = proof["s_prime"][:-1]
    _rejected(setup, proof=proof, match="proof.s_prime")


def test_a_non_canonical_output_point_is_rejected(setup):
    ctx = setup[0]
    output = shuffle.encode_ballots(setup[5])
    output[0][0]["alpha"] = "ff" * 32
    with pytest.raises(RecordInvalid) as caught:
        mixing.verify_shuffle_step(ctx, QID, 0, setup[4], output, setup[6], None, 1)
    assert caught.value.path == "output[0][0].alpha"


def _signed(setup, trustee=1, signer=None):
    ctx, _, _, _, inputs, outputs, proof = setup
    secret = sim.transport_secret(trustee if signer is None else signer)
    return shuffle.sign_shuffle(ctx, QID, 0, trustee, secret, inputs, outputs, proof)


def test_a_posted_shuffle_step_verifies_and_gives_the_next_input(setup):
    ctx, _, _, _, inputs, outputs, proof = setup
    decoded = mixing.verify_shuffle_step(
        ctx, QID, 0, inputs, shuffle.encode_ballots(outputs), proof, _signed(setup), 1
    )
    assert decoded == outputs


# Who made the shuffle: the trustee's signature under their transport key (section 9.3).


def _step_rejected(setup, signature, trustee=1, outputs=None, proof=None):
    ctx, _, _, _, inputs, good_outputs, good_proof = setup
    with pytest.raises(RecordInvalid) as caught:
        mixing.verify_shuffle_step(
            ctx,
            QID,
            0,
            inputs,
            shuffle.encode_ballots(good_outputs if outputs is None else outputs),
            good_proof if proof is None else proof,
            signature,
            trustee,
        )
    assert caught.value.path.startswith("signature"), caught.value
    return caught.value


def test_a_shuffle_signed_with_another_trustees_key_is_rejected(setup):
    # Made (and signed) by trustee 2, posted as trustee 1's: the server's forgery.
    _step_rejected(setup, _signed(setup, trustee=1, signer=2), trustee=1)
    # Trustee 2's own signature, claimed for trustee 1.
    _step_rejected(setup, _signed(setup, trustee=2), trustee=1)


def test_a_shuffle_signed_by_a_key_that_is_no_trustees_is_rejected(setup):
    ctx, _, _, _, inputs, outputs, proof = setup
    forged = shuffle.sign_shuffle(ctx, QID, 0, 1, group.random_scalar(), inputs, outputs, proof)
    _step_rejected(setup, forged)


def test_a_signature_moved_to_another_output_is_rejected(setup):
    ctx, _, _, _, inputs, _, _ = setup
    # Another valid shuffle of the same input at the same place, with the first one's
    # signature: the proof verifies, the signature does not.
    other_outputs, other_proof = shuffle.shuffle(ctx, QID, 0, inputs)
    shuffle.verify_shuffle(ctx, QID, 0, inputs, other_outputs, other_proof)
    _step_rejected(setup, _signed(setup), outputs=other_outputs, proof=other_proof)


def test_a_signature_moved_to_another_proof_of_the_same_output_is_rejected(setup):
    ctx, _, _, _, inputs, outputs, proof = setup
    altered = {**proof, "s1": group.scalar_hex(group.decode_scalar(proof["s1"]) + 1)}
    signature = _signed(setup)
    with pytest.raises(RecordInvalid) as caught:
        shuffle.verify_signature(ctx, QID, 0, 1, inputs, outputs, altered, signature)
    assert caught.value.path == "signature"


def test_a_signature_for_another_position_or_question_is_rejected(setup):
    ctx, _, _, _, inputs, outputs, proof = setup
    secret = sim.transport_secret(1)
    elsewhere = shuffle.sign_shuffle(ctx, "q9", 0, 1, secret, inputs, outputs, proof)
    with pytest.raises(RecordInvalid):
        shuffle.verify_signature(ctx, QID, 0, 1, inputs, outputs, proof, elsewhere)
    later = shuffle.sign_shuffle(ctx, QID, 1, 1, secret, inputs, outputs, proof)
    with pytest.raises(RecordInvalid):
        shuffle.verify_signature(ctx, QID, 0, 1, inputs, outputs, proof, later)


def test_a_missing_signature_is_rejected(setup):
    error = _step_rejected(setup, None)
    assert "must be" in error.reason or "object" in error.reason


@pytest.mark.parametrize("field", ["c", "z"])
def test_an_altered_signature_is_rejected(setup, field):
    signature = _signed(setup)
    altered = {**signature, field: group.scalar_hex(group.decode_scalar(signature[field]) + 1)}
    _step_rejected(setup, altered)
    _step_rejected(setup, {**signature, field: "ff" * 32})  # not below the group order
    _step_rejected(setup, {**signature, "extra": "00"})


def test_a_trustee_without_a_transport_key_cannot_sign(setup):
    _step_rejected(setup, _signed(setup), trustee=7)


# The whole mix: two shuffles by two trustees, decryption by two of three, STV.

QUESTION = {
    "id": QID,
    "kind": "rank",
    "seats": 2,
    "ranks": 3,
    "text": {"fr": "Conseil", "en": "Board"},
    "answers": [{"fr": name, "en": name} for name in ("Ana", "Bo", "Chloe", "Dev")],
}


@pytest.fixture(scope="module")
def mixed():
    ctx, shares, _ = sim.election()
    # Candidate numbers (index + 1); 0 ends a ranking; a repetition ends it too.
    votes = [[1, 3, 0]] * 4 + [[2, 0, 0]] * 3 + [[4, 2, 0]] * 2 + [[3, 3, 1], [0, 2, 1]]
    ballots = [sim.ranked_ballot(ctx, QID, v) for v in votes]
    current = mixing.mix_input(QUESTION, ballots)
    steps = []
    for position, trustee in enumerate([3, 1]):
        step = shuffle.shuffle_step(
            ctx,
            QID,
            position,
            current,
            trustee=trustee,
            transport_secret=sim.transport_secret(trustee),
        )
        steps.append(step)
        current = shuffle.decode_ballots(step["output"], 3, "output")
    decryptions = [sim.partial_decryption(ctx, j, shares[j], current) for j in (2, 3)]
    section = mixing.build_section(ctx, QUESTION, ballots, steps, decryptions)
    return ctx, votes, ballots, section


def test_two_shuffles_and_a_decryption_recover_the_rankings(mixed):
    ctx, votes, ballots, section = mixed
    result = mixing.verify_question(ctx, QUESTION, ballots, section)
    expected = [[i + 1 for i in mixing.decode_ranking(v, 4)] for v in votes]
    assert Counter(map(tuple, section["rankings"])) == Counter(map(tuple, expected))
    assert result == section["result"]
    # 11 ballots, 10 not empty; 2 seats: quota 10/3. Ana 4 and Bo 3 + 2 from Dev.
    assert result["elected"] == [0, 1]
    assert result["quota"] == "3.333333"


def _section_rejected(mixed, change, path):
    ctx, _, ballots, section = mixed
    altered = copy.deepcopy(section)
    change(altered)
    with pytest.raises(RecordInvalid) as caught:
        mixing.verify_question(ctx, QUESTION, ballots, altered)
    assert caught.value.path == path, caught.value


def test_the_mix_is_rejected_with_fewer_shuffles_than_the_threshold(mixed):
    def change(s):
        del s["shuffles"][1]

    # One shuffle left: its output is not what the decryptions decrypt, but the count of
    # shuffles is checked before.
    _section_rejected(mixed, change, "mix.q2.shuffles")


def test_the_same_trustee_shuffling_twice_is_rejected(mixed):
    _section_rejected(
        mixed, lambda s: s["shuffles"][1].update(trustee=3), "mix.q2.shuffles[1].trustee"
    )


def test_an_unknown_trustee_is_rejected(mixed):
    _section_rejected(
        mixed, lambda s: s["shuffles"][0].update(trustee=9), "mix.q2.shuffles[0].trustee"
    )


def test_a_shuffle_output_altered_in_the_record_is_rejected(mixed):
    def change(s):
        s["shuffles"][0]["output"][0], s["shuffles"][0]["output"][1] = (
            s["shuffles"][0]["output"][1],
            s["shuffles"][0]["output"][0],
        )

    _section_rejected(mixed, change, "mix.q2.shuffles[0].proof")


def test_a_shuffle_without_its_signature_in_the_record_is_rejected(mixed):
    _section_rejected(mixed, lambda s: s["shuffles"][1].pop("signature"), "mix.q2.shuffles[1]")


def test_a_shuffle_posted_under_another_trustees_number_is_rejected(mixed):
    # Trustee 2 never shuffled: naming it (a trustee, not seen before) fails the signature.
    _section_rejected(
        mixed, lambda s: s["shuffles"][0].update(trustee=2), "mix.q2.shuffles[0].signature"
    )


@pytest.mark.parametrize("field", ["c", "z"])
def test_an_altered_signature_in_the_record_is_rejected(mixed, field):
    def change(s):
        signature = s["shuffles"][1]["signature"]
        signature[field] = group.scalar_hex(group.decode_scalar(signature[field]) + 1)

    _section_rejected(mixed, change, "mix.q2.shuffles[1].signature")


def test_signatures_swapped_between_shuffles_are_rejected(mixed):
    def change(s):
        first, second = s["shuffles"]
        first["signature"], second["signature"] = second["signature"], first["signature"]

    _section_rejected(mixed, change, "mix.q2.shuffles[0].signature")


def test_a_record_with_a_shuffle_made_by_the_server_is_rejected():
    """The whole record: every shuffle re-made by someone who is not the trustee named
    (proofs valid, signatures under the wrong key) fails verification at the signature."""
    manifest = testing.manifest_for([testing.rank("q3", ["Ana", "Bo", "Chloe"], seats=1)])
    simulation = testing.simulate_election(manifest, 3, 2, [[[0, 1]], [[2]], [[1, 0, 2]]])
    assert verify_record(simulation.record).ok
    record = copy.deepcopy(simulation.record)
    section = record["mix"]["q3"]
    ctx = ElectionContext(
        record["manifest"]["election_id"],
        simulation.fp,
        simulation.K,
        2,
        {},
        {j: bytes.fromhex(t["transport_key"]["key"]) for j, t in enumerate(record["trustees"], 1)},
    )
    current = shuffle.decode_ballots(section["input"], 3, "input")
    server = group.random_scalar()
    for position, step in enumerate(section["shuffles"]):
        forged = shuffle.shuffle_step(
            ctx, "q3", position, current, trustee=step["trustee"], transport_secret=server
        )
        section["shuffles"][position] = forged
        current = shuffle.decode_ballots(forged["output"], 3, "output")
    # The forger cannot decrypt, so the decryptions no longer match; the signature is
    # reported first, at the first shuffle.
    report = verify_record(record)
    assert report.kinds == ["mix"]
    assert report.failures[0].path == "mix.q3.shuffles[0].signature"


def test_an_input_that_is_not_the_counted_ballots_is_rejected(mixed):
    _section_rejected(mixed, lambda s: s["input"].pop(), "mix.q2.input")


def test_an_altered_decryption_share_is_rejected(mixed):
    def change(s):
        share = s["decryptions"][1]["shares"][4][2]
        share["point"] = group.add(group.decode_point(share["point"]), group.G).hex()

    _section_rejected(mixed, change, "mix.q2.decryptions[1].shares[4][2].proof")


def test_too_few_decryptions_are_rejected(mixed):
    _section_rejected(mixed, lambda s: s["decryptions"].pop(), "mix.q2.decryptions")


def test_altered_rankings_or_result_are_rejected(mixed):
    def swap_first(s):
        s["rankings"][0] = [*reversed(s["rankings"][0]), 9]

    _section_rejected(mixed, swap_first, "mix.q2.rankings")
    _section_rejected(mixed, lambda s: s["result"].update(elected=[1, 0]), "mix.q2.result")


@pytest.mark.parametrize(
    ("values", "ranking"),
    [
        ([1, 2, 3], [0, 1, 2]),
        ([0, 0, 0], []),
        ([0, 2, 1], []),  # a blank first rank is a blank ballot
        ([2, 0, 1], [1]),  # the first 0 ends the ranking
        ([3, 3, 1], [2]),  # a repetition ends the ranking
        ([1, 2, 1, 3], [0, 1]),
        ([4], [3]),
        ([], []),
    ],
)
def test_decode_ranking(values, ranking):
    assert mixing.decode_ranking(values, 4) == ranking


def test_decode_ranking_refuses_a_value_out_of_range():
    with pytest.raises(ValueError):
        mixing.decode_ranking([5], 4)
    with pytest.raises(ValueError):
        mixing.decode_ranking([-1], 4)


@pytest.mark.parametrize("trustee", [1.0, True, "1", None])
def test_a_trustee_that_is_not_an_integer_is_rejected_not_a_crash(mixed, trustee):
    _section_rejected(
        mixed, lambda s: s["shuffles"][1].update(trustee=trustee), "mix.q2.shuffles[1].trustee"
    )
