/* Encrypts one bid with the committed bundle for a Python test (civic/tests/test_tender_js.py):
 * reads {"manifest", "fingerprint", "public_key", "neq", "plaintext": hex} on stdin and
 * prints {"bid", "ciphertext": hex}.
 *
 *   echo '{"manifest": {...}, ...}' | node frontend/testing/tender-call.mjs */
import * as E from "../../coop_governance/static/coop_governance/vendor/election.min.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const plaintext = Uint8Array.from(Buffer.from(input.plaintext, "hex"));
const { bid, ciphertext } = await E.encryptBid(
  input.manifest, input.fingerprint, input.public_key, input.neq, plaintext,
);
process.stdout.write(JSON.stringify({ bid, ciphertext: E.bytesToHex(ciphertext) }));
