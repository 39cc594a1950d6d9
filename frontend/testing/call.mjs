/* Calls one function of the committed bundle (what browsers load) for a Python test:
 * reads {"call": "<exported name>", "args": [...]} as JSON on stdin and prints the
 * function's answer as JSON. coop_governance/tests/test_election_js.py uses it to encrypt a
 * ballot in JavaScript for a manifest and key made in Python, and the other way round.
 *
 *   echo '{"call": "manifestFingerprint", "args": [{...}]}' | node frontend/testing/call.mjs */
import * as E from "../../coop_governance/static/coop_governance/vendor/election.min.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { call, args } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
if (typeof E[call] !== "function") throw new Error(`the bundle exports no function ${call}`);
process.stdout.write(JSON.stringify(E[call](...args)));
