"""The browser's shuffle (frontend/src/shuffle.js, run by node) and the Python verifier agree.

Needs node and frontend/node_modules, and frontend/src/election.js (hB's group primitives,
which shuffle.js imports); skipped when one is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from coop_governance.election import group, mixing, shuffle
from coop_governance.election.errors import RecordInvalid
from coop_governance.tests import election_mix_helpers as sim

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
QID = "q2"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None
    or not (FRONTEND / "node_modules" / "@noble" / "curves").is_dir()
    or not (FRONTEND / "src" / "election.js").is_file(),
    reason="needs node, frontend/node_modules and frontend/src/election.js",
)

SCRIPT = """
import { readFileSync } from "node:fs";
import { trusteeShuffle, verifyShuffle } from "./src/shuffle.js";
const job = JSON.parse(readFileSync(0, "utf8"));
const signed = { trustee: job.trustee, transportKey: job.transport_key, signature: job.signature };
const answer = job.verify
  ? verifyShuffle(
      job.eid, job.fp, job.key, job.qid, job.position, job.input, job.output, job.proof, signed
    )
  : trusteeShuffle(job.eid, job.fp, job.key, job.qid, job.position, job.input, {
      trustee: job.trustee,
      transportSecret: job.transport_secret,
    });
process.stdout.write(JSON.stringify(answer));
"""


def _node(job: dict) -> dict:
    done = subprocess.run(
        ["node", "--input-type=module", "-e", SCRIPT],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        cwd=FRONTEND,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


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
