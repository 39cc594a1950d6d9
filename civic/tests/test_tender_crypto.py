"""The sealed tender's cryptography (civic/tender_crypto.py) and its record's verifier."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from civic import tender_crypto as tc
from civic import tender_testing as tt
from coop_governance.election import group, proofs, tally
from coop_governance.election.errors import RecordInvalid

ROOT = Path(__file__).resolve().parents[2]
NEQ_A, NEQ_B = "1140000000", "2260000000"


@pytest.fixture(scope="module")
def call():
    return tt.ceremony(tt.manifest_for())


@pytest.fixture(scope="module")
def sim():
    return tt.simulate_call(
        [(NEQ_A, b"Prix: 120 000 $"), (NEQ_B, b"Prix: 98 500 $"), (NEQ_A, b"Prix: 110 000 $")],
        absent={3},
    )


def _shares(c, R: bytes, indexes) -> dict[int, bytes]:
    return {k.index: group.mul(k.secret_share, R) for k in c.keys if k.index in indexes}


def test_a_bid_opens_with_the_shares_of_t_officials(call):
    bid, r = tc.bid_encrypt(call.call_id, call.fp, call.K, NEQ_A, b"offre \xc3\xa9")
    checked = tc.bid_check(call.call_id, call.fp, call.K, NEQ_A, bid)
    assert checked.R == group.mul_base(r) == bytes.fromhex(bid["kem_point"])
    for chosen in ({1, 2}, {2, 3}, {1, 3}):
        shared = tc.shared_point(2, _shares(call, checked.R, chosen))
        assert shared == group.mul(r, call.K)
        assert tc.bid_open(call.call_id, call.fp, call.K, bid, shared) == b"offre \xc3\xa9"


def test_a_wrong_key_does_not_open(call):
    bid, _ = tc.bid_encrypt(call.call_id, call.fp, call.K, NEQ_A, b"offre")
    R = bytes.fromhex(bid["kem_point"])
    with pytest.raises(tc.BidUnopenable):
        tc.bid_open(call.call_id, call.fp, call.K, bid, group.mul(12345, R))


def test_a_changed_ciphertext_does_not_open_and_fails_its_hash(call):
    bid, r = tc.bid_encrypt(call.call_id, call.fp, call.K, NEQ_A, b"offre")
    changed = dict(bid, ciphertext=bid["ciphertext"][:-1] + b"\x00")
    with pytest.raises(tc.BidUnopenable):
        tc.bid_open(call.call_id, call.fp, call.K, changed, group.mul(r, call.K))
    with pytest.raises(RecordInvalid) as caught:
        tc.bid_check(call.call_id, call.fp, call.K, NEQ_A, changed)
    assert caught.value.path == "ciphertext"


def test_a_bid_opened_under_another_neq_does_not_open(call):
    bid, r = tc.bid_encrypt(call.call_id, call.fp, call.K, NEQ_A, b"offre")
    with pytest.raises(tc.BidUnopenable):
        tc.bid_open(call.call_id, call.fp, call.K, dict(bid, neq=NEQ_B), group.mul(r, call.K))


def test_a_copied_r_under_another_neq_is_refused(call):
    bid, _ = tc.bid_encrypt(call.call_id, call.fp, call.K, NEQ_A, b"offre de A")
    # B names itself in the bid: the proof of R was made for A's NEQ.
    copied = {key: bid[key] for key in tc.BID_KEYS} | {"neq": NEQ_B}
    with pytest.raises(RecordInvalid) as caught:
        tc.bid_check(call.call_id, call.fp, call.K, NEQ_B, copied)
    assert caught.value.path == "kem_proof"
    # B leaves A's NEQ in it: the server knows B's representative by B's NEQ.
    with pytest.raises(RecordInvalid) as caught:
        tc.bid_check(call.call_id, call.fp, call.K, NEQ_B, bid)
    assert caught.value.path == "neq"


def test_a_proof_for_another_call_is_refused(call):
    other = tt.ceremony(tt.manifest_for(call_id="0f0e0d0c-0b0a-4908-8706-050403020100"))
    bid, _ = tc.bid_encrypt(other.call_id, other.fp, other.K, NEQ_A, b"offre")
    with pytest.raises(RecordInvalid) as caught:
        tc.bid_check(call.call_id, call.fp, call.K, NEQ_A, bid)
    assert caught.value.path == "kem_proof"


def test_r_must_not_be_the_identity(call):
    bid, _ = tc.bid_encrypt(call.call_id, call.fp, call.K, NEQ_A, b"offre")
    with pytest.raises(RecordInvalid) as caught:
        tc.bid_check(call.call_id, call.fp, call.K, NEQ_A, dict(bid, kem_point="00" * 32))
    assert caught.value.path == "kem_point"


def test_the_shares_of_t_minus_one_officials_do_not_open(call):
    bid, _ = tc.bid_encrypt(call.call_id, call.fp, call.K, NEQ_A, b"offre")
    R = bytes.fromhex(bid["kem_point"])
    with pytest.raises(ValueError):
        tc.shared_point(2, _shares(call, R, {1}))
    # Interpolating one share as if one were enough gives a point that opens nothing.
    lone = tc.shared_point(1, _shares(call, R, {2}))
    with pytest.raises(tc.BidUnopenable):
        tc.bid_open(call.call_id, call.fp, call.K, bid, lone)


def test_a_wrong_share_is_refused_by_verify_partial_decryption(call):
    bid, _ = tc.bid_encrypt(call.call_id, call.fp, call.K, NEQ_A, b"offre")
    R = bytes.fromhex(bid["kem_point"])
    official = call.keys[0]
    X_1 = group.mul_base(official.secret_share)
    (share,) = official.partial_decrypt(call.K, [{"alpha": R.hex()}])
    assert tally.verify_partial_decryption(call.call_id, call.fp, call.K, 1, X_1, R, share)
    wrong = dict(share, point=group.mul(official.secret_share + 1, R).hex())
    with pytest.raises(RecordInvalid):
        tally.verify_partial_decryption(call.call_id, call.fp, call.K, 1, X_1, R, wrong)
    # A share made for an election with the same key is not a share of the call.
    D, proof = proofs.prove_decryption("election-id", call.fp, call.K, 1, official.secret_share, R)
    replayed = {"point": D.hex(), "proof": proofs.branch_json(proof)}
    with pytest.raises(RecordInvalid):
        tally.verify_partial_decryption(call.call_id, call.fp, call.K, 1, X_1, R, replayed)


def test_the_receipt_chain_binds_position_hash_and_previous(call):
    genesis = tc.board_genesis(call.call_id, call.fp)
    first = tc.receipt_hash(call.call_id, 1, b"\x01" * 32, genesis)
    assert first != tc.receipt_hash(call.call_id, 2, b"\x01" * 32, genesis)
    assert first != tc.receipt_hash(call.call_id, 1, b"\x02" * 32, genesis)
    assert first != tc.receipt_hash(call.call_id, 1, b"\x01" * 32, first)


# -- the record


def test_the_record_verifies_and_reopens_with_the_ciphertexts(sim):
    report = tc.verify_tender_record(sim.record, ciphertexts=sim.ciphertexts)
    assert report.ok, report.failures
    assert (report.bids, report.live, report.officials_opening) == (3, 2, 2)
    assert report.opened == [2, 3]
    assert sim.plaintexts == {2: b"Prix: 98 500 $", 3: b"Prix: 110 000 $"}
    assert sim.record["board"][0]["superseded"] is True


def test_a_bid_that_does_not_open_is_listed_as_such():
    sim = tt.simulate_call([(NEQ_A, b"a"), (NEQ_B, b"b")], corrupt={1})
    assert sim.record["opening"]["unopenable"] == [1]
    report = tc.verify_tender_record(sim.record, ciphertexts=sim.ciphertexts)
    assert report.ok, report.failures
    lying = copy.deepcopy(sim.record)
    lying["opening"]["opened"], lying["opening"]["unopenable"] = [1, 2], []
    report = tc.verify_tender_record(lying, ciphertexts=sim.ciphertexts)
    assert report.kinds == ["opened"]


def _fails(record, kind: str, path: str) -> None:
    report = tc.verify_tender_record(record)
    assert not report.ok
    assert kind in report.kinds, report.failures
    assert report.failures[report.kinds.index(kind)].path == path


def test_a_changed_ciphertext_hash_fails(sim):
    record = copy.deepcopy(sim.record)
    record["board"][1]["ciphertext_sha256"] = "11" * 32
    _fails(record, "chain", "board[1].receipt_hash")


def test_a_dropped_bid_fails(sim):
    record = copy.deepcopy(sim.record)
    del record["board"][1]
    _fails(record, "chain", "board[1].position")


def test_a_reordered_board_fails(sim):
    record = copy.deepcopy(sim.record)
    board = record["board"]
    board[0], board[1] = board[1], board[0]
    board[0]["position"], board[1]["position"] = 1, 2
    _fails(record, "chain", "board[0].previous_hash")


def test_an_altered_share_fails(sim):
    record = copy.deepcopy(sim.record)
    share = record["opening"]["shares"][1]["shares"][0]
    share["point"] = group.mul_base(5).hex()
    _fails(record, "shares", "opening.shares[1].shares[0].proof")


def test_a_missing_official_share_fails(sim):
    record = copy.deepcopy(sim.record)
    del record["opening"]["shares"][1]
    _fails(record, "shares", "opening.shares")


def test_a_bid_not_marked_superseded_fails(sim):
    record = copy.deepcopy(sim.record)
    record["board"][0]["superseded"] = False
    _fails(record, "superseded", "board[0].superseded")


def test_a_changed_checkpoint_fails(sim):
    record = copy.deepcopy(sim.record)
    record["checkpoints"][0]["head"] = record["checkpoints"][1]["head"]
    _fails(record, "checkpoints", "checkpoints[0].head")


def test_a_changed_manifest_fails_the_fingerprint(sim):
    record = copy.deepcopy(sim.record)
    record["manifest"]["title"] += "!"
    _fails(record, "fingerprint", "fingerprint")


def test_a_malformed_record_fails_without_an_exception(sim):
    for broken in ([], {"format": "x"}, dict(sim.record, board="no")):
        assert not tc.verify_tender_record(broken).ok


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "civic.verify_tender", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_the_command_line_verifier_exit_codes(sim, tmp_path):
    good = tmp_path / "record.json"
    good.write_text(json.dumps(sim.record))
    folder = tmp_path / "bids"
    folder.mkdir()
    for position, data in sim.ciphertexts.items():
        (folder / f"{position}.bin").write_bytes(data)
    done = _cli(str(good), "--ciphertexts", str(folder))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VERIFIED" in done.stdout
    record = copy.deepcopy(sim.record)
    record["board"][2]["ciphertext_sha256"] = "22" * 32
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(record))
    done = _cli(str(bad))
    assert done.returncode == 1
    assert "board[2].receipt_hash" in done.stdout
    unreadable = tmp_path / "x.json"
    unreadable.write_text("{not json")
    assert _cli(str(unreadable)).returncode == 2
