"""The tender pages and JSON endpoints over HTTP: who sees what, the bid upload with its
problem documents, the official's state in the trustee page's shapes, the record."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civic import tender_crypto as tc
from civic import tenders as services
from civic.models import Bid, TenderCall
from civic.tests import tender_helpers as helpers
from civic.tests.conftest import NEQ_A
from identity.assurance import SESSION_CARD_ID

pytestmark = pytest.mark.django_db


def _url(name, call, *args):
    return reverse(f"civic:{name}", args=[call.public_id, *args])


def _card_session(client, sign_in_at, person, acr="high"):
    sign_in_at(client, person, acr)
    session = client.session
    session[SESSION_CARD_ID] = person.card.pk
    session.save()


def _post_bid(client, call, neq=NEQ_A, plaintext=b"Prix", **headers):
    bid, ciphertext = helpers.bid_encrypt(call, neq, plaintext)
    return client.post(
        _url("tender_bid", call),
        {"bid": json.dumps(bid), "ciphertext": SimpleUploadedFile("bid.bin", ciphertext)},
        **headers,
    )


def test_the_list_and_an_open_calls_page_are_public(client, open_call):
    assert open_call.reference.encode() in client.get(reverse("civic:tender_list")).content
    page = client.get(_url("tender_detail", open_call))
    assert page.status_code == 200
    assert open_call.public_key.encode() in page.content


def test_a_draft_call_is_not_shown_to_visitors(client, creator, officials):
    call = helpers.call_make(creator=creator, officials=officials)
    assert client.get(_url("tender_detail", call)).status_code == 404
    client.force_login(officials[0])
    assert client.get(_url("tender_detail", call)).status_code == 200


def test_the_parameters_are_the_manifest_and_key(client, open_call):
    answer = client.get(_url("tender_parameters", open_call)).json()
    assert answer["fingerprint"] == open_call.fingerprint
    assert answer["public_key"] == open_call.public_key
    assert tc.manifest_check(answer["manifest"])


def test_a_bid_from_a_visitor_is_refused(client, open_call):
    answer = _post_bid(client, open_call)
    assert answer.status_code == 403
    assert answer.json()["code"] == "not_authenticated"


def test_a_bid_below_high_assurance_is_refused(client, sign_in_at, open_call, representative):
    _card_session(client, sign_in_at, representative, "substantial")
    answer = _post_bid(client, open_call)
    assert answer.status_code == 403
    assert answer.json()["code"] == "assurance_too_low"


def test_a_bid_for_another_supplier_is_refused(client, sign_in_at, open_call, representative):
    _card_session(client, sign_in_at, representative)
    answer = _post_bid(client, open_call, neq="2260000000")
    assert answer.status_code == 403
    assert answer.json()["code"] == "not_a_representative"


def test_a_bid_with_the_card_gets_its_receipt(client, sign_in_at, open_call, representative):
    _card_session(client, sign_in_at, representative)
    answer = _post_bid(client, open_call, HTTP_IDEMPOTENCY_KEY="k-1")
    assert answer.status_code == 201, answer.content
    receipt = answer.json()
    bid = Bid.objects.get()
    assert receipt["position"] == 1
    assert receipt["receipt_hash"] == bid.receipt_hash
    client.logout()
    board = client.get(_url("tender_detail", open_call)).content
    assert bid.receipt_hash.encode() in board
    assert NEQ_A.encode() not in board  # the board does not say who bid
    assert "Rémi".encode() not in board


def test_a_malformed_bid_is_a_problem_not_an_error(client, sign_in_at, open_call, representative):
    _card_session(client, sign_in_at, representative)
    answer = client.post(
        _url("tender_bid", open_call),
        {"bid": "{not json", "ciphertext": SimpleUploadedFile("bid.bin", b"x" * 40)},
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "bid_malformed"
    answer = client.post(_url("tender_bid", open_call), {"bid": "{}"})
    assert answer.json()["code"] == "bid_malformed"


def test_an_invalid_bid_names_the_value(client, sign_in_at, open_call, representative):
    _card_session(client, sign_in_at, representative)
    bid, ciphertext = helpers.bid_encrypt(open_call, NEQ_A, b"x")
    bid["kem_proof"]["c"] = "00" * 32
    answer = client.post(
        _url("tender_bid", open_call),
        {"bid": json.dumps(bid), "ciphertext": SimpleUploadedFile("bid.bin", ciphertext)},
    )
    assert answer.status_code == 422
    assert answer.json()["path"] == "kem_proof"


def test_a_bid_after_the_deadline_is_a_409(client, sign_in_at, open_call, representative):
    helpers.deadline_pass(open_call)
    _card_session(client, sign_in_at, representative)
    answer = _post_bid(client, open_call)
    assert answer.status_code == 409
    assert answer.json()["code"] == "tender_closed"


def test_the_officials_state_has_the_trustee_pages_shape(client, creator, officials):
    call = helpers.call_make(creator=creator, officials=officials)
    call = services.tender_ceremony_start(call=call, acting_user=creator)
    client.force_login(officials[1])
    assert client.get(_url("tender_official", call)).status_code == 200
    state = client.get(_url("tender_official_state", call)).json()
    assert state["phase"] == "transport"
    assert state["index"] == 2
    assert state["election_id"] == call.eid
    assert state["fingerprint"] == call.fingerprint
    client.force_login(creator)
    assert client.get(_url("tender_official_state", call)).json()["code"] == "not_an_official"


def test_an_officials_key_through_http(client, creator, officials):
    from coop_governance.election import dkg

    call = services.tender_ceremony_start(
        call=helpers.call_make(creator=creator, officials=officials), acting_user=creator
    )
    keys = dkg.TrusteeKeys(call.eid, bytes.fromhex(call.fingerprint), 1, 3, 2)
    client.force_login(officials[0])
    answer = client.post(
        _url("tender_official_key", call),
        keys.transport_key(),
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    answer = client.post(_url("tender_official_key", call), "[1,", content_type="application/json")
    assert answer.json()["code"] == "message_malformed"


def test_the_opening_page_record_and_bid_files(
    client, sign_in_at, ceremony, officials, representative
):
    call = ceremony.call
    _card_session(client, sign_in_at, representative)
    assert _post_bid(client, call, plaintext=b"Prix : 99 $").status_code == 201
    assert client.get(_url("tender_record", call)).status_code == 404
    helpers.deadline_pass(call)
    services.tender_calls_sweep()
    helpers.opening_post(ceremony, 1, officials[0])
    helpers.opening_post(ceremony, 2, officials[1])
    call = TenderCall.objects.get(pk=call.pk)
    record = client.get(_url("tender_record", call))
    assert record.status_code == 200
    assert tc.verify_tender_record(record.json()).ok
    client.force_login(officials[2])
    page = client.get(_url("tender_opening", call))
    assert page.status_code == 200
    assert NEQ_A.encode() in page.content
    assert client.get(_url("tender_opened_bid", call, 1)).content == b"Prix : 99 $"
    client.force_login(representative)
    assert client.get(_url("tender_opening", call)).status_code == 403
