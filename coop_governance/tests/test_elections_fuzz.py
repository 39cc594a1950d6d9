"""Every trustee endpoint and the casting endpoint, fed a valid message with one part
replaced by arbitrary JSON (or arbitrary JSON whole), answer a 4xx problem document or accept
it, never a 500: each message is read by core.jsonin and checked value by value."""

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coop_governance import elections as services
from coop_governance.election import ballots, dkg
from coop_governance.tests.election_helpers import (
    board_person,
    election_make,
    post_json,
    trustees_for,
    trustees_make,
    url,
)
from coop_governance.tests.factories import bylaws_make, member_make

pytestmark = pytest.mark.django_db

SCALAR = "ff" * 32
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from(["", "q1", SCALAR, "00" * 32, "zz", "e2f2ae0a6abc4e71"])
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON value, the whole value (the empty path) included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            found += paths(item, (*prefix, index))
    return found


def replaced(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copy


def assert_answered(response) -> None:
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json", response.content


@pytest.fixture
def ceremony():
    bylaws_make()
    board = board_person()
    users = trustees_make(3)
    election = election_make(board=board, trustees=users)
    services.election_ceremony_start(election=election, acting_user=board)
    return election, trustees_for(election, users)


def fuzz_message(data, trustee, endpoint: str, valid: dict) -> None:
    places = paths(valid)
    path = data.draw(st.sampled_from(places))
    body = replaced(valid, path, data.draw(JSON))
    assert_answered(trustee.post(endpoint, body))


@FUZZ
@given(data=st.data())
def test_the_transport_key_endpoint_never_fails(ceremony, data):
    _, trustees = ceremony
    first = trustees[0]

    state = first.state()
    keys = dkg.TrusteeKeys(state["election_id"], bytes.fromhex(state["fingerprint"]), 1, 3, 2)
    fuzz_message(data, first, "cle", keys.transport_key())


@pytest.fixture
def dealing(ceremony):
    election, trustees = ceremony
    for trustee in trustees:
        assert trustee.step() == "transport"
    return election, trustees


@FUZZ
@given(data=st.data())
def test_the_dealing_endpoint_never_fails(dealing, data):
    _, trustees = dealing
    first = trustees[0]
    keys = {t["index"]: t["transport_key"] for t in first.state()["trustees"]}
    fuzz_message(data, first, "distribution", first.keys.deal(keys))


@pytest.fixture
def checking(dealing):
    election, trustees = dealing
    for trustee in trustees:
        assert trustee.step() == "deal"
    return election, trustees


@pytest.fixture
def verification(checking):
    _, trustees = checking
    first = trustees[0]
    return first, {"verification_key": first.keys.check(first.state()["received"])}


@FUZZ
@given(data=st.data())
def test_the_checking_endpoint_never_fails(verification, data):
    trustee, valid = verification
    places = [(), ("verification_key",), ("complaint",), ("complaint", "from")]
    path = data.draw(st.sampled_from(places))
    base = {"complaint": {"from": 2, "reason": "x"}} if path[:1] == ("complaint",) else valid
    body = replaced(base, path, data.draw(JSON))
    assert_answered(trustee.post("verification", body))


@pytest.fixture
def counting(checking, sign_in_at):
    """A closed election with three ballots, its ranked question waiting for a shuffle."""
    election, trustees = checking
    for trustee in trustees:
        assert trustee.step() == "check"
    election.refresh_from_db()
    assert services.election_open(election_id=election.pk)
    election.refresh_from_db()
    for choices in ([[0], [0, 1, 2]], [[1], [3, 2]], [[0], [1]]):
        ballot, _ = ballots.encrypt_ballot(
            election.manifest,
            bytes.fromhex(election.fingerprint),
            bytes.fromhex(election.public_key),
            choices,
        )
        client = Client()
        sign_in_at(client, member_make().person, "high")
        assert post_json(client, url("election_cast", election), ballot).status_code == 201
    assert services.election_close(
        election_id=election.pk, at=election.closes_at + datetime.timedelta(seconds=1)
    )
    election.refresh_from_db()
    return election, trustees


class _Accepted:
    status_code = 201
    content = b""


def next_message(trustee) -> dict:
    """What the trustee's page would post next, kept instead of sent."""
    sent = {}
    trustee.post = lambda name, body: sent.setdefault("body", body) and _Accepted()
    trustee.step()
    del trustee.post
    return sent["body"]


@pytest.fixture
def shuffling(counting):
    _, trustees = counting
    assert trustees[0].state()["phase"] == "mix"
    return trustees[0], next_message(trustees[0])


@FUZZ
@given(data=st.data())
def test_the_shuffle_endpoint_never_fails(shuffling, data):
    trustee, valid = shuffling
    fuzz_message(data, trustee, "melange", valid)


@pytest.fixture
def decrypting(counting):
    _, trustees = counting
    assert trustees[0].step() == "mix"
    assert trustees[1].step() == "mix"
    assert trustees[0].state()["phase"] == "decrypt"
    return trustees[0], next_message(trustees[0])


@FUZZ
@given(data=st.data())
def test_the_decryption_endpoint_never_fails(decrypting, data):
    trustee, valid = decrypting
    fuzz_message(data, trustee, "depouillement", valid)


@FUZZ
@given(data=st.data())
def test_the_casting_endpoint_never_fails(counting, sign_in_at, data):
    election, _ = counting
    election.status = "open"
    election.closes_at = election.closes_at + datetime.timedelta(days=1)
    election.save(update_fields=["status", "closes_at"])
    ballot, _ = ballots.encrypt_ballot(
        election.manifest,
        bytes.fromhex(election.fingerprint),
        bytes.fromhex(election.public_key),
        [[0], [2, 1]],
    )
    client = Client()
    sign_in_at(client, member_make().person, "high")
    path = data.draw(st.sampled_from(paths(ballot)))
    response = post_json(
        client, url("election_cast", election), replaced(ballot, path, data.draw(JSON))
    )
    assert_answered(response)
