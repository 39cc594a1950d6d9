"""The browser's shuffle (frontend/src/shuffle.js, in the committed bundle that browsers load,
run by node) and the Python verifier agree. Only node is needed: the bundle is committed."""

from __future__ import annotations

import pytest

from coop_governance.election import group, mixing, shuffle
from coop_governance.election.errors import RecordInvalid
from coop_governance.tests import election_mix_helpers as sim
from coop_governance.tests.test_election_js import call

QID = "q2"


def _node(job: dict) -> dict:
    """The bundle's trusteeShuffle, or its verifyShuffle when the job says verify."""
    head = (job["eid"], job["fp"], job["key"], job["qid"], job["position"], job["input"])
    if job.get("verify"):
        signed = {
            "trustee": job.get("trustee"),
            "transportKey": job.get("transport_key"),
            "signature": job.get("signature"),
        }
        return call("verifyShuffle", *head, job["output"], job["proof"], signed)
    secret = {"trustee": job["trustee"], "transportSecret": job["transport_secret"]}
    return call("trusteeShuffle", *head, secret)


@pytest.fixture(scope="module")
def election():
    ctx, _, secret = sim.election()
    values = [[1, 2, 3], [2, 0, 0], [3, 1, 0], [1, 3, 2], [0, 0, 0]]
    inputs = [[sim.encrypt(ctx, v) for v in row] for row in values]
    job = {"eid": ctx.eid, "fp": ctx.fp.hex(), "key": ctx.K.hex(), "qid": QID, "position": 1}
    return ctx, secret, values, inputs, job


def test_a_shuffle_made_in_node_verifies_in_python(election):
    ctx, secret, values, inputs, job = election
    answer = _node(
        {
            **job,
            "input": shuffle.encode_ballots(inputs),
            "trustee": 2,
            "transport_secret": group.scalar_hex(sim.transport_secret(2)),
        }
    )
    outputs = shuffle.decode_ballots(answer["output"], 3, "output")
    shuffle.verify_shuffle(ctx, QID, 1, inputs, outputs, answer["proof"])
    # Node's signature is trustee 2's in Python, and no one else's.
    step = mixing.verify_shuffle_step(
        ctx, QID, 1, inputs, answer["output"], answer["proof"], answer["signature"], 2
    )
    assert step == outputs
    with pytest.raises(RecordInvalid) as caught:
        shuffle.verify_signature(
            ctx, QID, 1, 3, inputs, outputs, answer["proof"], answer["signature"]
        )
    assert caught.value.path == "signature"
    decrypted = sorted([sim.decrypt(secret, c, 3) for c in ballot] for ballot in outputs)
    assert decrypted == sorted(values)
    # And Python refuses it for another position, or with two ballots swapped.
    with pytest.raises(RecordInvalid):
        shuffle.verify_shuffle(ctx, QID, 0, inputs, outputs, answer["proof"])
    with pytest.raises(RecordInvalid):
        swapped = [outputs[1], outputs[0], *outputs[2:]]
        shuffle.verify_shuffle(ctx, QID, 1, inputs, swapped, answer["proof"])


def test_a_shuffle_made_in_python_verifies_in_node(election):
    ctx, _, _, inputs, job = election
    step = shuffle.shuffle_step(
        ctx, QID, 1, inputs, trustee=3, transport_secret=sim.transport_secret(3)
    )
    encoded = {
        **job,
        "verify": True,
        "input": shuffle.encode_ballots(inputs),
        "trustee": 3,
        "transport_key": ctx.transport_keys[3].hex(),
        "signature": step["signature"],
    }
    answer = _node({**encoded, "output": step["output"], "proof": step["proof"]})
    assert answer == {"ok": True, "problems": []}
    wrong = _node({**encoded, "output": step["output"][::-1], "proof": step["proof"]})
    assert wrong["ok"] is False
    # Node refuses Python's signature for another trustee's key, or altered.
    other = _node(
        {
            **encoded,
            "transport_key": ctx.transport_keys[1].hex(),
            "output": step["output"],
            "proof": step["proof"],
        }
    )
    assert [p["path"] for p in other["problems"]] == ["signature"]
    z = group.scalar_hex((group.decode_scalar(step["signature"]["z"]) + 1) % group.L)
    altered = _node(
        {
            **encoded,
            "signature": {**step["signature"], "z": z},
            "output": step["output"],
            "proof": step["proof"],
        }
    )
    assert [p["path"] for p in altered["problems"]] == ["signature"]
