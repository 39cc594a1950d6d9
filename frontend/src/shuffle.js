/* The trustee's shuffle of ranked ballots, in the browser: a secret permutation and
 * re-encryption of the list, with a Terelius-Wikstrom proof of shuffle. The server never
 * learns the permutation or the re-encryption randomness: they live in this page's memory
 * and are dropped when trusteeShuffle returns.
 *
 * docs/election-record.md, section 9, is the specification; the Python side is
 * coop_governance/election/shuffle.py (the same equations, names and hash items), and the
 * record's verifier checks these proofs with it.
 *
 * A ballot is a list of w ciphertexts {alpha, beta} (hex in JSON), w being the question's
 * number of ranks. trusteeShuffle(eid, fpHex, publicKeyHex, qid, position, input,
 * {trustee, transportSecret}) answers {output, proof, signature}, all JSON: the signature
 * is trustee's Schnorr signature of the shuffle under the transport key (the key file's
 * index and transport_secret), so that nobody else, the server included, can post a
 * shuffle in the trustee's name. verifyShuffle(eid, fpHex, publicKeyHex, qid, position,
 * input, output, proof, {trustee, transportKey, signature}) answers {ok, problems}, as the
 * other checks of election.js do; it checks the signature when given transportKey.
 */
import { ristretto255_hasher } from "@noble/curves/ed25519.js";
import { hexToBytes } from "@noble/hashes/utils.js";
import {
  G,
  IDENTITY,
  InvalidValue,
  challenge,
  digest,
  mod,
  mul,
  pointFromHex,
  pointToHex,
  proveSchnorr,
  randomScalar,
  scalarFromHex,
  scalarToBytes,
  scalarToHex,
  verifySchnorr,
  wideDigest,
} from "./election.js";

/** h_0 .. h_{count-1}: h_i = from_uniform(W("generator", eid, fp, qid, position, i)). */
export function shuffleGenerators(eid, fp, qid, position, count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    out.push(ristretto255_hasher.deriveToCurve(wideDigest("generator", [eid, fp, qid, position, i])));
  }
  return out;
}

/** Permute and re-encrypt the ballots `input` ([[{alpha, beta}] * w] * N, hex) under the
 * election key, and sign the shuffle as trustee `trustee` with the transport secret
 * `transportSecret` (hex, the key file's transport_secret); answers {output, proof,
 * signature} in the JSON of section 9. */
export function trusteeShuffle(eid, fpHex, publicKeyHex, qid, position, input, { trustee, transportSecret } = {}) {
  const fp = fpBytes(fpHex);
  const K = pointFromHex(publicKeyHex, "public_key", { allowIdentity: false });
  if (!Number.isSafeInteger(trustee) || trustee < 1) {
    throw new InvalidValue("trustee", "the trustee's index signs the shuffle");
  }
  const y = scalarFromHex(transportSecret, "transport_secret");
  const inputs = decodeBallots(input, widthOf(input), "input");
  const n = inputs.length;
  const width = n ? inputs[0].length : 0;

  // Output i is input permutation[i], re-encrypted with randomness[i][k] at rank k.
  const permutation = secretPermutation(n);
  const randomness = inputs.map(() => Array.from({ length: width }, randomScalar));
  const outputs = permutation.map((j, i) =>
    inputs[j].map(({ alpha, beta }, k) => ({
      alpha: alpha.add(mul(randomness[i][k], G)),
      beta: beta.add(mul(randomness[i][k], K)),
    })),
  );

  const all = shuffleGenerators(eid, fp, qid, position, n + 1);
  const h = all[0];
  const hs = all.slice(1);
  // c_j = r_j*G + h_i where input j goes to output i.
  const commitRandom = new Array(n);
  const commitments = new Array(n);
  permutation.forEach((j, i) => {
    commitRandom[j] = randomScalar();
    commitments[j] = mul(commitRandom[j], G).add(hs[i]);
  });

  const seed = statementDigest(eid, fp, K, qid, position, inputs, outputs, commitments, width);
  const u = weights(seed, n);
  const uOut = permutation.map((j) => u[j]);

  const chainRandom = Array.from({ length: n }, randomScalar);
  const chain = [];
  let previous = h;
  for (let i = 0; i < n; i++) {
    previous = mul(chainRandom[i], G).add(mul(uOut[i], previous));
    chain.push(previous);
  }

  const w1 = randomScalar();
  const w2 = randomScalar();
  const w3 = randomScalar();
  const w4 = Array.from({ length: width }, randomScalar);
  const wHat = Array.from({ length: n }, randomScalar);
  const wPrime = Array.from({ length: n }, randomScalar);

  const t1 = mul(w1, G);
  const t2 = mul(w2, G);
  let t3 = mul(w3, G);
  for (let i = 0; i < n; i++) t3 = t3.add(mul(wPrime[i], hs[i]));
  const t4 = [];
  for (let k = 0; k < width; k++) {
    let t4Alpha = mul(w4[k], G).negate();
    let t4Beta = mul(w4[k], K).negate();
    for (let i = 0; i < n; i++) {
      t4Alpha = t4Alpha.add(mul(wPrime[i], outputs[i][k].alpha));
      t4Beta = t4Beta.add(mul(wPrime[i], outputs[i][k].beta));
    }
    t4.push([t4Alpha, t4Beta]);
  }
  const tHat = [];
  previous = h;
  for (let i = 0; i < n; i++) {
    tHat.push(mul(wHat[i], G).add(mul(wPrime[i], previous)));
    previous = chain[i];
  }

  const c = shuffleChallenge(seed, chain, t1, t2, t3, t4, tHat);

  // v_i = u'_{i+1} ... u'_{n-1}: what chainRandom[i] is multiplied by in chain[n-1].
  const v = new Array(n).fill(1n);
  for (let i = n - 2; i >= 0; i--) v[i] = mod(v[i + 1] * uOut[i + 1]);
  let rBar = 0n;
  let rHat = 0n;
  let rTilde = 0n;
  for (let i = 0; i < n; i++) {
    rBar += commitRandom[i];
    rHat += chainRandom[i] * v[i];
    rTilde += commitRandom[i] * u[i];
  }
  const rFour = [];
  for (let k = 0; k < width; k++) {
    let sum = 0n;
    for (let i = 0; i < n; i++) sum += randomness[i][k] * uOut[i];
    rFour.push(sum);
  }
  const response = (secret, factor) => scalarToHex(mod(secret + c * factor));

  const proof = {
    commitments: commitments.map(pointToHex),
    chain: chain.map(pointToHex),
    c: scalarToHex(c),
    s1: response(w1, rBar),
    s2: response(w2, rHat),
    s3: response(w3, rTilde),
    s4: w4.map((w, k) => response(w, rFour[k])),
    s_hat: wHat.map((w, i) => response(w, chainRandom[i])),
    s_prime: wPrime.map((w, i) => response(w, uOut[i])),
  };
  const step = stepDigest(eid, fp, K, qid, position, inputs, outputs, decodeProof(proof, n, width), width);
  const signature = proveSchnorr("shuffle-signature", [eid, fp, K, qid, position, trustee, step], y);
  return {
    output: outputs.map((ballot) =>
      ballot.map(({ alpha, beta }) => ({ alpha: pointToHex(alpha), beta: pointToHex(beta) })),
    ),
    proof,
    signature: { c: scalarToHex(signature.c), z: scalarToHex(signature.z) },
  };
}

/** Check that `output` is a proved shuffle of `input`; answers {ok, problems}, each
 * problem {path, reason} ("output[3][0].alpha", "proof.s_hat[2]", "proof", "signature").
 * With `transportKey` (hex, the record's trustees[j].transport_key.key), also checks that
 * `signature` is trustee `trustee`'s signature of this shuffle. */
export function verifyShuffle(eid, fpHex, publicKeyHex, qid, position, input, output, proof, signed = {}) {
  try {
    checkShuffle(eid, fpHex, publicKeyHex, qid, position, input, output, proof, signed);
    return { ok: true, problems: [] };
  } catch (error) {
    if (error instanceof InvalidValue) {
      return { ok: false, problems: [{ path: error.path, reason: error.reason }] };
    }
    throw error;
  }
}

function checkShuffle(eid, fpHex, publicKeyHex, qid, position, input, output, proofJson, signed) {
  const fp = fpBytes(fpHex);
  const K = pointFromHex(publicKeyHex, "public_key", { allowIdentity: false });
  const width = widthOf(input);
  const inputs = decodeBallots(input, width, "input");
  const n = inputs.length;
  if (!Array.isArray(output) || output.length !== n) {
    throw new InvalidValue("output", `must be a list of ${n} ballots`);
  }
  const outputs = decodeBallots(output, width, "output");
  const proof = decodeProof(proofJson, n, width);
  const { commitments, chain, c, sPrime } = proof;

  const all = shuffleGenerators(eid, fp, qid, position, n + 1);
  const h = all[0];
  const hs = all.slice(1);
  const seed = statementDigest(eid, fp, K, qid, position, inputs, outputs, commitments, width);
  const u = weights(seed, n);

  let commitSum = IDENTITY;
  let commitWeighted = IDENTITY;
  let uProduct = 1n;
  for (let j = 0; j < n; j++) {
    commitSum = commitSum.add(commitments[j]).subtract(hs[j]);
    commitWeighted = commitWeighted.add(mulPublic(u[j], commitments[j]));
    uProduct = mod(uProduct * u[j]);
  }
  const chainEnd = (n ? chain[n - 1] : h).subtract(mulPublic(uProduct, h));

  const t1 = mulPublic(proof.s1, G).subtract(mulPublic(c, commitSum));
  const t2 = mulPublic(proof.s2, G).subtract(mulPublic(c, chainEnd));
  let t3 = mulPublic(proof.s3, G).subtract(mulPublic(c, commitWeighted));
  for (let i = 0; i < n; i++) t3 = t3.add(mulPublic(sPrime[i], hs[i]));
  const t4 = [];
  for (let k = 0; k < width; k++) {
    let weightedAlpha = IDENTITY;
    let weightedBeta = IDENTITY;
    let t4Alpha = mulPublic(proof.s4[k], G).negate();
    let t4Beta = mulPublic(proof.s4[k], K).negate();
    for (let i = 0; i < n; i++) {
      weightedAlpha = weightedAlpha.add(mulPublic(u[i], inputs[i][k].alpha));
      weightedBeta = weightedBeta.add(mulPublic(u[i], inputs[i][k].beta));
      t4Alpha = t4Alpha.add(mulPublic(sPrime[i], outputs[i][k].alpha));
      t4Beta = t4Beta.add(mulPublic(sPrime[i], outputs[i][k].beta));
    }
    t4.push([
      t4Alpha.subtract(mulPublic(c, weightedAlpha)),
      t4Beta.subtract(mulPublic(c, weightedBeta)),
    ]);
  }
  const tHat = [];
  let previous = h;
  for (let i = 0; i < n; i++) {
    const point = mulPublic(proof.sHat[i], G).add(mulPublic(sPrime[i], previous));
    tHat.push(point.subtract(mulPublic(c, chain[i])));
    previous = chain[i];
  }
  if (shuffleChallenge(seed, chain, t1, t2, t3, t4, tHat) !== c) {
    throw new InvalidValue("proof", "the proof of shuffle does not verify");
  }
  if (signed.transportKey !== undefined) {
    const { trustee, transportKey, signature } = signed;
    if (!Number.isSafeInteger(trustee) || trustee < 1) throw new InvalidValue("trustee", "must be a trustee's index");
    const Y = pointFromHex(transportKey, "transport_key", { allowIdentity: false });
    const branch = signatureFromJson(signature);
    const step = stepDigest(eid, fp, K, qid, position, inputs, outputs, proof, width);
    if (!verifySchnorr("shuffle-signature", [eid, fp, K, qid, position, trustee, step], Y, branch)) {
      throw new InvalidValue("signature", `is not trustee ${trustee}'s signature of this shuffle`);
    }
  }
}

function signatureFromJson(signature) {
  if (signature === null || typeof signature !== "object" || Object.keys(signature).sort().join() !== "c,z") {
    throw new InvalidValue("signature", 'must be {"c", "z"}');
  }
  return { c: scalarFromHex(signature.c, "signature.c"), z: scalarFromHex(signature.z, "signature.z") };
}

/* ---------------------------------------------------------------- the hashes */

function statementDigest(eid, fp, K, qid, position, inputs, outputs, commitments, width) {
  const items = [eid, fp, K, qid, position, inputs.length, width];
  for (const ballots of [inputs, outputs]) {
    for (const ballot of ballots) {
      for (const { alpha, beta } of ballot) items.push(alpha, beta);
    }
  }
  items.push(...commitments);
  return digest("shuffle-statement", items);
}

/** S = D("shuffle-step", rho, the chain, c, s1, s2, s3, s4..., s_hat..., s_prime...): the
 * digest a shuffle's signature binds (the input, the output and the whole proof). */
function stepDigest(eid, fp, K, qid, position, inputs, outputs, proof, width) {
  const seed = statementDigest(eid, fp, K, qid, position, inputs, outputs, proof.commitments, width);
  const scalars = [proof.c, proof.s1, proof.s2, proof.s3, ...proof.s4, ...proof.sHat, ...proof.sPrime];
  return digest("shuffle-step", [seed, ...proof.chain, ...scalars.map(scalarToBytes)]);
}

function weights(seed, n) {
  return Array.from({ length: n }, (_, i) => challenge("shuffle-weight", [seed, i]));
}

function shuffleChallenge(seed, chain, t1, t2, t3, t4, tHat) {
  return challenge("shuffle-challenge", [seed, ...chain, t1, t2, t3, ...t4.flat(), ...tHat]);
}

/* ---------------------------------------------------------------- helpers */

/** s*P for public values (variable time): the verifier's side only. */
function mulPublic(s, point) {
  return point.multiplyUnsafe(mod(s));
}

/** A uniformly random permutation (Fisher-Yates with crypto.getRandomValues). */
function secretPermutation(n) {
  const items = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randomBelow(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function randomBelow(bound) {
  // Rejection sampling on 32-bit words: no modulo bias.
  const limit = Math.floor(0x100000000 / bound) * bound;
  const word = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(word);
    if (word[0] < limit) return word[0] % bound;
  }
}

function fpBytes(fpHex) {
  if (typeof fpHex !== "string" || !/^[0-9a-f]{64}$/.test(fpHex)) {
    throw new InvalidValue("fingerprint", "must be 64 lowercase hexadecimal digits");
  }
  return hexToBytes(fpHex);
}

function widthOf(ballots) {
  if (!Array.isArray(ballots)) throw new InvalidValue("input", "must be a list of ballots");
  return ballots.length && Array.isArray(ballots[0]) ? ballots[0].length : 0;
}

function decodeBallots(ballots, width, path) {
  if (!Array.isArray(ballots)) throw new InvalidValue(path, "must be a list of ballots");
  return ballots.map((ballot, i) => {
    if (!Array.isArray(ballot) || ballot.length !== width) {
      throw new InvalidValue(`${path}[${i}]`, `must be a list of ${width} ciphertexts`);
    }
    return ballot.map((ct, k) => {
      const where = `${path}[${i}][${k}]`;
      if (ct === null || typeof ct !== "object" || Object.keys(ct).sort().join() !== "alpha,beta") {
        throw new InvalidValue(where, 'must be {"alpha", "beta"}');
      }
      return { alpha: pointFromHex(ct.alpha, `${where}.alpha`), beta: pointFromHex(ct.beta, `${where}.beta`) };
    });
  });
}

const PROOF_KEYS = "c,chain,commitments,s1,s2,s3,s4,s_hat,s_prime";

function decodeProof(proof, n, width) {
  if (proof === null || typeof proof !== "object" || Object.keys(proof).sort().join() !== PROOF_KEYS) {
    throw new InvalidValue("proof", `must have exactly the keys ${PROOF_KEYS.replaceAll(",", ", ")}`);
  }
  const lengths = { commitments: n, chain: n, s4: width, s_hat: n, s_prime: n };
  for (const [name, length] of Object.entries(lengths)) {
    if (!Array.isArray(proof[name]) || proof[name].length !== length) {
      throw new InvalidValue(`proof.${name}`, `must be a list of ${length} values`);
    }
  }
  const points = (name) => proof[name].map((p, i) => pointFromHex(p, `proof.${name}[${i}]`));
  const scalars = (name) => proof[name].map((s, i) => scalarFromHex(s, `proof.${name}[${i}]`));
  return {
    commitments: points("commitments"),
    chain: points("chain"),
    c: scalarFromHex(proof.c, "proof.c"),
    s1: scalarFromHex(proof.s1, "proof.s1"),
    s2: scalarFromHex(proof.s2, "proof.s2"),
    s3: scalarFromHex(proof.s3, "proof.s3"),
    s4: scalars("s4"),
    sHat: scalars("s_hat"),
    sPrime: scalars("s_prime"),
  };
}
