"""The shuffle endpoint ("melange") takes a shuffle only with its trustee's signature under
the trustee's transport key (docs/election-record.md, 9.3): a shuffle made by someone else,
the server included, is refused with a 422 problem naming the signature; a signed one is
stored with its signature and published in the record."""

import pytest
from django.test import Client

from coop_governance import elections as services
from coop_governance.election import ballots, group, shuffle
from coop_governance.election import record as election_record
from coop_governance.errors import TrusteeMessageInvalid
from coop_governance.models import ElectionStatus, MixShuffle
from coop_governance.tests.election_helpers import (
    board_person,
    ceremony_run,
    election_make,
    post_json,
    trustees_for,
    trustees_make,
    url,
)
from coop_governance.tests.factories import bylaws_make, member_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def tallying(sign_in_at):
    """An election whose ceremony ran through the endpoints, with 4 ballots, closed."""
    bylaws_make()
    board = board_person()
    users = trustees_make(3)
    election = election_make(board=board, trustees=users)
    services.election_ceremony_start(election=election, acting_user=board)
    trustees = trustees_for(election, users)
    election = ceremony_run(election, trustees)
    assert services.election_open(election_id=election.pk)
    election.refresh_from_db()
    for n in range(4):
        client = Client()
        sign_in_at(client, member_make().person, "substantial")
        ballot, _ = ballots.encrypt_ballot(
            election.manifest,
            bytes.fromhex(election.fingerprint),
            bytes.fromhex(election.public_key),
            [[n % 2], [n % 4, (n + 1) % 4]],
        )
        assert post_json(client, url("election_cast", election), ballot).status_code == 201
    assert services.election_close(election_id=election.pk, at=election.closes_at)
    election.refresh_from_db()
    assert election.status == ElectionStatus.TALLYING
    return election, trustees


def _step(election, trustee, signer):
    """Trustee ``trustee``'s task, shuffled, signed with ``signer``'s transport secret."""
    task = trustee.state()["mix"]
    context = services.election_context(election)
    width = len(task["input"][0])
    inputs = shuffle.decode_ballots(task["input"], width, "input")
    step = shuffle.shuffle_step(
        context,
        task["question_id"],
        task["position"],
        inputs,
        trustee=trustee.index,
        transport_secret=signer,
    )
    return {
        "question_id": task["question_id"],
        "position": task["position"],
        "output": step["output"],
        "proof": step["proof"],
        "signature": step["signature"],
    }


def _refused(trustee, body, path):
    response = trustee.post("melange", body)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "trustee_message_invalid"
    assert response.json()["path"] == path
    return response.json()


def test_a_shuffle_without_a_valid_signature_is_refused(tallying):
    election, (first, second, _) = tallying
    body = _step(election, first, first.keys.transport_secret)
    # Missing.
    _refused(first, {k: v for k, v in body.items() if k != "signature"}, "signature")
    _refused(first, {**body, "signature": None}, "signature")
    # Made with another trustee's transport secret (or anyone's, the server's included).
    _refused(first, _step(election, first, second.keys.transport_secret), "signature")
    _refused(first, _step(election, first, group.random_scalar()), "signature")
    # Altered.
    z = group.scalar_hex((group.decode_scalar(body["signature"]["z"]) + 1) % group.L)
    _refused(first, {**body, "signature": {**body["signature"], "z": z}}, "signature")
    # Moved to another shuffle of the same input.
    other = _step(election, first, first.keys.transport_secret)
    _refused(first, {**other, "signature": body["signature"]}, "signature")
    assert not MixShuffle.objects.filter(election=election).exists()
    # The signed one is taken, with its signature.
    assert first.post("melange", body).status_code == 201
    stored = MixShuffle.objects.get(election=election)
    assert stored.signature == body["signature"]


def test_the_service_refuses_a_shuffle_the_server_made_in_a_trustees_name(tallying):
    election, (first, _, _) = tallying
    body = _step(election, first, group.random_scalar())
    with pytest.raises(TrusteeMessageInvalid) as caught:
        services.trustee_shuffle_post(election=election, acting_user=first.user, **body)
    assert caught.value.path == "signature"


def test_the_signatures_are_published_and_verified_in_the_record(tallying):
    election, (first, _, third) = tallying
    for trustee in (first, third):
        assert trustee.step() == "mix"
    for trustee in (first, third):
        assert trustee.step() == "decrypt"
    election.refresh_from_db()
    assert election.status == ElectionStatus.PUBLISHED
    record = election.record
    steps = next(iter(record["mix"].values()))["shuffles"]
    assert [set(step) for step in steps] == [
        {"trustee", "position", "output", "proof", "signature"}
    ] * 2
    assert election_record.verify_record(record).ok
    steps[0]["signature"] = steps[1]["signature"]
    report = election_record.verify_record(record)
    assert report.kinds == ["mix"]
    assert report.failures[0].path.endswith("shuffles[0].signature")
