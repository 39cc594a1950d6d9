"""Secret-ballot elections through their HTTP endpoints: the key ceremony with trustees
simulated in Python, casting and each of its refusals (problem+json with a stable code),
a whole election with re-voting, shuffles and 2 of 3 trustees decrypting, and the record
downloaded from dossier.json checked by the standalone verifier's code."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from conftest import person_create
from coop_governance import elections as services
from coop_governance.election import ballots, dkg, group
from coop_governance.models import CastBallot, ElectionStatus, MemberStatus
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
from identity.audit import audit_events_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def bylaws():
    return bylaws_make()


@pytest.fixture
def board(bylaws):
    return board_person()


@pytest.fixture
def trustee_users(bylaws):
    return trustees_make(3)


@pytest.fixture
def ready(board, trustee_users):
    """An election whose ceremony ran through the endpoints, open now."""
    election = election_make(board=board, trustees=trustee_users)
    services.election_ceremony_start(election=election, acting_user=board)
    trustees = trustees_for(election, trustee_users)
    election = ceremony_run(election, trustees)
    assert services.election_open(election_id=election.pk)
    election.refresh_from_db()
    election.simulated = trustees
    return election


def encrypt(election, choices):
    ballot, _secrets = ballots.encrypt_ballot(
        election.manifest,
        bytes.fromhex(election.fingerprint),
        bytes.fromhex(election.public_key),
        choices,
    )
    return ballot


def voter_client(sign_in_at, member, acr="substantial"):
    client = Client()
    sign_in_at(client, member.person, acr)
    return client


def cast(client, election, ballot):
    return post_json(client, url("election_cast", election), ballot)


def problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code
    return response.json()


# --- The ceremony ---------------------------------------------------------------------


def test_the_ceremony_through_the_endpoints_makes_the_key(ready):
    trustees = list(ready.trustees.order_by("index"))
    commitments = {
        t.index: [group.decode_point(c["point"]) for c in t.commitments] for t in trustees
    }
    assert ready.status == ElectionStatus.OPEN
    assert ready.public_key == dkg.election_key(commitments).hex()
    for t in trustees:
        assert t.verification_key == dkg.verification_key(commitments, t.index).hex()
    actions = [e.action for e in audit_events_for(ready)]
    assert actions.count("election_trustee_key") == 3
    assert actions.count("election_trustee_deal") == 3
    assert actions.count("election_trustee_check") == 3
    assert {"election_create", "election_ceremony_start", "election_ready", "election_open"} <= set(
        actions
    )


def test_a_transport_key_with_a_wrong_proof_is_refused(board, trustee_users):
    election = election_make(board=board, trustees=trustee_users)
    services.election_ceremony_start(election=election, acting_user=board)
    election.refresh_from_db()
    keys = dkg.TrusteeKeys(str(election.public_id), bytes.fromhex(election.fingerprint), 2, 3, 2)
    message = keys.transport_key()  # made for index 2, posted by trustee 1
    client = Client()
    client.force_login(trustee_users[0])
    body = problem(
        post_json(client, url("election_trustee_cle", election), message),
        422,
        "trustee_message_invalid",
    )
    assert body["path"] == "proof"


def test_dealing_before_every_key_is_in_is_refused(board, trustee_users):
    election = election_make(board=board, trustees=trustee_users)
    services.election_ceremony_start(election=election, acting_user=board)
    first = trustees_for(election, trustee_users)[0]
    first.step()
    response = first.post("distribution", {"commitments": [], "shares": []})
    problem(response, 409, "election_state_refused")


def test_a_verification_key_that_is_not_the_commitments_is_refused(board, trustee_users):
    election = election_make(board=board, trustees=trustee_users)
    services.election_ceremony_start(election=election, acting_user=board)
    trustees = trustees_for(election, trustee_users)
    for _ in range(2):
        for trustee in trustees:
            trustee.step()
    response = trustees[0].post("verification", {"verification_key": group.G.hex()})
    problem(response, 422, "trustee_message_invalid")


def test_the_trustee_state_is_only_the_trustees(ready, sign_in_at):
    outsider = member_make()
    problem(
        voter_client(sign_in_at, outsider).get(url("election_trustee_state", ready)),
        403,
        "not_a_trustee",
    )
    problem(Client().get(url("election_trustee_state", ready)), 403, "not_authenticated")


# --- Casting: accepted, and each refusal on its own ------------------------------------


def test_a_ballot_is_cast_and_found_on_the_board(ready, sign_in_at):
    member = member_make()
    response = cast(voter_client(sign_in_at, member), ready, encrypt(ready, [[0], [1, 0]]))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["replaced"] is False
    board = Client().get(url("election_board", ready), {"suivi": body["tracker"][:10]})
    assert body["tracker"] in board.content.decode()


def test_a_new_ballot_replaces_the_earlier_when_the_bylaws_allow(ready, sign_in_at):
    member = member_make()
    client = voter_client(sign_in_at, member)
    first = cast(client, ready, encrypt(ready, [[0], [0]])).json()
    second = cast(client, ready, encrypt(ready, [[1], [2]])).json()
    assert second["replaced"] is True
    rows = CastBallot.objects.filter(election=ready, member=member).order_by("cast_at", "pk")
    assert [r.tracker for r in rows] == [first["tracker"], second["tracker"]]
    assert rows[0].replaced_by_id == rows[1].pk and rows[1].replaced_at is None
    page = Client().get(url("election_board", ready)).content.decode()
    assert first["tracker"] in page and second["tracker"] in page


def test_a_second_ballot_is_refused_when_revoting_is_off(board, trustee_users, sign_in_at):
    bylaws_make(revote_replaces=False)
    election = election_make(board=board, trustees=trustee_users)
    services.election_ceremony_start(election=election, acting_user=board)
    election = ceremony_run(election, trustees_for(election, trustee_users))
    services.election_open(election_id=election.pk)
    election.refresh_from_db()
    client = voter_client(sign_in_at, member_make())
    assert cast(client, election, encrypt(election, [[0], [0]])).status_code == 201
    problem(cast(client, election, encrypt(election, [[1], [1]])), 409, "already_voted")


def test_a_non_member_is_refused(ready, sign_in_at):
    person = person_create("not-a-member@example.org")
    client = Client()
    sign_in_at(client, person, "high")
    problem(cast(client, ready, encrypt(ready, [[0], [0]])), 403, "not_a_member")


def test_a_suspended_member_is_refused(ready, sign_in_at):
    member = member_make(status=MemberStatus.SUSPENDED)
    problem(
        cast(voter_client(sign_in_at, member), ready, encrypt(ready, [[0], [0]])),
        403,
        "member_suspended",
    )


def test_a_withdrawn_member_is_refused(ready, sign_in_at):
    member = member_make(status=MemberStatus.WITHDRAWN)
    problem(
        cast(voter_client(sign_in_at, member), ready, encrypt(ready, [[0], [0]])),
        403,
        "member_withdrawn",
    )


def test_a_visitor_is_refused(ready):
    problem(cast(Client(), ready, encrypt(ready, [[0], [0]])), 403, "not_authenticated")


def test_a_ballot_below_the_assurance_is_refused(board, trustee_users, sign_in_at):
    bylaws_make(vote_assurance="high")
    election = election_make(board=board, trustees=trustee_users)
    services.election_ceremony_start(election=election, acting_user=board)
    election = ceremony_run(election, trustees_for(election, trustee_users))
    services.election_open(election_id=election.pk)
    election.refresh_from_db()
    member = member_make()
    problem(
        cast(
            voter_client(sign_in_at, member, "substantial"), election, encrypt(election, [[0], [0]])
        ),
        403,
        "assurance_too_low",
    )
    assert (
        cast(
            voter_client(sign_in_at, member, "high"), election, encrypt(election, [[0], [0]])
        ).status_code
        == 201
    )


def test_a_ballot_after_closing_is_refused(ready, sign_in_at):
    client = voter_client(sign_in_at, member_make())
    ballot = encrypt(ready, [[0], [0]])
    assert services.election_close(election_id=ready.pk, at=ready.closes_at)
    problem(cast(client, ready, ballot), 409, "election_closed")


def test_a_ballot_past_the_closing_time_is_refused_before_the_sweep(ready, sign_in_at):
    type(ready).objects.filter(pk=ready.pk).update(
        closes_at=timezone.now() - datetime.timedelta(seconds=1),
        opens_at=timezone.now() - datetime.timedelta(hours=1),
    )
    problem(
        cast(voter_client(sign_in_at, member_make()), ready, encrypt(ready, [[0], [0]])),
        409,
        "election_closed",
    )


def test_a_ballot_before_the_opening_is_refused(board, trustee_users, sign_in_at):
    election = election_make(board=board, trustees=trustee_users)
    services.election_ceremony_start(election=election, acting_user=board)
    election = ceremony_run(election, trustees_for(election, trustee_users))
    problem(
        cast(voter_client(sign_in_at, member_make()), election, encrypt(election, [[0], [0]])),
        409,
        "election_closed",
    )


def test_an_invalid_ballot_is_refused_with_the_path(ready, sign_in_at):
    ballot = encrypt(ready, [[0], [0]])
    selection = ballot["answers"][0]["selections"][1]
    selection["beta"], selection["alpha"] = selection["alpha"], selection["beta"]
    body = problem(
        cast(voter_client(sign_in_at, member_make()), ready, ballot), 422, "ballot_invalid"
    )
    assert "answers[0]" in body["path"] and body["reason"]


def test_a_ciphertext_already_cast_is_refused(ready, sign_in_at):
    ballot = encrypt(ready, [[0], [0]])
    assert cast(voter_client(sign_in_at, member_make()), ready, ballot).status_code == 201
    problem(cast(voter_client(sign_in_at, member_make()), ready, ballot), 409, "ciphertext_reused")


def test_a_ballot_too_large_is_refused(ready, sign_in_at):
    client = voter_client(sign_in_at, member_make())
    body = {"padding": "x" * (services.MAX_BALLOT_BYTES + 10)}
    problem(post_json(client, url("election_cast", ready), body), 413, "ballot_too_large")


def test_a_ballot_nested_too_deep_is_refused(ready, sign_in_at):
    client = voter_client(sign_in_at, member_make())
    deep = "[" * 100 + "]" * 100
    response = client.post(
        url("election_cast", ready), data='{"a": ' + deep + "}", content_type="application/json"
    )
    problem(response, 400, "ballot_malformed")


def test_a_body_that_is_not_json_is_refused(ready, sign_in_at):
    client = voter_client(sign_in_at, member_make())
    response = client.post(
        url("election_cast", ready), data="{not json", content_type="application/json"
    )
    problem(response, 400, "ballot_malformed")


# --- A whole election -------------------------------------------------------------------


def test_a_whole_election_with_revotes_and_one_trustee_absent(ready, sign_in_at):
    from coop_governance.election import record as election_record

    voters = [member_make() for _ in range(50)]
    expected_yes = 0
    final = {}
    for n, member in enumerate(voters):
        client = voter_client(sign_in_at, member)
        choice = [[n % 2], [n % 4, (n + 1) % 4]]
        assert cast(client, ready, encrypt(ready, choice)).status_code == 201
        if n % 10 == 0:  # five voters change their minds
            choice = [[1 - n % 2], [(n + 2) % 4]]
            response = cast(client, ready, encrypt(ready, choice))
            assert response.json()["replaced"] is True
        final[member.pk] = choice
    expected_yes = sum(1 for c in final.values() if c[0] == [0])
    assert services.election_close(election_id=ready.pk, at=ready.closes_at)
    ready.refresh_from_db()
    assert ready.status == ElectionStatus.TALLYING
    first, absent, third = ready.simulated
    assert first.step() == "mix"
    assert absent.state()["phase"] == "mix"
    assert third.step() == "mix"
    assert absent.state()["phase"] == "decrypt"  # two shuffles made; the mix is done
    assert first.step() == "decrypt"
    assert third.step() == "decrypt"
    ready.refresh_from_db()
    assert ready.status == ElectionStatus.PUBLISHED
    assert ready.result["q1"]["counts"] == [expected_yes, 50 - expected_yes]
    assert ready.eligible_count >= 50
    assert len(ready.record["ballots"]) == 55

    downloaded = json.loads(Client().get(url("election_record", ready)).content)
    report = election_record.verify_record(downloaded)
    assert report.ok, report.failures
    page = Client().get(url("election_results", ready))
    assert page.status_code == 200
    assert "python -m coop_governance.verify dossier.json" in page.content.decode()
    actions = [e.action for e in audit_events_for(ready)]
    assert actions.count("election_trustee_shuffle") == 2
    assert actions.count("election_trustee_decrypt") == 2
    assert {"election_close", "election_publish"} <= set(actions)
