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

from coop_governance.election import shuffle
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
const answer = job.verify
  ? verifyShuffle(job.eid, job.fp, job.key, job.qid, job.position, job.input, job.output, job.proof)
  : trusteeShuffle(job.eid, job.fp, job.key, job.qid, job.position, job.input);
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
    answer = _node({**job, "input": shuffle.encode_ballots(inputs)})
    outputs = shuffle.decode_ballots(answer["output"], 3, "output")
    shuffle.verify_shuffle(ctx, QID, 1, inputs, outputs, answer["proof"])
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
    outputs, proof = shuffle.shuffle(ctx, QID, 1, inputs)
    encoded = {**job, "verify": True, "input": shuffle.encode_ballots(inputs)}
    answer = _node({**encoded, "output": shuffle.encode_ballots(outputs), "proof": proof})
    assert answer == {"ok": True, "problems": []}
    wrong = _node({**encoded, "output": shuffle.encode_ballots(outputs[::-1]), "proof": proof})
    assert wrong["ok"] is False
