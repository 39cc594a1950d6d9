// node --test frontend/test/shuffle.test.mjs: the browser's shuffle verifies in the browser's
// verifier, keeps the ballots, is signed by its trustee, and each way of cheating is refused. (The Python verifier
// checks the same proofs: coop_governance/tests/test_election_mix_js.py.)
import assert from "node:assert/strict";
import { test } from "node:test";

import { G, mul, pointFromHex, pointToHex, randomScalar, scalarFromHex, scalarToHex, smallMultiple } from "../src/election.js";
import { trusteeShuffle, verifyShuffle } from "../src/shuffle.js";

const EID = "0b5cf0b6-2c1f-4d55-9d5e-3c3f4f6f1f10";
const FP = "ab".repeat(32);
const QID = "q2";
const x = randomScalar();
const K = pointToHex(mul(x, G));

function encrypt(m) {
  const r = randomScalar();
  return { alpha: pointToHex(mul(r, G)), beta: pointToHex(smallMultiple(m).add(mul(r, pointFromHex(K)))) };
}

function decrypt({ alpha, beta }) {
  const point = pointFromHex(beta).subtract(mul(x, pointFromHex(alpha)));
  for (let m = 0; m <= 10; m++) if (smallMultiple(m).equals(point)) return m;
  throw new Error("not a small value");
}

const VALUES = [[1, 2, 3], [2, 0, 0], [3, 1, 0], [1, 3, 2], [0, 0, 0]];
const input = VALUES.map((row) => row.map(encrypt));
const Y1 = randomScalar();
const Y2 = randomScalar();
const SIGNER = { trustee: 1, transportSecret: scalarToHex(Y1) };
const TRANSPORT_KEY = pointToHex(mul(Y1, G));
const { output, proof, signature } = trusteeShuffle(EID, FP, K, QID, 0, input, SIGNER);
const signed = (sig, { trustee = 1, transportKey = TRANSPORT_KEY } = {}) => ({ trustee, transportKey, signature: sig });
const verify = (out, prf, { qid = QID, position = 0 } = {}) =>
  verifyShuffle(EID, FP, K, qid, position, input, out, prf);
const clone = (value) => JSON.parse(JSON.stringify(value));

test("a shuffle verifies and keeps the ballots as a multiset", () => {
  assert.deepEqual(verify(output, proof), { ok: true, problems: [] });
  const key = (rows) => rows.map((r) => r.join(",")).sort();
  assert.deepEqual(key(output.map((b) => b.map(decrypt))), key(VALUES));
  const inputAlphas = new Set(input.flat().map((c) => c.alpha));
  assert.ok(output.flat().every((c) => !inputAlphas.has(c.alpha)));
});

test("a ballot dropped, duplicated or added is refused", () => {
  assert.equal(verify(output.slice(1), proof).problems[0].path, "output");
  const duplicated = clone(output);
  duplicated[1] = duplicated[0];
  assert.equal(verify(duplicated, proof).problems[0].path, "proof");
  assert.equal(verify([...output, output[0]], proof).problems[0].path, "output");
});

test("an altered ciphertext or a reordered output is refused", () => {
  const altered = clone(output);
  altered[2][1].beta = pointToHex(pointFromHex(altered[2][1].beta).add(G));
  assert.equal(verify(altered, proof).ok, false);
  const reordered = clone(output);
  [reordered[0], reordered[1]] = [reordered[1], reordered[0]];
  assert.equal(verify(reordered, proof).ok, false);
});

test("each altered proof value is refused", () => {
  for (const field of ["commitments", "chain", "c", "s1", "s2", "s3", "s4", "s_hat", "s_prime"]) {
    const bad = clone(proof);
    const list = Array.isArray(bad[field]);
    const value = list ? bad[field][1] : bad[field];
    const changed =
      field === "commitments" || field === "chain"
        ? pointToHex(pointFromHex(value).add(G))
        : scalarToHex((scalarFromHex(value) + 1n) % (2n ** 252n + 27742317777372353535851937790883648493n));
    if (list) bad[field][1] = changed;
    else bad[field] = changed;
    assert.deepEqual(verify(output, bad).problems.map((p) => p.path), ["proof"], field);
  }
});

test("another question or position, a bad point, a scalar out of range are refused", () => {
  assert.equal(verify(output, proof, { qid: "q3" }).ok, false);
  assert.equal(verify(output, proof, { position: 1 }).ok, false);
  const badPoint = clone(proof);
  badPoint.chain[0] = "ff".repeat(32);
  assert.equal(verify(output, badPoint).problems[0].path, "proof.chain[0]");
  const badScalar = clone(proof);
  badScalar.s1 = "ff".repeat(32);
  assert.equal(verify(output, badScalar).problems[0].path, "proof.s1");
});

test("the shuffle is signed by its trustee's transport key", () => {
  assert.deepEqual(verifyShuffle(EID, FP, K, QID, 0, input, output, proof, signed(signature)), { ok: true, problems: [] });
  const paths = (sig, options, out = output, prf = proof) =>
    verifyShuffle(EID, FP, K, QID, 0, input, out, prf, signed(sig, options)).problems.map((p) => p.path);
  // Signed by another trustee's key, or claimed for another trustee.
  const other = trusteeShuffle(EID, FP, K, QID, 0, input, { trustee: 1, transportSecret: scalarToHex(Y2) });
  assert.deepEqual(paths(other.signature, {}, other.output, other.proof), ["signature"]);
  assert.deepEqual(paths(signature, { trustee: 2 }), ["signature"]);
  // Moved to another valid shuffle of the same input.
  assert.deepEqual(paths(signature, {}, other.output, other.proof), ["signature"]);
  // Missing, altered, out of range.
  assert.deepEqual(paths(undefined), ["signature"]);
  assert.deepEqual(paths({ ...signature, z: scalarToHex((scalarFromHex(signature.z) + 1n) % (2n ** 252n + 27742317777372353535851937790883648493n)) }), ["signature"]);
  assert.deepEqual(paths({ ...signature, c: "ff".repeat(32) }), ["signature.c"]);
  // Without the index or the secret, nothing is shuffled.
  assert.throws(() => trusteeShuffle(EID, FP, K, QID, 0, input));
});

test("N=100 ballots of 5 ranks: timing", () => {
  const big = Array.from({ length: 100 }, (_, i) => Array.from({ length: 5 }, (_, k) => encrypt((i + k) % 6)));
  let start = performance.now();
  const shuffled = trusteeShuffle(EID, FP, K, QID, 1, big, SIGNER);
  const proving = performance.now() - start;
  start = performance.now();
  const result = verifyShuffle(EID, FP, K, QID, 1, big, shuffled.output, shuffled.proof);
  const verifying = performance.now() - start;
  assert.ok(result.ok);
  console.log(`node: shuffle + proof of 100 x 5: ${proving.toFixed(0)} ms; verification: ${verifying.toFixed(0)} ms`);
});
