/* A trustee's shuffle of a ranked question's ballots (trusteeShuffle, in the bundle),
 * run off the page's thread so that the ceremony page stays responsive while hundreds of
 * ballots are re-encrypted and the proof is made (trustee.js starts it), and the shuffle
 * is signed with the key file's transport secret. The secret permutation and randomness
 * never leave this worker: only {output, proof, signature} comes back. */
import { trusteeShuffle } from "./vendor/election.min.js";

self.addEventListener("message", (event) => {
  const { eid, fingerprint, publicKey, questionId, position, input, trustee, transportSecret } = event.data;
  try {
    const shuffled = trusteeShuffle(eid, fingerprint, publicKey, questionId, position, input, {
      trustee,
      transportSecret,
    });
    self.postMessage({ ok: true, output: shuffled.output, proof: shuffled.proof, signature: shuffled.signature });
  } catch (error) {
    self.postMessage({ ok: false, message: String((error && error.message) || error), path: error && error.path });
  }
});
