/* The checker of docs/election-vectors.json, the test vectors that scripts/election-vectors.py
 * computes in Python (their layout is docs/election-record.md section 12), run on a module E
 * that is frontend/src/election.js or its committed bundle (frontend/testing/cases.mjs calls
 * it for both). Every vector is checked: a value is recomputed by E and compared byte for
 * byte, a proof is verified by E and, where E's prover takes fixed nonces, made again from
 * the vector's nonces. Where E has no function for something, a comment says so and the
 * check is done with the group and hash functions E does offer. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";

/** The keys of the file, in the order of section 12: a key added to the file without a
 * checker here fails, rather than passes unchecked. */
const KEYS = [
  "format", "about", "group", "hash", "fingerprint", "encryption", "selection_proof",
  "count_proof", "rank_proof", "schnorr", "partial_decryption", "share_box", "ballot",
  "lagrange", "invalid", "record",
];

export async function checkVectors(E, vectors, t) {
  const bytes = (hex) => Uint8Array.from(hex.match(/../g) || [], (byte) => parseInt(byte, 16));
  const scalar = (hex) => E.scalarFromHex(hex);
  const point = (hex) => E.pointFromHex(hex);
  const publicKey = (hex) => E.pointFromHex(hex, "public_key", { allowIdentity: false });
  const hexOf = (p) => E.pointToHex(p);
  const proofOf = ({ c, z }) => ({ c: scalar(c), z: scalar(z) });
  const proofToJson = ({ c, z }) => ({ c: E.scalarToHex(c), z: E.scalarToHex(z) });
  const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  /** A typed item of section 12 ({type, value}) as E's hash functions take it. */
  function item({ type, value }) {
    switch (type) {
      case "point":
        return point(value);
      case "scalar":
        return E.scalarToBytes(scalar(value));
      case "bytes":
        return bytes(value);
      case "string":
        return value;
      case "integer":
        assert.ok(Number.isSafeInteger(value) && value >= 0, `integer item ${value}`);
        return value;
      default:
        return assert.fail(`unknown item type ${type}`);
    }
  }

  /** An rng for E's provers that answers exactly these scalars, in order, then refuses. */
  function fixed(scalars, what) {
    let k = 0;
    const rng = () => {
      assert.ok(k < scalars.length, `${what}: the prover draws more nonces than the vector has`);
      return scalars[k++];
    };
    rng.done = () => assert.equal(k, scalars.length, `${what}: nonces left undrawn`);
    return rng;
  }

  const fakeNonces = (fakes) => fakes.flatMap(({ c, z }) => [scalar(c), scalar(z)]);

  /* ------------------------------------------------------------------ the file */

  await t.test("the file's format and keys", () => {
    assert.equal(vectors.format, "uniqc-election-vectors/v1");
    assert.deepEqual(Object.keys(vectors).sort(), [...KEYS].sort());
  });

  /* ------------------------------------------------------------------ §1 */

  await t.test("group: L, G and the identity", () => {
    const { group } = vectors;
    assert.equal(E.L, BigInt(group.L));
    assert.equal(hexOf(E.G), group.G);
    assert.equal(hexOf(E.IDENTITY), group.identity);
    assert.ok(point(group.G).equals(E.G));
    assert.ok(point(group.identity).equals(E.IDENTITY));
    assert.ok(E.IDENTITY.equals(E.smallMultiple(0)));
  });

  /* ------------------------------------------------------------------ §2 */

  await t.test("hash: the encoded input, challenge, digest and wide digest of each", () => {
    assert.ok(vectors.hash.length > 0);
    for (const [n, vector] of vectors.hash.entries()) {
      const at = `hash[${n}] (${vector.label})`;
      const items = vector.items.map(item);
      assert.equal(E.bytesToHex(E.hashInput(vector.label, items)), vector.encoded, at);
      assert.equal(E.scalarToHex(E.challenge(vector.label, items)), vector.challenge, at);
      assert.equal(E.bytesToHex(E.digest(vector.label, items)), vector.digest, at);
      assert.equal(E.bytesToHex(E.wideDigest(vector.label, items)), vector.wide_digest, at);
    }
  });

  /* ------------------------------------------------------------------ §3 */

  await t.test("fingerprint: the canonical JSON and the fingerprint of the manifest", () => {
    const { manifest, canonical, fingerprint } = vectors.fingerprint;
    assert.equal(E.canonicalJson(manifest), canonical);
    assert.equal(E.manifestFingerprint(manifest), fingerprint);
    // the fingerprint is the bare SHA-256 of the canonical text's UTF-8, which E does not
    // expose (its digest is domain-separated): node's SHA-256 checks it
    const sha256 = createHash("sha256").update(Buffer.from(canonical, "utf8")).digest("hex");
    assert.equal(sha256, fingerprint);
    assert.equal(E.manifestFingerprint(JSON.parse(canonical)), fingerprint);
  });

  /* ------------------------------------------------------------------ §4 */

  await t.test("encryption: alpha and beta of m with r", () => {
    const { public_key: K, m, r, alpha, beta } = vectors.encryption;
    const ct = E.encrypt(publicKey(K), m, scalar(r));
    assert.equal(hexOf(ct.alpha), alpha);
    assert.equal(hexOf(ct.beta), beta);
  });

  /* ------------------------------------------------------------------ §5.1 */

  /** The statement of a one-of proof vector, as E's proveOneOf and verifyOneOf take it;
   * E does not export the ballot's statement builders, so it is written here from the
   * table of section 5.1. */
  function statement(vector) {
    const K = publicKey(vector.public_key);
    const extra = { selection: [vector.index], "selection-count": [], rank: [vector.rank] };
    assert.ok(vector.label in extra, `unknown label ${vector.label}`);
    return {
      label: vector.label,
      context: [vector.election_id, bytes(vector.fingerprint), K, vector.question_id,
        ...extra[vector.label]],
      K,
      alpha: point(vector.alpha),
      beta: point(vector.beta),
      values: vector.values,
    };
  }

  /** The values section 5.1 gives for the vector's question of the sample manifest. */
  function expectedValues(vector) {
    const { manifest, fingerprint } = vectors.fingerprint;
    assert.equal(vector.fingerprint, fingerprint);
    assert.equal(vector.election_id, manifest.election_id);
    const question = manifest.questions.find((q) => q.id === vector.question_id);
    if (vector.label === "selection") return [0, 1];
    if (vector.label === "selection-count") return range(question.min, question.max);
    return range(0, question.answers.length);
  }

  for (const key of ["selection_proof", "count_proof", "rank_proof"]) {
    await t.test(`${key}: verified, and made again from u and fakes byte for byte`, () => {
      const vector = vectors[key];
      assert.deepEqual(vector.values, expectedValues(vector));
      const st = statement(vector);
      const r = scalar(vector.r);
      const ct = E.encrypt(st.K, vector.m, r);
      assert.equal(hexOf(ct.alpha), vector.alpha);
      assert.equal(hexOf(ct.beta), vector.beta);
      const index = vector.values.indexOf(vector.m);
      assert.ok(index >= 0, "m is one of the values");
      // the fakes are the other branches of the proof, in branch order
      assert.deepEqual(vector.fakes, vector.proof.filter((_, j) => j !== index));
      assert.ok(E.verifyOneOf(st, vector.proof.map(proofOf)));
      // election.js's rng draws u, then (c_j, z_j) for each other branch in order
      const rng = fixed([scalar(vector.u), ...fakeNonces(vector.fakes)], key);
      const made = E.proveOneOf(st, index, r, rng);
      rng.done();
      assert.deepEqual(made.map(proofToJson), vector.proof);
      // and one changed branch, or the same proof for another statement, does not verify
      const bad = vector.proof.map(proofOf);
      bad[index] = { c: bad[index].c, z: E.mod(bad[index].z + 1n) };
      assert.ok(!E.verifyOneOf(st, bad));
      const other = { ...st, context: [...st.context.slice(0, 3), "q0", ...st.context.slice(4)] };
      assert.ok(!E.verifyOneOf(other, vector.proof.map(proofOf)));
    });
  }

  /* ------------------------------------------------------------------ §5.2 */

  await t.test("schnorr: verified, made again from u, and by the trustee ceremony", () => {
    assert.deepEqual(vectors.schnorr.map((v) => v.label).sort(), ["coefficient", "transport-key"]);
    for (const vector of vectors.schnorr) {
      const { label, secret, u, proof } = vector;
      const context = vector.context.map(item);
      const x = scalar(secret);
      assert.equal(hexOf(E.mul(x, E.G)), vector.point, label);
      assert.ok(E.verifySchnorr(label, context, point(vector.point), proofOf(proof)), label);
      const wrong = [...context.slice(0, -1), context[context.length - 1] + 1];
      assert.ok(!E.verifySchnorr(label, wrong, point(vector.point), proofOf(proof)), label);
      const rng = fixed([scalar(u)], label);
      assert.deepEqual(proofToJson(E.proveSchnorr(label, context, x, rng)), proof, label);
      rng.done();

      // the same proof from the functions the trustee page calls
      const [eid, fp, index, k] = vector.context.map((entry) => entry.value);
      assert.deepEqual(vector.context.map((entry) => entry.type).slice(0, 3),
        ["string", "bytes", "integer"]);
      if (label === "transport-key") {
        assert.equal(vector.context.length, 3);
        const keyRng = fixed([x, scalar(u)], label);
        assert.deepEqual(E.trusteeTransportKey(eid, fp, index, { rng: keyRng }), {
          secret,
          key: vector.point,
          proof,
        });
        keyRng.done();
        assert.ok(E.verifyTransportKey(eid, fp, index, vector.point, proof));
        assert.ok(!E.verifyTransportKey(eid, fp, index + 1, vector.point, proof));
      } else {
        // trusteeDeal draws the t coefficients, then each commitment proof's u: the
        // vector's secret and u go at position k, the other positions get the same values
        // (a dealing with no transport key deals no share)
        assert.equal(vector.context.length, 4);
        const threshold = k + 1;
        const dealRng = fixed([
          ...Array.from({ length: threshold }, () => x),
          ...Array.from({ length: threshold }, () => scalar(u)),
        ], label);
        const deal = E.trusteeDeal(eid, fp, index, threshold, {}, { rng: dealRng });
        dealRng.done();
        assert.deepEqual(deal.commitments[k], { point: vector.point, proof });
        assert.deepEqual(deal.shares, []);
      }
    }
  });

  /* ------------------------------------------------------------------ §5.3 */

  await t.test("partial_decryption: made again from u, and verified", () => {
    const v = vectors.partial_decryption;
    const xj = scalar(v.secret_share);
    assert.equal(hexOf(E.mul(xj, E.G)), v.verification_key);
    assert.equal(hexOf(E.mul(xj, point(v.alpha))), v.point);
    const rng = fixed([scalar(v.u)], "partial_decryption");
    // trusteePartialDecrypt reads only alpha of each ciphertext
    const made = E.trusteePartialDecrypt(v.election_id, v.fingerprint, v.public_key, v.trustee,
      v.secret_share, [{ alpha: v.alpha }], { rng });
    rng.done();
    const share = { point: v.point, proof: v.proof };
    assert.deepEqual(made, [share]);
    const verify = (j, alpha, s) => E.verifyPartialDecryption(v.election_id, v.fingerprint,
      v.public_key, j, v.verification_key, alpha, s);
    assert.ok(verify(v.trustee, v.alpha, share));
    assert.ok(!verify(v.trustee + 1, v.alpha, share));
    assert.ok(!verify(v.trustee, hexOf(point(v.alpha).add(E.G)), share));
  });

  /* ------------------------------------------------------------------ §6 */

  await t.test("share_box: E, e·Y_j, pad and box; opened with y_j, and dealt again from e", () => {
    const v = vectors.share_box;
    const y = scalar(v.transport_secret);
    const e = scalar(v.ephemeral_secret);
    const Y = point(v.transport_key);
    const Ep = point(v.ephemeral);
    assert.equal(hexOf(E.mul(y, E.G)), v.transport_key);
    assert.equal(hexOf(E.mul(e, E.G)), v.ephemeral);
    assert.equal(hexOf(E.mul(e, Y)), v.shared);
    assert.equal(hexOf(E.mul(y, Ep)), v.shared);
    // E keeps the pad's function to itself: it is written here with E's wide digest
    const wide = E.wideDigest("share",
      [v.election_id, bytes(v.fingerprint), v.from, v.to, Ep, Y, point(v.shared)]);
    const pad = wide.slice(0, 32);
    assert.equal(E.bytesToHex(pad), v.pad);
    const s = E.scalarToBytes(scalar(v.share));
    assert.equal(E.bytesToHex(s.map((byte, k) => byte ^ pad[k])), v.box);

    // the addressee opens it with its transport secret, against the commitment s·G
    const sG = hexOf(E.mul(scalar(v.share), E.G));
    const received = [{ from: v.from, ephemeral: v.ephemeral, box: v.box, commitments: [sG] }];
    const opened = E.trusteeCheckShares(v.election_id, v.fingerprint, v.to, v.transport_secret,
      received, 1);
    assert.deepEqual(opened.problems, []);
    assert.equal(opened.secretShare, v.share);
    assert.equal(opened.verificationKey, sG);
    const wrongKey = E.scalarToHex(E.mod(y + 1n));
    assert.equal(E.trusteeCheckShares(v.election_id, v.fingerprint, v.to, wrongKey, received, 1)
      .ok, false);

    // dealt again: with a threshold of 1 the polynomial is the constant s; trusteeDeal draws
    // the coefficient s, its proof's u (any), then the ephemeral secret e of each box
    const rng = fixed([scalar(v.share), 1n, e], "share_box");
    const deal = E.trusteeDeal(v.election_id, v.fingerprint, v.from, 1,
      { [v.to]: v.transport_key }, { rng });
    rng.done();
    assert.deepEqual(deal.shares, [{ to: v.to, ephemeral: v.ephemeral, box: v.box }]);
    assert.equal(deal.commitments[0].point, sG);
  });

  /* ------------------------------------------------------------------ §7 */

  await t.test("ballot: verified, its tracker, audited, and encrypted again byte for byte", () => {
    const { manifest, fingerprint: fp, public_key: K, choices, secrets, ballot, tracker } =
      vectors.ballot;
    assert.equal(E.manifestFingerprint(manifest), fp);
    assert.deepEqual(E.verifyBallot(manifest, fp, K, ballot), { ok: true, problems: [] });
    assert.equal(E.ballotTracker(manifest, fp, ballot), tracker);
    assert.deepEqual(E.auditBallot(manifest, fp, K, ballot, secrets),
      { ok: true, choices, problems: [] });

    // The vector gives each ciphertext's randomness r but not its proof's nonces: they are
    // read back from the proof. The other branches' (c_j, z_j) are the fakes; the true
    // branch i gives u = z_i - c_i·r. Encrypting again with them checks every ciphertext,
    // every fake branch and the hash behind each c_i byte for byte (z_i follows from c_i).
    // election.js draws, per ciphertext, r, u and the fakes, then the count proof's.
    const nonces = [];
    const proofNonces = (proof, index, r) => {
      const { c, z } = proofOf(proof[index]);
      nonces.push(E.mod(z - c * r), ...fakeNonces(proof.filter((_, j) => j !== index)));
    };
    manifest.questions.forEach((question, q) => {
      const answer = ballot.answers[q];
      const { values, randomness } = secrets.answers[q];
      const list = question.kind === "choose" ? answer.selections : answer.ranks;
      const rs = randomness.map(scalar);
      list.forEach((ct, i) => {
        nonces.push(rs[i]);
        proofNonces(ct.proof, values[i], rs[i]); // the value is its branch's index (0..n)
      });
      if (question.kind === "choose") {
        const count = values.reduce((sum, value) => sum + value, 0);
        const rSum = E.mod(rs.reduce((sum, r) => sum + r, 0n));
        proofNonces(answer.count_proof, count - question.min, rSum);
      }
    });
    const rng = fixed(nonces, "ballot");
    const made = E.encryptBallot(manifest, fp, K, choices, { rng });
    rng.done();
    assert.deepEqual(made.ballot, ballot);
    assert.equal(made.tracker, tracker);
    // the vector's secrets hold the answers only; election.js adds the election and the
    // fingerprint
    assert.deepEqual(made.secrets, { election_id: manifest.election_id, fingerprint: fp,
      answers: secrets.answers });
  });

  /* ------------------------------------------------------------------ §8 */

  /** a^-1 mod L (L is prime). */
  const inverse = (a) => {
    let result = 1n;
    let base = E.mod(a);
    for (let e = E.L - 2n; e > 0n; e >>= 1n) {
      if (e & 1n) result = E.mod(result * base);
      base = E.mod(base * base);
    }
    return result;
  };

  /** λ_j = Π_{k≠j} k·(k−j)^−1 mod L (section 8). */
  const lagrangeAtZero = (indexes) => Object.fromEntries(indexes.map((j) => [j,
    indexes.filter((k) => k !== j)
      .reduce((lambda, k) => E.mod(lambda * BigInt(k) * inverse(BigInt(k - j))), 1n)]));

  await t.test("lagrange: the coefficients at 0 of each set", () => {
    // E has no Lagrange function (the browser never combines shares; the server and the
    // verifier do, in Python): they are computed here with E's scalars
    assert.ok(vectors.lagrange.length > 0);
    for (const { indexes, coefficients } of vectors.lagrange) {
      const lambdas = lagrangeAtZero(indexes);
      assert.deepEqual(Object.keys(coefficients).sort(), indexes.map(String).sort());
      for (const j of indexes) {
        assert.equal(coefficients[j], E.scalarToHex(lambdas[j]), `${indexes}: λ_${j}`);
      }
      // they interpolate the constant 1
      const sum = Object.values(coefficients).reduce((s, hex) => E.mod(s + scalar(hex)), 0n);
      assert.equal(sum, 1n, `${indexes}`);
    }
  });

  /* ------------------------------------------------------------------ §1 decoding */

  await t.test("invalid: every point and scalar is refused", () => {
    const { points, scalars } = vectors.invalid;
    assert.ok(points.length > 0 && scalars.length > 0);
    for (const { value, why } of points) {
      assert.throws(() => E.pointFromHex(value, "p"), E.InvalidValue, `point ${value}: ${why}`);
    }
    for (const { value, why } of scalars) {
      assert.throws(() => E.scalarFromHex(value, "s"), E.InvalidValue, `scalar ${value}: ${why}`);
    }
  });

  /* ------------------------------------------------------------------ §10, §11 */

  // E has no record verifier (the record is checked in Python, coop_governance/verify.py):
  // the steps of section 11 are done here with E's functions. What the record cannot
  // show is not checked: the share boxes cannot be opened without the trustees' transport
  // secrets (they are informational, section 11), and the record has no ranked question,
  // so no shuffle (shuffle.js's verifyShuffle has its own tests, shuffle.test.mjs).
  await t.test("record: each step of section 11 that E's functions allow", () => {
    const record = vectors.record;
    const { manifest, fingerprint: fp, public_key: K } = record;
    const eid = manifest.election_id;
    const n = manifest.trustees;
    const threshold = manifest.threshold;
    assert.equal(record.format, "uniqc-election-record/v1");
    assert.deepEqual(Object.keys(record).sort(), ["ballots", "fingerprint", "format", "manifest",
      "mix", "public_key", "result", "tally", "trustees"]);

    // 1. the fingerprint is the manifest's
    assert.equal(E.manifestFingerprint(manifest), fp);
    const chooseIds = manifest.questions.filter((q) => q.kind === "choose").map((q) => q.id);
    const rankIds = manifest.questions.filter((q) => q.kind === "rank").map((q) => q.id);
    assert.deepEqual(rankIds, [], "a ranked question: this checker would need verifyShuffle");
    assert.deepEqual(record.mix, {});

    // 2. every transport key and coefficient proof; every share has its shape
    assert.deepEqual(record.trustees.map((trustee) => trustee.index), range(1, n));
    for (const trustee of record.trustees) {
      const { index } = trustee;
      assert.deepEqual(Object.keys(trustee).sort(), ["commitments", "index", "name", "shares",
        "transport_key", "verification_key"]);
      const { key, proof } = trustee.transport_key;
      assert.ok(E.verifyTransportKey(eid, fp, index, key, proof), `trustee ${index}'s key`);
      assert.equal(trustee.commitments.length, threshold);
      trustee.commitments.forEach((commitment, k) => {
        const C = point(commitment.point);
        const context = [eid, bytes(fp), index, k];
        assert.ok(E.verifySchnorr("coefficient", context, C, proofOf(commitment.proof)),
          `trustee ${index}'s commitment ${k}`);
      });
      assert.deepEqual(trustee.shares.map((share) => share.to), range(1, n));
      for (const share of trustee.shares) {
        assert.deepEqual(Object.keys(share).sort(), ["box", "ephemeral", "to"]);
        point(share.ephemeral);
        assert.match(share.box, /^[0-9a-f]{64}$/);
      }
    }

    // 3. the election key and the verification keys, from the commitments
    const commitmentsByIndex = Object.fromEntries(record.trustees.map((trustee) =>
      [trustee.index, trustee.commitments.map((commitment) => commitment.point)]));
    assert.equal(E.electionKey(commitmentsByIndex), K);
    publicKey(K);
    const verificationKeys = {};
    for (const trustee of record.trustees) {
      const X = E.verificationKey(commitmentsByIndex, trustee.index);
      assert.equal(trustee.verification_key, X, `trustee ${trustee.index}'s verification key`);
      assert.ok(!point(X).is0());
      verificationKeys[trustee.index] = X;
    }

    // 4. every ballot, counted or replaced, verifies and has its tracker; no alpha twice
    // among all of them (E's verifyBallot looks inside one ballot only)
    const seen = new Set();
    for (const [b, entry] of record.ballots.entries()) {
      assert.deepEqual(Object.keys(entry).sort(), ["ballot", "cast_at", "status", "tracker"]);
      assert.ok(["counted", "replaced"].includes(entry.status), `ballots[${b}].status`);
      assert.deepEqual(E.verifyBallot(manifest, fp, K, entry.ballot), { ok: true, problems: [] },
        `ballots[${b}]`);
      assert.equal(E.ballotTracker(manifest, fp, entry.ballot), entry.tracker, `ballots[${b}]`);
      for (const answer of entry.ballot.answers) {
        for (const { alpha } of answer.selections || answer.ranks) {
          assert.ok(!seen.has(alpha), `ballots[${b}]: alpha ${alpha} twice`);
          seen.add(alpha);
        }
      }
    }
    const castAt = record.ballots.map((entry) => entry.cast_at);
    assert.deepEqual([...castAt].sort(), castAt, "ballots in the order they were cast");
    const counted = record.ballots.filter((entry) => entry.status === "counted");
    assert.deepEqual([counted.length, record.ballots.length - counted.length], [3, 1]);

    // 5, 6. each encrypted tally is the sum of the counted ballots; every partial
    // decryption verifies; the first t trustees' shares give the published counts
    assert.deepEqual(Object.keys(record.tally).sort(), [...chooseIds].sort());
    assert.deepEqual(Object.keys(record.result).sort(),
      manifest.questions.map((q) => q.id).sort());
    manifest.questions.forEach((question, q) => {
      const tally = record.tally[question.id];
      const size = question.answers.length;
      const sums = range(0, size - 1).map((i) => E.addCiphertexts(counted.map((entry) => {
        const { alpha, beta } = entry.ballot.answers[q].selections[i];
        return { alpha: point(alpha), beta: point(beta) };
      })));
      assert.deepEqual(tally.ciphertexts,
        sums.map((ct) => ({ alpha: hexOf(ct.alpha), beta: hexOf(ct.beta) })), question.id);

      const trustees = tally.decryptions.map((d) => d.trustee);
      assert.equal(new Set(trustees).size, trustees.length, `${question.id}: a trustee twice`);
      assert.ok(trustees.length >= threshold, `${question.id}: fewer than t decryptions`);
      for (const { trustee, shares } of tally.decryptions) {
        assert.equal(shares.length, size);
        shares.forEach((share, i) => assert.ok(E.verifyPartialDecryption(eid, fp, K, trustee,
          verificationKeys[trustee], tally.ciphertexts[i].alpha, share),
        `${question.id}: trustee ${trustee}, answer ${i}`));
      }
      const chosen = [...trustees].sort((a, b) => a - b).slice(0, threshold);
      const lambdas = lagrangeAtZero(chosen);
      const counts = tally.ciphertexts.map((ct, i) => {
        let M = point(ct.beta);
        for (const j of chosen) {
          const D = tally.decryptions.find((d) => d.trustee === j).shares[i].point;
          M = M.subtract(E.mul(lambdas[j], point(D)));
        }
        const found = range(0, counted.length).find((m) => E.smallMultiple(m).equals(M));
        assert.ok(found !== undefined, `${question.id}: answer ${i} has no count`);
        return found;
      });
      assert.deepEqual(tally.counts, counts, question.id);
      assert.deepEqual(record.result[question.id], { counts }, question.id);
    });
  });
}
