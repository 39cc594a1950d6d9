"""The browser's bid encryption (frontend/src/tender.js in the committed bundle
coop_governance/static/coop_governance/vendor/election.min.js) against the Python side: the
node tests on docs/tender-vectors.json, then a bid encrypted by the bundle for a call whose
key t officials hold, checked and opened in Python. Only node is needed (no npm)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from civic import tender_crypto as tc
from civic import tender_testing as tt
from coop_governance.election import group

ROOT = Path(__file__).resolve().parents[2]


def test_node_tests_pass_on_the_committed_bundle():
    done = subprocess.run(
        ["node", "--test", str(ROOT / "frontend" / "test" / "tender-bundle.test.mjs")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


def test_a_bid_from_the_bundle_checks_and_opens_in_python():
    call = tt.ceremony(tt.manifest_for(call_id="3c2b1a09-8f7e-4d6c-9b5a-493827160504"))
    plaintext = "Soumission révisée : 97 000 $".encode()
    done = subprocess.run(
        ["node", str(ROOT / "frontend" / "testing" / "tender-call.mjs")],
        input=json.dumps(
            {
                "manifest": call.manifest,
                "fingerprint": call.fp.hex(),
                "public_key": call.K.hex(),
                "neq": "1140000000",
                "plaintext": plaintext.hex(),
            }
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    ciphertext = bytes.fromhex(made["ciphertext"])
    bid = dict(made["bid"], ciphertext=ciphertext)
    checked = tc.bid_check(call.call_id, call.fp, call.K, "1140000000", bid)
    shares = {k.index: group.mul(k.secret_share, checked.R) for k in call.keys[1:]}
    shared = tc.shared_point(2, shares)
    assert tc.bid_open(call.call_id, call.fp, call.K, bid, shared) == plaintext
