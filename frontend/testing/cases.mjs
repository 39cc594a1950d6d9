/* The tests of the election cryptography, run against a module E that is either
 * frontend/src/election.js (frontend/test/election.test.mjs, needs frontend/node_modules)
 * or the committed bundle coop_governance/static/coop_governance/vendor/election.min.js
 * (frontend/test/bundle.test.mjs, needs nothing but node). The section numbers are those of
 * docs/election-record.md. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { LITERALS } from "./literals.mjs";
import { checkVectors } from "./vectors.mjs";

const VECTORS = new URL("../../docs/election-vectors.json", import.meta.url);

export function electionCases(E) {
  const { manifest } = LITERALS;
  const eid = manifest.election_id;
  const fp = LITERALS.fingerprint;
  const K = LITERALS.public_key;

  /** The k-th nonce of the literals: H("test-nonce", k), k an integer item. */
  const nonces = (start = 0) => {
    let k = start;
    return () => E.challenge("test-nonce", [k++]);
  };
  const hexToBytes = (hex) => Uint8Array.from(hex.match(/../g), (byte) => parseInt(byte, 16));
  /** 32 bytes little-endian of any n < 2^256 (scalarToHex refuses n >= L). */
  const scalarLE = (n) =>
    E.bytesToHex(Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn)));
  const branchesToJson = (proof) =>
    proof.map(({ c, z }) => ({ c: E.scalarToHex(c), z: E.scalarToHex(z) }));
  const paths = (problems) => problems.map((p) => p.path);
  const clone = (value) => JSON.parse(JSON.stringify(value));

  /* ---------------------------------------------------------- §1, §2 */

  test("the group's order and generator are the spec's", () => {
    assert.equal(E.L, 2n ** 252n + 27742317777372353535851937790883648493n);
    assert.equal(E.pointToHex(E.G), "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76");
    assert.equal(E.pointToHex(E.smallMultiple(0)), "00".repeat(32));
  });

  test("hash input, challenge, digest and wide digest are Python's bytes", () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i);
    const items = ["abc", 5, bytes, E.G, E.scalarToBytes(7n)];
    assert.equal(E.bytesToHex(E.hashInput("test", items)), LITERALS.hash.input);
    assert.equal(E.scalarToHex(E.challenge("test", items)), LITERALS.hash.challenge);
    assert.equal(E.bytesToHex(E.digest("test", items)), LITERALS.hash.digest);
    assert.equal(E.bytesToHex(E.wideDigest("test", items)), LITERALS.hash.wide);
    // A BigInt item is an integer (8 bytes), the same as a number; never a scalar.
    assert.deepEqual(E.hashInput("x", [5n]), E.hashInput("x", [5]));
  });

  test("hash items: a scalar passed as a BigInt, a fraction or a negative number is refused", () => {
    assert.throws(() => E.challenge("x", [E.randomScalar() + 2n ** 64n]), RangeError);
    assert.throws(() => E.challenge("x", [1.5]), TypeError);
    assert.throws(() => E.challenge("x", [-1]), RangeError);
    assert.throws(() => E.challenge("x", [{}]), TypeError);
  });

  /* ---------------------------------------------------------- §3 */

  test("the manifest's fingerprint is Python's, whatever the key order", () => {
    assert.equal(E.manifestFingerprint(manifest), fp);
    const reversed = Object.fromEntries(Object.entries(manifest).reverse());
    assert.equal(E.manifestFingerprint(reversed), fp);
    assert.notEqual(E.manifestFingerprint({ ...manifest, revote: false }), fp);
  });

  test("a manifest with a floating-point number or a lone surrogate is refused", () => {
    assert.throws(() => E.manifestFingerprint({ ...manifest, threshold: 1.5 }), E.InvalidValue);
    assert.throws(() => E.manifestFingerprint({ ...manifest, title: { fr: "\ud800" } }), E.InvalidValue);
  });

  /* ---------------------------------------------------------- §1 decoding */

  const BAD_POINTS = {
    "not a point": "ff".repeat(32),
    "negative (odd) encoding": "01" + "00".repeat(31),
    "p itself, non-canonical": "ed" + "ff".repeat(30) + "7f",
    "uppercase hex": LITERALS.public_key.toUpperCase(),
    "short": "00".repeat(31),
  };

  test("non-canonical, invalid or malformed points are refused", () => {
    for (const [what, hex] of Object.entries(BAD_POINTS)) {
      assert.throws(() => E.pointFromHex(hex, "p"), E.InvalidValue, what);
    }
    assert.throws(() => E.pointFromHex("00".repeat(32), "K", { allowIdentity: false }), /identity/);
    assert.ok(E.pointFromHex("00".repeat(32)).equals(E.IDENTITY));
  });

  test("a scalar not below L is refused, not reduced", () => {
    for (const n of [E.L, E.L + 1n, 2n ** 256n - 1n]) {
      assert.throws(() => E.scalarFromHex(scalarLE(n), "s"), /not below the group order/);
    }
    assert.equal(E.scalarFromHex(scalarLE(E.L - 1n)), E.L - 1n);
    assert.throws(() => E.scalarToBytes(E.L), RangeError);
  });

  test("random scalars are non-zero and below L", () => {
    for (let i = 0; i < 50; i++) {
      const s = E.randomScalar();
      assert.ok(s > 0n && s < E.L);
    }
  });

  /* ---------------------------------------------------------- §4, §5, §7 */

  test("encryption with a fixed r is Python's", () => {
    const { m, r, alpha, beta } = LITERALS.encryption;
    const ct = E.encrypt(E.pointFromHex(K), m, E.scalarFromHex(r));
    assert.equal(E.pointToHex(ct.alpha), alpha);
    assert.equal(E.pointToHex(ct.beta), beta);
  });

  test("a ballot with fixed nonces is Python's, byte for byte, tracker included", () => {
    const { choices, ballot, tracker } = LITERALS.ballot;
    const made = E.encryptBallot(manifest, fp, K, choices, { rng: nonces() });
    assert.deepEqual(made.ballot, ballot);
    assert.equal(made.tracker, tracker);
    assert.equal(E.ballotTracker(manifest, fp, ballot), tracker);
    assert.deepEqual(E.verifyBallot(manifest, fp, K, ballot), { ok: true, problems: [] });
  });

  test("encrypt, verify and audit round trips (choose and rank, full and blank)", () => {
    for (const choices of [[[1], [2, 0]], [[0, 2], []], [[2], [1]]]) {
      const { ballot, secrets, tracker } = E.encryptBallot(manifest, fp, K, choices);
      assert.deepEqual(E.verifyBallot(manifest, fp, K, ballot), { ok: true, problems: [] });
      assert.equal(E.ballotTracker(manifest, fp, ballot), tracker);
      const audit = E.auditBallot(manifest, fp, K, ballot, secrets);
      assert.deepEqual(audit, { ok: true, choices, problems: [] });
    }
  });

  test("the booth refuses choices the question does not allow", () => {
    for (const choices of [[[], []], [[0, 1, 2], []], [[3], []], [[1, 1], []], [[0], [0, 1, 2]], [[0]]]) {
      assert.throws(() => E.encryptBallot(manifest, fp, K, choices), E.InvalidValue, JSON.stringify(choices));
    }
    const other = { ...manifest, revote: false };
    assert.throws(() => E.encryptBallot(other, fp, K, [[0], []]), /fingerprint/);
    assert.throws(() => E.encryptBallot(manifest, fp, "00".repeat(32), [[0], []]), /identity/);
  });

  /** Every hex value of a ballot, with the path to it. */
  function hexLeaves(value, path = "", out = []) {
    if (typeof value === "string" && /^[0-9a-f]{64}$/.test(value)) out.push(path);
    else if (value && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        hexLeaves(item, Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key, out);
      }
    }
    return out;
  }

  function setAt(object, path, replace) {
    const keys = path.match(/[^.[\]]+/g);
    let at = object;
    for (const key of keys.slice(0, -1)) at = at[key];
    const last = keys[keys.length - 1];
    at[last] = replace(at[last], last);
    return object;
  }

  /** Another valid value of the same kind: a different point, or the scalar plus one. */
  function altered(hex, key) {
    if (key === "alpha" || key === "beta") return E.pointToHex(E.pointFromHex(hex).add(E.G));
    if (key === "fingerprint") return "00".repeat(32);
    return E.scalarToHex(E.mod(E.scalarFromHex(hex) + 1n));
  }

  test("any single altered value makes the ballot fail, at its path", () => {
    const { ballot } = LITERALS.ballot;
    const leaves = hexLeaves(ballot);
    assert.equal(leaves.length, 1 + 3 * 6 + 2 * 2 + 2 * (2 + 4 * 2)); // fingerprint, q1, count, q2
    for (const path of leaves) {
      const bad = setAt(clone(ballot), path, altered);
      const result = E.verifyBallot(manifest, fp, K, bad);
      assert.equal(result.ok, false, path);
      const itsFp = path === "fingerprint" ? "00".repeat(32) : fp;
      assert.notEqual(E.ballotTracker(manifest, itsFp, bad), LITERALS.ballot.tracker);
      // the proof of the altered ciphertext or branch fails (with the count proof, maybe)
      const expected = path
        .replace(/\.(alpha|beta)$/, ".proof")
        .replace(/(proof|count_proof)\[\d+\]\.[cz]$/, "$1");
      assert.ok(paths(result.problems).includes(expected), `${path}: ${paths(result.problems)}`);
    }
  });

  test("a ballot for another election, with a missing answer or a wrong shape is refused", () => {
    const { ballot } = LITERALS.ballot;
    const cases = [
      [(b) => { b.election_id = "other"; }, "election_id"],
      [(b) => { b.answers.pop(); }, "answers"],
      [(b) => { b.answers[0].question_id = "q2"; }, "answers[0].question_id"],
      [(b) => { b.answers[0].selections.pop(); }, "answers[0].selections"],
      [(b) => { b.answers[1].ranks[0].proof.pop(); }, "answers[1].ranks[0].proof"],
      [(b) => { b.answers[0].count_proof = []; }, "answers[0].count_proof"],
      [(b) => { b.extra = 1; }, "extra"],
      [(b) => { delete b.answers[1].ranks[0].beta; }, "answers[1].ranks[0].beta"],
      [(b) => { b.answers[1].ranks[1].proof[0].x = "00"; }, "answers[1].ranks[1].proof[0].x"],
      [(b) => { b.answers[1].count_proof = []; }, "answers[1].count_proof"],
      // the same ciphertext twice (its proofs are valid): refused, a copy would tell a vote
      [(b) => { b.answers[1].ranks[1] = b.answers[1].ranks[0]; }, "answers[1].ranks[1].alpha"],
    ];
    for (const [change, path] of cases) {
      const bad = clone(ballot);
      change(bad);
      const result = E.verifyBallot(manifest, fp, K, bad);
      assert.equal(result.ok, false, path);
      assert.equal(result.problems[0].path, path);
    }
  });

  test("a point not in the group or a scalar out of range in a ballot is refused at its path", () => {
    const { ballot } = LITERALS.ballot;
    for (const hex of Object.values(BAD_POINTS)) {
      const bad = setAt(clone(ballot), "answers[0].selections[1].beta", () => hex);
      const { problems } = E.verifyBallot(manifest, fp, K, bad);
      assert.deepEqual(paths(problems), ["answers[0].selections[1].beta"]);
    }
    for (const n of [E.L, 2n ** 256n - 1n]) {
      const bad = setAt(clone(ballot), "answers[1].ranks[1].proof[2].z", () => scalarLE(n));
      assert.deepEqual(E.verifyBallot(manifest, fp, K, bad).problems, [
        { path: "answers[1].ranks[1].proof[2].z", reason: "is not below the group order" },
      ]);
      // z + L would verify if it were reduced: it is refused all the same
      const z = E.scalarFromHex(ballot.answers[1].ranks[1].proof[2].z);
      if (z + E.L < 2n ** 256n) {
        const wrapped = setAt(clone(ballot), "answers[1].ranks[1].proof[2].z", () => scalarLE(z + E.L));
        assert.equal(E.verifyBallot(manifest, fp, K, wrapped).ok, false);
      }
    }
  });

  test("two selections where one is allowed: the count proof cannot be made", () => {
    const single = { ...manifest, questions: [{ ...manifest.questions[0], max: 1 }] };
    const fp1 = E.manifestFingerprint(single);
    const Kp = E.pointFromHex(K);
    const fpBytes = hexToBytes(fp1);
    const values = [1, 0, 1];
    const rs = values.map(() => E.randomScalar());
    const cts = values.map((v, i) => E.encrypt(Kp, v, rs[i]));
    const sum = E.addCiphertexts(cts);
    const statement = (label, context, ct, vals) => ({
      label,
      context: [eid, fpBytes, Kp, ...context],
      K: Kp,
      alpha: ct.alpha,
      beta: ct.beta,
      values: vals,
    });
    const selections = cts.map((ct, i) => ({
      alpha: E.pointToHex(ct.alpha),
      beta: E.pointToHex(ct.beta),
      proof: branchesToJson(E.proveOneOf(statement("selection", ["q1", i], ct, [0, 1]), values[i], rs[i])),
    }));
    // the cheat claims the sum is 1 (it is 2)
    const rSum = E.mod(rs.reduce((a, b) => a + b, 0n));
    const countProof = E.proveOneOf(statement("selection-count", ["q1"], sum, [1]), 0, rSum);
    const answer = { question_id: "q1", selections, count_proof: branchesToJson(countProof) };
    const ballot = { election_id: eid, fingerprint: fp1, answers: [answer] };
    assert.deepEqual(E.verifyBallot(single, fp1, K, ballot).problems, [
      { path: "answers[0].count_proof", reason: "the proof does not verify" },
    ]);
  });

  test("the audit finds a ciphertext that is not what the secrets say", () => {
    const { ballot, secrets } = E.encryptBallot(manifest, fp, K, [[0], [1, 2]]);
    const lying = clone(secrets);
    lying.answers[1].values = [3, 3]; // it was [2, 3]
    const audit = E.auditBallot(manifest, fp, K, ballot, lying);
    assert.equal(audit.ok, false);
    assert.equal(audit.choices, null);
    assert.deepEqual(audit.problems.map((p) => p.path), ["answers[1].ranks[0]"]);
    const swapped = clone(secrets);
    swapped.answers[0].randomness.reverse();
    assert.deepEqual(paths(E.auditBallot(manifest, fp, K, ballot, swapped).problems), [
      "answers[0].selections[0]",
      "answers[0].selections[2]",
    ]);
    const other = E.encryptBallot(manifest, fp, K, [[0], [1, 2]]).ballot;
    assert.equal(E.auditBallot(manifest, fp, K, other, secrets).ok, false);
    const outOfRange = clone(secrets);
    outOfRange.answers[0].randomness[0] = scalarLE(E.L);
    assert.deepEqual(paths(E.auditBallot(manifest, fp, K, ballot, outOfRange).problems), [
      "secrets.answers[0].randomness[0]",
    ]);
  });

  /* ---------------------------------------------------------- §5.2, §5.3, §6 with literals */

  test("transport key, coefficient, share box and partial decryption are Python's", () => {
    const tk = LITERALS.transport_key;
    assert.deepEqual(E.trusteeTransportKey(eid, fp, tk.index, { rng: nonces(0) }), {
      secret: tk.secret,
      key: tk.key,
      proof: tk.proof,
    });
    assert.ok(E.verifyTransportKey(eid, fp, tk.index, tk.key, tk.proof));
    assert.ok(!E.verifyTransportKey(eid, fp, 3, tk.key, tk.proof));

    const co = LITERALS.coefficient;
    const context = [eid, hexToBytes(fp), co.index, co.k];
    const proof = E.proveSchnorr("coefficient", context, E.scalarFromHex(co.secret), nonces(3));
    assert.deepEqual(branchesToJson([proof])[0], co.proof);

    const sh = LITERALS.share;
    const sG = E.pointToHex(E.mul(E.scalarFromHex(sh.share), E.G));
    const received = [{ from: sh.from, ephemeral: sh.ephemeral, box: sh.box, commitments: [sG] }];
    const checked = E.trusteeCheckShares(eid, fp, sh.to, tk.secret, received, 1);
    assert.deepEqual(checked.problems, []);
    assert.equal(checked.secretShare, sh.share);
    assert.equal(checked.verificationKey, sG);

    const pd = LITERALS.partial_decryption;
    const ciphertexts = [{ alpha: pd.alpha, beta: LITERALS.encryption.beta }];
    const [share] = E.trusteePartialDecrypt(eid, fp, K, pd.index, pd.secret_share, ciphertexts, {
      rng: nonces(6),
    });
    assert.deepEqual(share, { point: pd.point, proof: pd.proof });
    assert.ok(E.verifyPartialDecryption(eid, fp, K, pd.index, pd.verification_key, pd.alpha, share));
    assert.ok(!E.verifyPartialDecryption(eid, fp, K, 1, pd.verification_key, pd.alpha, share));
  });

  /* ---------------------------------------------------------- §6, §8 end to end */

  /** λ_j = Π_{k≠j} k·(k−j)^−1 mod L (§8). */
  function lagrangeAtZero(indexes) {
    return Object.fromEntries(indexes.map((j) => {
      let lambda = 1n;
      for (const k of indexes) {
        if (k !== j) lambda = E.mod(lambda * BigInt(k) * E.Point.Fn.inv(E.mod(BigInt(k - j))));
      }
      return [j, lambda];
    }));
  }

  /** [count] = B − Σ λ_j·D_j, then count by search in 0..max (§8). */
  function combine(sharesByTrustee, ciphertext, n, max) {
    const lambdas = lagrangeAtZero(Object.keys(sharesByTrustee).map(Number));
    let M = E.pointFromHex(ciphertext.beta);
    for (const [j, shares] of Object.entries(sharesByTrustee)) {
      M = M.subtract(E.mul(lambdas[j], E.pointFromHex(shares[n].point)));
    }
    for (let m = 0; m <= max; m++) if (E.smallMultiple(m).equals(M)) return m;
    throw new Error("no count found");
  }

  test("DKG with 3 trustees (2 needed), ballots, and 2 partial decryptions give the counts", () => {
    const n = 3;
    const t = 2;
    const transport = [1, 2, 3].map((i) => E.trusteeTransportKey(eid, fp, i));
    transport.forEach((tk, k) => assert.ok(E.verifyTransportKey(eid, fp, k + 1, tk.key, tk.proof)));
    const keys = Object.fromEntries(transport.map((tk, k) => [k + 1, tk.key]));
    const deals = [1, 2, 3].map((i) => E.trusteeDeal(eid, fp, i, t, keys));
    deals.forEach((deal) => {
      assert.equal(deal.commitments.length, t);
      assert.deepEqual(deal.shares.map((s) => s.to), [1, 2, 3]);
    });
    const receivedBy = (j, dealsToUse = deals) =>
      dealsToUse.map((deal, k) => {
        const { ephemeral, box } = deal.shares.find((s) => s.to === j);
        return { from: k + 1, ephemeral, box, commitments: deal.commitments };
      });
    const commitmentsByIndex = Object.fromEntries(
      deals.map((d, k) => [k + 1, d.commitments.map((c) => c.point)]),
    );
    const publicKey = E.electionKey(commitmentsByIndex);
    const checks = [1, 2, 3].map((j) =>
      E.trusteeCheckShares(eid, fp, j, transport[j - 1].secret, receivedBy(j), t));
    checks.forEach((check, k) => {
      assert.deepEqual(check.problems, []);
      assert.equal(check.publicKey, publicKey);
      assert.equal(check.verificationKey, E.verificationKey(commitmentsByIndex, k + 1));
    });

    // a box that does not open to the committed share: trustee 2 complains about trustee 3
    const tampered = clone(deals);
    const box = tampered[2].shares[1].box;
    tampered[2].shares[1].box = (box[0] === "0" ? "1" : "0") + box.slice(1);
    const complaint = E.trusteeCheckShares(eid, fp, 2, transport[1].secret, receivedBy(2, tampered), t);
    assert.equal(complaint.ok, false);
    assert.equal(complaint.secretShare, null);
    assert.equal(complaint.problems[0].from, 3);
    // commitments swapped between two dealers: both refused
    const swapped = receivedBy(1);
    [swapped[0].commitments, swapped[1].commitments] = [swapped[1].commitments, swapped[0].commitments];
    const refused = E.trusteeCheckShares(eid, fp, 1, transport[0].secret, swapped, t);
    assert.deepEqual(refused.problems.map((p) => p.from), [1, 2]);
    // a box opened with another trustee's transport secret does not check
    assert.equal(E.trusteeCheckShares(eid, fp, 1, transport[1].secret, receivedBy(1), t).ok, false);

    // ballots under the new key, the tally of q1, and trustees 1 and 3 decrypt (2 is absent)
    const votes = [[0], [0, 2], [1], [2], [0], [1, 2], [0]];
    const ballots = votes.map((choice) => E.encryptBallot(manifest, fp, publicKey, [choice, []]).ballot);
    ballots.forEach((b) => assert.ok(E.verifyBallot(manifest, fp, publicKey, b).ok));
    const tally = [0, 1, 2].map((i) =>
      E.addCiphertexts(ballots.map((b) => ({
        alpha: E.pointFromHex(b.answers[0].selections[i].alpha),
        beta: E.pointFromHex(b.answers[0].selections[i].beta),
      }))));
    const tallyJson = tally.map((ct) => ({ alpha: E.pointToHex(ct.alpha), beta: E.pointToHex(ct.beta) }));
    const expected = [0, 1, 2].map((i) => votes.filter((v) => v.includes(i)).length);
    const shares = {};
    for (const j of [1, 2, 3]) {
      shares[j] = E.trusteePartialDecrypt(eid, fp, publicKey, j, checks[j - 1].secretShare, tallyJson);
      const Xj = checks[j - 1].verificationKey;
      shares[j].forEach((share, i) =>
        assert.ok(E.verifyPartialDecryption(eid, fp, publicKey, j, Xj, tallyJson[i].alpha, share)));
    }
    const X1 = checks[0].verificationKey;
    assert.ok(!E.verifyPartialDecryption(eid, fp, publicKey, 1, X1, tallyJson[1].alpha, shares[1][0]));
    for (const set of [[1, 3], [1, 2], [2, 3], [1, 2, 3]]) {
      const chosen = Object.fromEntries(set.map((j) => [j, shares[j]]));
      const counts = tallyJson.map((ct, i) => combine(chosen, ct, i, votes.length));
      assert.deepEqual(counts, expected, `trustees ${set}`);
    }
    assert.equal(n, deals.length);
  });

  /* ---------------------------------------------------------- §12 the shared vectors */

  test("docs/election-vectors.json (scripts/election-vectors.py): every vector", async (t) => {
    const vectors = JSON.parse(readFileSync(VECTORS, "utf8"));
    await checkVectors(E, vectors, t);
  });
}
