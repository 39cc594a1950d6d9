"""Sealed tenders through the services: the ceremony opens the call, bids go on the board
with chained receipts, the call closes at its deadline, t officials open it, and the
record verifies."""

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from civic import tender_crypto as tc
from civic import tenders as services
from civic.models import Bid, BoardCheckpoint, TenderCall, TenderStatus
from civic.tender_errors import (
    BidInvalid,
    BidKemReused,
    CardMissing,
    OpeningTooEarly,
    TenderClosed,
    TenderSetupRefused,
    TenderStateRefused,
)
from civic.tender_files import bid_file_read
from civic.tests import tender_helpers as helpers
from civic.tests.conftest import NEQ_A, NEQ_B
from identity.models import AuditEvent

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def submit(call, person, neq, plaintext, **kwargs):
    bid, ciphertext = helpers.bid_encrypt(call, neq, plaintext)
    kwargs.setdefault("acr", "high")
    kwargs.setdefault("card_id", person.card.pk)
    return services.bid_submit(call=call, bid=bid, ciphertext=ciphertext, user=person, **kwargs)


def test_the_ceremony_opens_the_call_with_its_key(ceremony):
    call = ceremony.call
    assert call.status == TenderStatus.OPEN
    assert call.manifest["call_id"] == str(call.public_id)
    assert call.eid == f"tender:{call.public_id}"
    tc.manifest_check(call.manifest)
    keys = [k.secret_share for k in ceremony.keys.values()]
    assert all(keys)


def test_a_bid_goes_on_the_board_with_a_chained_receipt(open_call, representative):
    bid = submit(open_call, representative, NEQ_A, b"Prix : 120 000 $")
    assert bid.position == 1
    genesis = tc.board_genesis(open_call.eid, bytes.fromhex(open_call.fingerprint))
    assert bid.previous_hash == genesis.hex()
    expected = tc.receipt_hash(
        open_call.eid, 1, bytes.fromhex(bid.ciphertext_sha256), genesis
    ).hex()
    assert bid.receipt_hash == expected
    assert BoardCheckpoint.objects.get(call=open_call, position=1).head == expected
    receipt = services.bid_receipt(bid)
    assert receipt["position"] == 1 and receipt["receipt_hash"] == expected
    assert bid.card == representative.card
    assert AuditEvent.objects.filter(action="tender_bid_submit").count() == 1


def test_the_bid_file_is_sealed_at_rest(open_call, representative, tender_vault_root):
    bid = submit(open_call, representative, NEQ_A, b"Prix : 120 000 $")
    on_disk = (tender_vault_root / bid.blob_name).read_bytes()
    ciphertext = bid_file_read(call_public_id=str(open_call.public_id), name=bid.blob_name)
    assert ciphertext not in on_disk
    assert len(ciphertext) == bid.size


def test_a_second_bid_supersedes_the_first(open_call, representative, representative_b):
    first = submit(open_call, representative, NEQ_A, b"A1")
    submit(open_call, representative_b, NEQ_B, b"B1")
    third = submit(open_call, representative, NEQ_A, b"A2")
    first.refresh_from_db()
    assert first.superseded_by == third
    assert third.previous_hash == Bid.objects.get(call=open_call, position=2).receipt_hash
    assert services.bid_receipt(third)["supersedes"] == 1
    assert [b.position for b in services.live_bids(open_call)] == [2, 3]


def test_a_retry_with_the_same_key_answers_the_same_bid(open_call, representative):
    bid, ciphertext = helpers.bid_encrypt(open_call, NEQ_A, b"A")
    made = [
        services.bid_submit(
            call=open_call,
            bid=bid,
            ciphertext=ciphertext,
            user=representative,
            acr="high",
            card_id=representative.card.pk,
            idempotency_key="k-1",
        )
        for _ in range(2)
    ]
    assert made[0] == made[1]
    assert Bid.objects.filter(call=open_call).count() == 1


def test_a_copied_r_is_refused(open_call, representative, representative_b):
    bid, ciphertext = helpers.bid_encrypt(open_call, NEQ_A, b"A")
    services.bid_submit(
        call=open_call,
        bid=bid,
        ciphertext=ciphertext,
        user=representative,
        acr="high",
        card_id=representative.card.pk,
    )
    with pytest.raises(BidInvalid) as caught:
        services.bid_submit(
            call=open_call,
            bid=dict(bid, neq=NEQ_B),
            ciphertext=ciphertext,
            user=representative_b,
            acr="high",
            card_id=representative_b.card.pk,
        )
    assert caught.value.path == "kem_proof"
    with pytest.raises(BidKemReused):
        services.bid_submit(
            call=open_call,
            bid=bid,
            ciphertext=ciphertext,
            user=representative,
            acr="high",
            card_id=representative.card.pk,
        )


def test_a_bid_whose_hash_is_not_its_files_is_refused(open_call, representative):
    bid, ciphertext = helpers.bid_encrypt(open_call, NEQ_A, b"A")
    with pytest.raises(BidInvalid) as caught:
        services.bid_submit(
            call=open_call,
            bid=bid,
            ciphertext=ciphertext + b"!",
            user=representative,
            acr="high",
            card_id=representative.card.pk,
        )
    assert caught.value.path == "ciphertext"


def test_a_bid_without_the_sessions_card_is_refused(open_call, representative):
    with pytest.raises(CardMissing):
        submit(open_call, representative, NEQ_A, b"A", card_id=None)


def test_a_bid_after_the_deadline_is_refused(open_call, representative):
    helpers.deadline_pass(open_call)
    with pytest.raises(TenderClosed):
        submit(open_call, representative, NEQ_A, b"late")
    assert not Bid.objects.exists()


def test_a_bid_before_the_call_opens_is_refused(creator, officials, representative):
    call = helpers.call_make(creator=creator, officials=officials)
    with pytest.raises(TenderClosed):
        services.bid_submit(
            call=call,
            bid={"neq": NEQ_A},
            ciphertext=b"x" * 40,
            user=representative,
            acr="high",
            card_id=representative.card.pk,
        )


def test_the_close_waits_for_the_deadline_then_timestamps_the_final_head(open_call, representative):
    submit(open_call, representative, NEQ_A, b"A")
    assert services.tender_calls_sweep() == 0
    helpers.deadline_pass(open_call)
    assert services.tender_calls_sweep() == 1
    assert services.tender_calls_sweep() == 0
    open_call.refresh_from_db()
    assert open_call.status == TenderStatus.CLOSED
    final = BoardCheckpoint.objects.get(call=open_call, is_final=True)
    assert final.position == 1
    assert final.head == Bid.objects.get(call=open_call).receipt_hash


def test_an_opening_before_the_deadline_fails(ceremony, officials, representative):
    submit(ceremony.call, representative, NEQ_A, b"A")
    with pytest.raises(OpeningTooEarly):
        helpers.opening_post(ceremony, 1, officials[0])


def test_an_opening_of_a_call_not_closed_fails(ceremony, officials, representative):
    submit(ceremony.call, representative, NEQ_A, b"A")
    helpers.deadline_pass(ceremony.call)  # the beat task has not closed it yet
    with pytest.raises(TenderStateRefused):
        helpers.opening_post(ceremony, 1, officials[0])


def _closed(ceremony, *bids):
    for person, neq, plaintext in bids:
        submit(ceremony.call, person, neq, plaintext)
    helpers.deadline_pass(ceremony.call)
    services.tender_calls_sweep()
    ceremony.call.refresh_from_db()
    return ceremony


def test_t_minus_one_officials_do_not_open(ceremony, officials, representative):
    _closed(ceremony, (representative, NEQ_A, b"A"))
    helpers.opening_post(ceremony, 2, officials[1])
    ceremony.call.refresh_from_db()
    assert ceremony.call.status == TenderStatus.OPENING
    assert not hasattr(ceremony.call, "record")
    with pytest.raises(TenderStateRefused):
        helpers.opening_post(ceremony, 2, officials[1])


def test_a_wrong_share_is_refused(ceremony, officials, representative):
    from civic.tender_errors import OfficialMessageInvalid
    from coop_governance.election import group

    _closed(ceremony, (representative, NEQ_A, b"A"))
    task = services.opening_task(ceremony.call)
    shares = ceremony.keys[1].partial_decrypt(
        bytes.fromhex(ceremony.call.public_key), task["tally"]["bids"]
    )
    shares[0]["point"] = group.mul_base(3).hex()
    with pytest.raises(OfficialMessageInvalid) as caught:
        services.official_opening_post(
            call=ceremony.call, tally={"bids": shares}, mixed={}, acting_user=officials[0]
        )
    assert caught.value.path == "tally.bids[0].proof"


def test_t_officials_open_the_bids_and_the_record_verifies(
    ceremony, officials, representative, representative_b, tmp_path
):
    _closed(
        ceremony,
        (representative, NEQ_A, b"A: 120 000 $"),
        (representative_b, NEQ_B, b"B: 98 500 $"),
        (representative, NEQ_A, b"A: 110 000 $"),
    )
    helpers.opening_post(ceremony, 3, officials[2])
    helpers.opening_post(ceremony, 1, officials[0])
    call = TenderCall.objects.get(pk=ceremony.call.pk)
    assert call.status == TenderStatus.OPENED
    record = call.record.record
    assert record["opening"]["opened"] == [2, 3]
    report = tc.verify_tender_record(record)
    assert report.ok, report.failures
    assert report.untimestamped == 0  # 3 receipts and 4 checkpoints, each with its token
    swapped = json.loads(json.dumps(record))
    swapped["checkpoints"][0]["tst"] = swapped["checkpoints"][1]["tst"]
    assert "checkpoints" in tc.verify_tender_record(swapped).kinds
    contents = {
        b.position: services.bid_contents(call=call, bid=b, acting_user=officials[1])
        for b in services.live_bids(call)
    }
    assert contents == {2: b"B: 98 500 $", 3: b"A: 110 000 $"}
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "civic.verify_tender", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_changed_bid_is_detected_by_the_record(ceremony, officials, representative):
    _closed(ceremony, (representative, NEQ_A, b"A"))
    Bid.objects.filter(call=ceremony.call).update(ciphertext_sha256="ab" * 32)
    helpers.opening_post(ceremony, 1, officials[0])
    helpers.opening_post(ceremony, 2, officials[1])
    record = TenderCall.objects.get(pk=ceremony.call.pk).record.record
    report = tc.verify_tender_record(record)
    assert "chain" in report.kinds


def test_a_call_needs_a_deadline_in_the_future_and_t_of_n(creator, officials):
    with pytest.raises(TenderSetupRefused):
        helpers.call_make(
            creator=creator,
            officials=officials,
            deadline=timezone.now() - datetime.timedelta(minutes=1),
        )
    with pytest.raises(TenderSetupRefused):
        helpers.call_make(creator=creator, officials=officials, threshold=4)


def test_an_official_needs_the_permission(creator, officials, make_person):
    outsider = make_person("passant@example.com", "shopper")
    with pytest.raises(TenderSetupRefused):
        helpers.call_make(creator=creator, officials=[*officials[:2], outsider])
