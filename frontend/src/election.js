/* The election cryptography of the browser: the booth (ballot encryption, the Benaloh
 * audit, the tracker) and the trustee ceremony (transport key, dealing, checking shares,
 * partial decryption). docs/election-record.md is the specification; the section numbers
 * below ("§5.1") are its sections, and the names (L, G, K, alpha, beta, x_j, X_j, ...) are
 * its names. The server and the standalone verifier check the same bytes in Python
 * (coop_governance/election/).
 *
 * Built on @noble/curves (ristretto255) and @noble/hashes (SHA-256, SHA-512), both MIT;
 * scripts/vendor-assets.sh bundles this file with frontend/src/shuffle.js into
 * coop_governance/static/coop_governance/vendor/election.min.js.
 *
 * Representation:
 * - a point is a ristretto255.Point inside this module and 64 lowercase hex digits in JSON;
 * - a scalar is a BigInt in [0, L) inside and 64 hex digits (32 bytes little-endian) in JSON;
 * - every point that comes from outside goes through pointFromHex (a non-canonical encoding
 *   is refused; @noble/curves throws and we report it) and every scalar through
 *   scalarFromHex (a value >= L is refused, never reduced).
 *
 * Hash items (§2), as passed to challenge / digest / wideDigest:
 * - Uint8Array: raw bytes, as they are (a fingerprint; a scalar MUST be passed as
 *   scalarToBytes(s), its 32-byte little-endian encoding);
 * - a Point: its 32-byte encoding;
 * - a string: its UTF-8 bytes;
 * - a JS number or a BigInt: an INTEGER item (an index, a count), 8 bytes big-endian. A
 *   BigInt is never read as a scalar; one of 2^64 or more is refused, which catches a
 *   scalar passed by mistake.
 *
 * Failures: functions that check something received answer {ok, problems}, where each
 * problem is {path, reason} and path names the value in the JSON (as the Python verifier's
 * RecordInvalid does, e.g. "answers[0].selections[1].proof"). Functions that build
 * something throw InvalidValue (with .path and .reason) when given an invalid input.
 */
import { ristretto255 } from "@noble/curves/ed25519.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";

/* ---------------------------------------------------------------- §1 the group */

export const Point = ristretto255.Point;

/** The order of ristretto255. */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;
if (Point.Fn.ORDER !== L) throw new Error("@noble/curves: unexpected ristretto255 order");

/** The standard generator (its encoding is e2f2ae0a...2d76). */
export const G = Point.BASE;

/** The identity element, encoded as 32 zero bytes; [0]. */
export const IDENTITY = Point.ZERO;

/** A value from outside that is not what it must be; path names it in the JSON. */
export class InvalidValue extends Error {
  constructor(path, reason) {
    super(path ? `${path}: ${reason}` : reason);
    this.name = "InvalidValue";
    this.path = path;
    this.reason = reason;
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

function bytes32FromHex(hex, path) {
  if (typeof hex !== "string" || !HEX64.test(hex)) {
    throw new InvalidValue(path, "must be 64 lowercase hexadecimal digits");
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes) {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** A point from 64 hex digits; refuses a non-canonical encoding or a non-element, and the
 * identity when allowIdentity is false (a public key, §1). */
export function pointFromHex(hex, path = "point", { allowIdentity = true } = {}) {
  const bytes = bytes32FromHex(hex, path);
  let point;
  try {
    point = Point.fromBytes(bytes);
  } catch {
    throw new InvalidValue(path, "is not a ristretto255 point");
  }
  if (!allowIdentity && point.is0()) throw new InvalidValue(path, "is the identity element");
  return point;
}

export function pointToBytes(point) {
  return point.toBytes();
}

export function pointToHex(point) {
  return bytesToHex(point.toBytes());
}

/** A scalar from 64 hex digits (32 bytes little-endian); refuses one that is not below L. */
export function scalarFromHex(hex, path = "scalar") {
  const bytes = bytes32FromHex(hex, path);
  let s = 0n;
  for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(bytes[i]);
  if (s >= L) throw new InvalidValue(path, "is not below the group order");
  return s;
}

/** The 32-byte little-endian encoding of a scalar in [0, L). */
export function scalarToBytes(s) {
  if (typeof s !== "bigint" || s < 0n || s >= L) throw new RangeError("scalar out of range");
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return out;
}

export function scalarToHex(s) {
  return bytesToHex(scalarToBytes(s));
}

/** a mod L, in [0, L). */
export function mod(a) {
  const r = a % L;
  return r < 0n ? r + L : r;
}

function littleEndianToBigInt(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

/** A uniformly random non-zero scalar: 64 random bytes read little-endian, reduced mod L. */
export function randomScalar() {
  for (;;) {
    const s = littleEndianToBigInt(crypto.getRandomValues(new Uint8Array(64))) % L;
    if (s !== 0n) return s;
  }
}

/** s*P for a secret s (constant time); 0*P and s*[0] are the identity. */
export function mul(s, point) {
  s = mod(s);
  if (s === 0n || point.is0()) return IDENTITY;
  return point.multiply(s);
}

/** s*P for public values only (variable time, faster): the verifiers' side. */
function mulPublic(s, point) {
  return point.multiplyUnsafe(mod(s));
}

const smallMultiples = [IDENTITY];

/** [m] = m*G for a small non-negative integer m (a count, a candidate number); the first
 * few are kept, since every proof of §5.1 uses them. */
export function smallMultiple(m) {
  m = Number(m);
  if (!Number.isSafeInteger(m) || m < 0) throw new RangeError("[m] needs a small integer m >= 0");
  while (smallMultiples.length <= Math.min(m, 256)) {
    smallMultiples.push(smallMultiples[smallMultiples.length - 1].add(G));
  }
  return m <= 256 ? smallMultiples[m] : mul(BigInt(m), G);
}

/* ---------------------------------------------------------------- §2 hashing */

export const DOMAIN = "uniqc-election/v1/";
const TWO64 = 2n ** 64n;
const utf8 = new TextEncoder();

function itemBytes(item) {
  if (item instanceof Uint8Array) return item;
  if (item instanceof Point) return item.toBytes();
  if (typeof item === "string") return utf8.encode(item);
  if (typeof item === "number" || typeof item === "bigint") {
    if (typeof item === "number" && !Number.isSafeInteger(item)) {
      throw new TypeError("an integer item must be a safe integer");
    }
    let n = BigInt(item);
    if (n < 0n || n >= TWO64) throw new RangeError("an integer item must fit in 8 bytes");
    const out = new Uint8Array(8);
    for (let i = 7; i >= 0; i--) {
      out[i] = Number(n & 0xffn);
      n >>= 8n;
    }
    return out;
  }
  throw new TypeError(`cannot hash a ${typeof item}`);
}

/** The bytes hashed for (label, items): each item's length (4 bytes big-endian) then its
 * bytes, the first item being "uniqc-election/v1/<label>". */
export function hashInput(label, items) {
  const parts = [DOMAIN + label, ...items].map(itemBytes);
  const out = new Uint8Array(parts.reduce((n, part) => n + 4 + part.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const part of parts) {
    view.setUint32(at, part.length, false);
    out.set(part, at + 4);
    at += 4 + part.length;
  }
  return out;
}

/** H(label, items): SHA-512 read as a little-endian integer, reduced mod L. */
export function challenge(label, items) {
  return littleEndianToBigInt(sha512(hashInput(label, items))) % L;
}

/** D(label, items): SHA-256, 32 bytes. */
export function digest(label, items) {
  return sha256(hashInput(label, items));
}

/** W(label, items): SHA-512, 64 bytes. */
export function wideDigest(label, items) {
  return sha512(hashInput(label, items));
}

/* ---------------------------------------------------------------- §3 the manifest */

/** The canonical JSON of §3: keys sorted (ASCII keys only), no whitespace, non-ASCII
 * characters as UTF-8 (not \u escapes), integers only. The same text as Python's
 * json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False). */
export function canonicalJson(value) {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      throw new InvalidValue("manifest", "holds a non-integer number");
    }
    return JSON.stringify(value);
  }
  if (typeof value === "string") {
    try {
      encodeURIComponent(value); // throws on a lone surrogate, which UTF-8 cannot hold
    } catch {
      throw new InvalidValue("manifest", "holds a lone surrogate");
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const keys = Object.keys(value);
    for (const key of keys) {
      if (!/^[\x00-\x7f]*$/.test(key)) throw new InvalidValue("manifest", "has a non-ASCII key");
    }
    keys.sort();
    const members = keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
    return `{${members.join(",")}}`;
  }
  throw new InvalidValue("manifest", `cannot hold a ${typeof value}`);
}

function fingerprintBytes(manifest) {
  return sha256(utf8.encode(canonicalJson(manifest)));
}

/** fp, the SHA-256 of the manifest's canonical JSON, as 64 hex digits. */
export function manifestFingerprint(manifest) {
  return bytesToHex(fingerprintBytes(manifest));
}

/* ---------------------------------------------------------------- §4 encryption */

/** Exponential ElGamal: alpha = r*G, beta = [m] + r*K. */
export function encrypt(K, m, r) {
  return { alpha: mul(r, G), beta: smallMultiple(m).add(mul(r, K)) };
}

/** The sum of ciphertexts (it encrypts the sum of the values). */
export function addCiphertexts(ciphertexts) {
  let alpha = IDENTITY;
  let beta = IDENTITY;
  for (const ct of ciphertexts) {
    alpha = alpha.add(ct.alpha);
    beta = beta.add(ct.beta);
  }
  return { alpha, beta };
}

/* ---------------------------------------------------------------- §5.1 one of a list */

/* A statement: {label, context: [eid, fp, K, ...context items], K, alpha, beta, values}.
 * The hash is H(label, eid, fp, K, context..., alpha, beta, a_0, b_0, ..., a_k, b_k). */

function oneOfChallenge(st, commitments) {
  return challenge(st.label, [...st.context, st.alpha, st.beta, ...commitments.flat()]);
}

/** The prover of §5.1, knowing r and that the value is values[index]. rng() gives the
 * random scalars, in the order: u, then c_j and z_j for each other branch j ascending.
 * For a simulated branch the commitments are computed from r (the prover knows it):
 * with w = z_j - c_j*r, a_j = w*G and b_j = w*K + (c_j*(v_j - m))*G, the same points the
 * verifier's a_j = z_j*G - c_j*alpha and b_j = z_j*K - c_j*(beta - [v_j]) give, with
 * multiplications by the fixed G and K only (faster on a phone). */
export function proveOneOf(st, index, r, rng = randomScalar) {
  const m = BigInt(st.values[index]);
  const u = rng();
  const cs = [];
  const zs = [];
  const commitments = [];
  for (let j = 0; j < st.values.length; j++) {
    if (j === index) {
      commitments.push([mul(u, G), mul(u, st.K)]);
      cs.push(0n);
      zs.push(0n);
      continue;
    }
    const c = mod(rng());
    const z = mod(rng());
    const w = mod(z - c * r);
    const shift = mul(c * (BigInt(st.values[j]) - m), G);
    commitments.push([mul(w, G), mul(w, st.K).add(shift)]);
    cs.push(c);
    zs.push(z);
  }
  const total = oneOfChallenge(st, commitments);
  cs[index] = mod(total - cs.reduce((sum, c) => sum + c, 0n));
  zs[index] = mod(u + cs[index] * r);
  return cs.map((c, j) => ({ c, z: zs[j] }));
}

/** The verifier of §5.1: proof is [{c, z}] (scalars), one per value. */
export function verifyOneOf(st, proof) {
  if (proof.length !== st.values.length) return false;
  let sum = 0n;
  const commitments = proof.map(({ c, z }, j) => {
    sum += c;
    const a = mulPublic(z, G).subtract(mulPublic(c, st.alpha));
    const shifted = st.beta.subtract(smallMultiple(st.values[j]));
    const b = mulPublic(z, st.K).subtract(mulPublic(c, shifted));
    return [a, b];
  });
  return mod(sum) === oneOfChallenge(st, commitments);
}

function range(from, to) {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/* ---------------------------------------------------------------- §5.2 Schnorr */

/** Proof of knowledge of x with X = x*G: c = H(label, context..., X, a), z = u + c*x. */
export function proveSchnorr(label, context, x, rng = randomScalar) {
  const X = mul(x, G);
  const u = rng();
  const c = challenge(label, [...context, X, mul(u, G)]);
  return { c, z: mod(u + c * x) };
}

export function verifySchnorr(label, context, X, { c, z }) {
  const a = mulPublic(z, G).subtract(mulPublic(c, X));
  return c === challenge(label, [...context, X, a]);
}

function proofToJson({ c, z }) {
  return { c: scalarToHex(c), z: scalarToHex(z) };
}

/** A JSON object with exactly these keys, as the Python verifier asks (coop_governance/
 * election/shapes.py): a missing key or one more is refused, at its path. */
function exactObject(value, path, keys) {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidValue(path, "must be an object");
  }
  const at = (name) => (path ? `${path}.${name}` : name);
  for (const name of keys) if (!(name in value)) throw new InvalidValue(at(name), "is missing");
  const extra = Object.keys(value).filter((name) => !keys.includes(name)).sort();
  if (extra.length) throw new InvalidValue(at(extra[0]), "is not expected here");
  return value;
}

function proofFromJson(json, path) {
  exactObject(json, path, ["c", "z"]);
  return { c: scalarFromHex(json.c, `${path}.c`), z: scalarFromHex(json.z, `${path}.z`) };
}

function branchesFromJson(json, path) {
  if (!Array.isArray(json)) throw new InvalidValue(path, "must be a list of {c, z}");
  return json.map((branch, j) => proofFromJson(branch, `${path}[${j}]`));
}

/* ---------------------------------------------------------------- §5.3 partial decryption */

function partialDecryptionChallenge(ctx, j, Xj, alpha, D, a, b) {
  return challenge("partial-decryption", [ctx.eid, ctx.fp, ctx.K, j, Xj, alpha, D, a, b]);
}

/** D = x_j*alpha with its proof; ctx = {eid, fp (bytes), K}. */
function partialDecrypt(ctx, j, xj, alpha, rng = randomScalar) {
  const Xj = mul(xj, G);
  const D = mul(xj, alpha);
  const u = rng();
  const c = partialDecryptionChallenge(ctx, j, Xj, alpha, D, mul(u, G), mul(u, alpha));
  return { D, proof: { c, z: mod(u + c * xj) } };
}

/** Checks one partial decryption share {point, proof} (JSON) of trustee j for alpha. */
export function verifyPartialDecryption(eid, fpHex, publicKeyHex, j, XjHex, alphaHex, share) {
  try {
    const ctx = context(eid, fpHex, publicKeyHex);
    const Xj = pointFromHex(XjHex, "verification_key", { allowIdentity: false });
    const alpha = pointFromHex(alphaHex, "alpha");
    const D = pointFromHex(share.point, "point");
    const { c, z } = proofFromJson(share.proof, "proof");
    const a = mulPublic(z, G).subtract(mulPublic(c, Xj));
    const b = mulPublic(z, alpha).subtract(mulPublic(c, D));
    return c === partialDecryptionChallenge(ctx, j, Xj, alpha, D, a, b);
  } catch (error) {
    if (error instanceof InvalidValue) return false;
    throw error;
  }
}

/* ---------------------------------------------------------------- common context */

/* The election key with a table of its multiples (4 ms to build, then each multiplication
 * by K costs a quarter of a plain one): a ballot multiplies K 17 times for a 5-answer
 * question and 50 times for 5 ranks of 8 candidates. The last key is kept. */
let lastKey = { hex: null, point: null };

function electionKeyPoint(publicKeyHex) {
  if (lastKey.hex !== publicKeyHex) {
    const point = pointFromHex(publicKeyHex, "public_key", { allowIdentity: false });
    point.precompute(4, false);
    lastKey = { hex: publicKeyHex, point };
  }
  return lastKey.point;
}

function context(eid, fpHex, publicKeyHex) {
  const fp = bytes32FromHex(fpHex, "fingerprint");
  const ctx = { eid, fp, fpHex };
  if (publicKeyHex !== undefined) ctx.K = electionKeyPoint(publicKeyHex);
  return ctx;
}

/** The context of a ballot: the manifest must be the one fpHex names. */
function ballotContext(manifest, fpHex, publicKeyHex) {
  const ctx = context(manifest.election_id, fpHex, publicKeyHex);
  if (manifestFingerprint(manifest) !== fpHex) {
    throw new InvalidValue("fingerprint", "is not the fingerprint of the manifest");
  }
  return ctx;
}

/* ---------------------------------------------------------------- §7 ballots */

/* The statements of a question's ciphertexts (§5.1's table). */

function selectionStatement(ctx, question, i, ct) {
  return {
    label: "selection",
    context: [ctx.eid, ctx.fp, ctx.K, question.id, i],
    K: ctx.K,
    alpha: ct.alpha,
    beta: ct.beta,
    values: [0, 1],
  };
}

function countStatement(ctx, question, sum) {
  return {
    label: "selection-count",
    context: [ctx.eid, ctx.fp, ctx.K, question.id],
    K: ctx.K,
    alpha: sum.alpha,
    beta: sum.beta,
    values: range(question.min, question.max),
  };
}

function rankStatement(ctx, question, k, ct) {
  return {
    label: "rank",
    context: [ctx.eid, ctx.fp, ctx.K, question.id, k],
    K: ctx.K,
    alpha: ct.alpha,
    beta: ct.beta,
    values: range(0, question.answers.length),
  };
}

/** The value of each ciphertext of a question for the voter's choice: 0/1 per answer
 * (choose), or per rank the candidate's number (index + 1), 0 past the last choice. */
function choiceValues(question, choice, path) {
  const n = question.answers.length;
  if (!Array.isArray(choice)) throw new InvalidValue(path, "must be a list of answer indexes");
  for (const index of choice) {
    if (!Number.isInteger(index) || index < 0 || index >= n) {
      throw new InvalidValue(path, "names an answer the question does not have");
    }
  }
  if (new Set(choice).size !== choice.length) throw new InvalidValue(path, "names an answer twice");
  if (question.kind === "choose") {
    if (choice.length < question.min || choice.length > question.max) {
      throw new InvalidValue(path, `must select ${question.min} to ${question.max} answers`);
    }
    return range(0, n - 1).map((i) => (choice.includes(i) ? 1 : 0));
  }
  if (question.kind === "rank") {
    if (choice.length > question.ranks) {
      throw new InvalidValue(path, `ranks at most ${question.ranks} candidates`);
    }
    return range(0, question.ranks - 1).map((k) => (k < choice.length ? choice[k] + 1 : 0));
  }
  throw new InvalidValue(path, `unknown question kind ${question.kind}`);
}

function ciphertextToJson(ct, proof) {
  return {
    alpha: pointToHex(ct.alpha),
    beta: pointToHex(ct.beta),
    proof: proof.map(proofToJson),
  };
}

/** Encrypts the voter's choices (§7): choices[q] is the list of selected answer indexes
 * (choose) or the answer indexes in order of preference (rank). Answers {ballot, secrets,
 * tracker}; secrets (kept in the page, shown only for an audit) holds, per question, the
 * value and the randomness r of each ciphertext. options.rng replaces randomScalar (test
 * vectors); it is called for each ciphertext in order: r, then its proof's u and (c_j, z_j)
 * of the other branches; for a choose question, then the count proof's. */
export function encryptBallot(manifest, fpHex, publicKeyHex, choices, { rng = randomScalar } = {}) {
  const ctx = ballotContext(manifest, fpHex, publicKeyHex);
  if (!Array.isArray(choices) || choices.length !== manifest.questions.length) {
    throw new InvalidValue("choices", "must answer every question");
  }
  const answers = [];
  const secrets = [];
  manifest.questions.forEach((question, q) => {
    const values = choiceValues(question, choices[q], `choices[${q}]`);
    const randomness = [];
    const items = values.map((value, i) => {
      const r = rng();
      randomness.push(r);
      const ct = encrypt(ctx.K, value, r);
      const st =
        question.kind === "choose"
          ? selectionStatement(ctx, question, i, ct)
          : rankStatement(ctx, question, i, ct);
      return { ct, proof: proveOneOf(st, st.values.indexOf(value), r, rng) };
    });
    const answer = { question_id: question.id };
    if (question.kind === "choose") {
      answer.selections = items.map(({ ct, proof }) => ciphertextToJson(ct, proof));
      const st = countStatement(ctx, question, addCiphertexts(items.map(({ ct }) => ct)));
      const count = values.reduce((sum, v) => sum + v, 0);
      const rSum = mod(randomness.reduce((sum, r) => sum + r, 0n));
      answer.count_proof = proveOneOf(st, count - question.min, rSum, rng).map(proofToJson);
    } else {
      answer.ranks = items.map(({ ct, proof }) => ciphertextToJson(ct, proof));
    }
    answers.push(answer);
    secrets.push({ question_id: question.id, values, randomness: randomness.map(scalarToHex) });
  });
  const ballot = { election_id: ctx.eid, fingerprint: fpHex, answers };
  return {
    ballot,
    secrets: { election_id: ctx.eid, fingerprint: fpHex, answers: secrets },
    tracker: ballotTracker(manifest, fpHex, ballot),
  };
}

/** Decodes a ballot's JSON against the manifest: every point and scalar checked, the shape
 * the manifest asks for. Throws InvalidValue naming the first bad value. */
function parseBallot(manifest, fpHex, ballot) {
  exactObject(ballot, "", ["election_id", "fingerprint", "answers"]);
  if (ballot.election_id !== manifest.election_id) {
    throw new InvalidValue("election_id", "is not this election's");
  }
  if (ballot.fingerprint !== fpHex) throw new InvalidValue("fingerprint", "is not this election's");
  if (!Array.isArray(ballot.answers) || ballot.answers.length !== manifest.questions.length) {
    throw new InvalidValue("answers", "must answer every question, in order");
  }
  return manifest.questions.map((question, q) => {
    const path = `answers[${q}]`;
    if (question.kind !== "choose" && question.kind !== "rank") {
      throw new InvalidValue(path, `unknown question kind ${question.kind}`);
    }
    const key = question.kind === "choose" ? "selections" : "ranks";
    const answer = exactObject(ballot.answers[q], path,
      question.kind === "choose" ? ["question_id", key, "count_proof"] : ["question_id", key]);
    if (answer.question_id !== question.id) {
      throw new InvalidValue(`${path}.question_id`, `must be ${question.id}`);
    }
    const expected = question.kind === "choose" ? question.answers.length : question.ranks;
    const list = answer[key];
    if (!Array.isArray(list) || list.length !== expected) {
      throw new InvalidValue(`${path}.${key}`, `must hold ${expected} ciphertexts`);
    }
    const items = list.map((item, i) => {
      const at = `${path}.${key}[${i}]`;
      exactObject(item, at, ["alpha", "beta", "proof"]);
      return {
        path: at,
        ct: {
          alpha: pointFromHex(item.alpha, `${at}.alpha`),
          beta: pointFromHex(item.beta, `${at}.beta`),
        },
        proof: branchesFromJson(item.proof, `${at}.proof`),
      };
    });
    const parsed = { question, path, items };
    if (question.kind === "choose") {
      parsed.countProof = branchesFromJson(answer.count_proof, `${path}.count_proof`);
    }
    return parsed;
  });
}

function trackerOfParsed(ctx, parsed) {
  const items = [ctx.eid, ctx.fp];
  for (const { question, items: cts, countProof } of parsed) {
    items.push(question.id);
    for (const { ct, proof } of cts) {
      items.push(ct.alpha, ct.beta);
      for (const { c, z } of proof) items.push(scalarToBytes(c), scalarToBytes(z));
    }
    for (const { c, z } of countProof || []) items.push(scalarToBytes(c), scalarToBytes(z));
  }
  return bytesToHex(digest("tracker", items));
}

/** The ballot's tracker (§7), 64 hex digits. Throws InvalidValue for a malformed ballot. */
export function ballotTracker(manifest, fpHex, ballot) {
  const ctx = context(manifest.election_id, fpHex);
  return trackerOfParsed(ctx, parseBallot(manifest, fpHex, ballot));
}

/** Checks every proof of a parsed ballot, and that no alpha appears twice in it (as the
 * server does: a copied ciphertext would tell a vote); pushes a {path, reason} for each
 * fault. */
function checkProofs(ctx, parsed, problems) {
  const seen = new Set();
  for (const { question, path, items, countProof } of parsed) {
    for (const { path: at, ct } of items) {
      const alpha = pointToHex(ct.alpha);
      if (seen.has(alpha)) {
        problems.push({ path: `${at}.alpha`, reason: "appears twice in the ballot" });
      }
      seen.add(alpha);
    }
    items.forEach(({ path: at, ct, proof }, i) => {
      const st =
        question.kind === "choose"
          ? selectionStatement(ctx, question, i, ct)
          : rankStatement(ctx, question, i, ct);
      if (!verifyOneOf(st, proof)) {
        problems.push({ path: `${at}.proof`, reason: "the proof does not verify" });
      }
    });
    if (countProof) {
      const st = countStatement(ctx, question, addCiphertexts(items.map(({ ct }) => ct)));
      if (!verifyOneOf(st, countProof)) {
        problems.push({ path: `${path}.count_proof`, reason: "the proof does not verify" });
      }
    }
  }
}

function problemOf(error) {
  if (error instanceof InvalidValue) return { path: error.path, reason: error.reason };
  throw error;
}

/** Checks a ballot as the server does (§7): it names this election and fingerprint, every
 * value decodes, every proof verifies. Answers {ok, problems}. */
export function verifyBallot(manifest, fpHex, publicKeyHex, ballot) {
  const problems = [];
  try {
    const ctx = ballotContext(manifest, fpHex, publicKeyHex);
    checkProofs(ctx, parseBallot(manifest, fpHex, ballot), problems);
  } catch (error) {
    problems.push(problemOf(error));
  }
  return { ok: problems.length === 0, problems };
}

/** The Benaloh audit of a ballot the voter challenged (§7): re-encrypts every value with
 * its revealed randomness, checks that the ciphertexts are the ballot's and that every
 * proof verifies, and answers the choices the ballot holds, in the shape encryptBallot
 * takes them ({ok, choices, problems}). A challenged ballot is never cast. */
export function auditBallot(manifest, fpHex, publicKeyHex, ballot, secrets) {
  const problems = [];
  const choices = [];
  try {
    const ctx = ballotContext(manifest, fpHex, publicKeyHex);
    const parsed = parseBallot(manifest, fpHex, ballot);
    checkProofs(ctx, parsed, problems);
    if (!secrets || !Array.isArray(secrets.answers) || secrets.answers.length !== parsed.length) {
      throw new InvalidValue("secrets.answers", "must hold every question's values");
    }
    parsed.forEach(({ question, items }, q) => {
      const path = `secrets.answers[${q}]`;
      const secret = secrets.answers[q];
      if (!secret || secret.question_id !== question.id) {
        throw new InvalidValue(`${path}.question_id`, `must be ${question.id}`);
      }
      const values = secret.values;
      const randomness = secret.randomness;
      if (!Array.isArray(values) || !Array.isArray(randomness) ||
          values.length !== items.length || randomness.length !== items.length) {
        throw new InvalidValue(path, "must hold a value and a randomness per ciphertext");
      }
      items.forEach(({ path: at, ct }, i) => {
        const value = values[i];
        const r = scalarFromHex(randomness[i], `${path}.randomness[${i}]`);
        const allowed = question.kind === "choose" ? 1 : question.answers.length;
        if (!Number.isInteger(value) || value < 0 || value > allowed) {
          throw new InvalidValue(`${path}.values[${i}]`, "is not a value this question allows");
        }
        const again = encrypt(ctx.K, value, r);
        if (!again.alpha.equals(ct.alpha) || !again.beta.equals(ct.beta)) {
          problems.push({ path: at, reason: "does not encrypt the revealed value" });
        }
      });
      choices.push(
        question.kind === "choose"
          ? values.flatMap((v, i) => (v === 1 ? [i] : []))
          : values.filter((v) => v !== 0).map((v) => v - 1),
      );
    });
  } catch (error) {
    problems.push(problemOf(error));
  }
  return { ok: problems.length === 0, choices: problems.length === 0 ? choices : null, problems };
}

/* ---------------------------------------------------------------- §6 key generation */

function transportContext(ctx, index) {
  return [ctx.eid, ctx.fp, index];
}

/** Step 1: a transport key y_i, Y_i = y_i*G with its Schnorr proof ("transport-key").
 * secret goes into the trustee's key file, never to the server. */
export function trusteeTransportKey(eid, fpHex, index, { rng = randomScalar } = {}) {
  const ctx = context(eid, fpHex);
  const y = rng();
  return {
    secret: scalarToHex(y),
    key: pointToHex(mul(y, G)),
    proof: proofToJson(proveSchnorr("transport-key", transportContext(ctx, index), y, rng)),
  };
}

export function verifyTransportKey(eid, fpHex, index, keyHex, proof) {
  try {
    const ctx = context(eid, fpHex);
    const Y = pointFromHex(keyHex, "key", { allowIdentity: false });
    const branch = proofFromJson(proof, "proof");
    return verifySchnorr("transport-key", transportContext(ctx, index), Y, branch);
  } catch (error) {
    if (error instanceof InvalidValue) return false;
    throw error;
  }
}

function sharePad(ctx, i, j, E, Yj, shared) {
  return wideDigest("share", [ctx.eid, ctx.fp, i, j, E, Yj, shared]).slice(0, 32);
}

function xor32(a, b) {
  const out = new Uint8Array(32);
  for (let k = 0; k < 32; k++) out[k] = a[k] ^ b[k];
  return out;
}

/** f(x) = a_0 + a_1*x + ... mod L (Horner). */
function evaluatePolynomial(coefficients, x) {
  let y = 0n;
  for (let k = coefficients.length - 1; k >= 0; k--) y = mod(y * BigInt(x) + coefficients[k]);
  return y;
}

/** Step 2: trustee i's random polynomial of degree t-1, its commitments C_{i,k} with their
 * proofs ("coefficient"), and the share s_{i->j} of every trustee j (itself included),
 * boxed for j's transport key. transportKeys is {j: Y_j hex}. */
export function trusteeDeal(eid, fpHex, index, threshold, transportKeys,
  { rng = randomScalar } = {}) {
  const ctx = context(eid, fpHex);
  if (!Number.isInteger(threshold) || threshold < 1) {
    throw new InvalidValue("threshold", "must be 1 or more");
  }
  const coefficients = Array.from({ length: threshold }, () => rng());
  const commitments = coefficients.map((a, k) => ({
    point: pointToHex(mul(a, G)),
    proof: proofToJson(proveSchnorr("coefficient", [ctx.eid, ctx.fp, index, k], a, rng)),
  }));
  const shares = Object.keys(transportKeys)
    .map(Number)
    .sort((a, b) => a - b)
    .map((j) => {
      const Yj = pointFromHex(transportKeys[j], `transport_keys[${j}]`, { allowIdentity: false });
      const e = rng();
      const E = mul(e, G);
      const pad = sharePad(ctx, index, j, E, Yj, mul(e, Yj));
      const s = evaluatePolynomial(coefficients, j);
      return { to: j, ephemeral: pointToHex(E), box: bytesToHex(xor32(scalarToBytes(s), pad)) };
    });
  return { commitments, shares };
}

/** Σ_k j^k * C_k: what f(j)*G must be. */
function committedValue(commitments, j) {
  let sum = IDENTITY;
  let power = 1n;
  for (const C of commitments) {
    sum = sum.add(mulPublic(power, C));
    power = mod(power * BigInt(j));
  }
  return sum;
}

/** Step 3: trustee j opens the box of every trustee i with y_j, checks s_{i->j}*G against
 * i's commitments, and computes x_j = Σ_i s_{i->j} and X_j = x_j*G. received is
 * [{from, ephemeral, box, commitments}], commitments being points (hex) or {point, proof}
 * (a proof, when there, is checked too). Answers {ok, secretShare, verificationKey,
 * publicKey, problems}: each problem {from, path, reason} names the trustee to complain
 * about; secretShare (x_j) goes in the key file, verificationKey (X_j) to the server. */
export function trusteeCheckShares(eid, fpHex, index, transportSecretHex, received, threshold) {
  const ctx = context(eid, fpHex);
  const y = scalarFromHex(transportSecretHex, "transport_secret");
  const Yj = mul(y, G);
  const problems = [];
  let x = 0n;
  let K = IDENTITY;
  const seen = new Set();
  received.forEach((entry, n) => {
    const path = `received[${n}]`;
    const from = entry.from;
    try {
      if (!Number.isInteger(from) || from < 1 || seen.has(from)) {
        throw new InvalidValue(`${path}.from`, "must be a trustee index, once");
      }
      seen.add(from);
      if (!Array.isArray(entry.commitments) || entry.commitments.length !== threshold) {
        throw new InvalidValue(`${path}.commitments`, `must hold ${threshold} points`);
      }
      const commitments = entry.commitments.map((item, k) => {
        const at = `${path}.commitments[${k}]`;
        const hex = typeof item === "string" ? item : item && item.point;
        const C = pointFromHex(hex, at);
        if (typeof item === "object" && item.proof !== undefined) {
          const proof = proofFromJson(item.proof, `${at}.proof`);
          if (!verifySchnorr("coefficient", [ctx.eid, ctx.fp, from, k], C, proof)) {
            throw new InvalidValue(`${at}.proof`, "the proof does not verify");
          }
        }
        return C;
      });
      const E = pointFromHex(entry.ephemeral, `${path}.ephemeral`);
      const box = bytes32FromHex(entry.box, `${path}.box`);
      const pad = sharePad(ctx, from, index, E, Yj, mul(y, E));
      const s = littleEndianToBigInt(xor32(box, pad));
      if (s >= L) throw new InvalidValue(`${path}.box`, "the share is not below the group order");
      if (!mul(s, G).equals(committedValue(commitments, index))) {
        throw new InvalidValue(`${path}.box`, "the share does not match the commitments");
      }
      x = mod(x + s);
      K = K.add(commitments[0]);
    } catch (error) {
      const problem = problemOf(error);
      problems.push({ from, ...problem });
    }
  });
  if (problems.length === 0 && K.is0()) {
    problems.push({ from: null, path: "received", reason: "the election key is the identity" });
  }
  const ok = problems.length === 0;
  return {
    ok,
    secretShare: ok ? scalarToHex(x) : null,
    verificationKey: ok ? pointToHex(mul(x, G)) : null,
    publicKey: ok ? pointToHex(K) : null,
    problems,
  };
}

/** §6.4, from the commitments (anyone): {i: [C_{i,0} hex, ...]} -> K (hex). */
export function electionKey(commitmentsByIndex) {
  let K = IDENTITY;
  for (const [i, list] of Object.entries(commitmentsByIndex)) {
    K = K.add(pointFromHex(list[0], `commitments[${i}][0]`));
  }
  return pointToHex(K);
}

/** §6.4: X_j = Σ_i Σ_k j^k * C_{i,k} (hex). */
export function verificationKey(commitmentsByIndex, j) {
  let X = IDENTITY;
  for (const [i, list] of Object.entries(commitmentsByIndex)) {
    const points = list.map((hex, k) => pointFromHex(hex, `commitments[${i}][${k}]`));
    X = X.add(committedValue(points, j));
  }
  return pointToHex(X);
}

/* ---------------------------------------------------------------- §8 partial decryption */

/** Trustee j's share of the decryption of each ciphertext {alpha, beta}: D = x_j*alpha with
 * its proof (§5.3). Answers [{point, proof}] in the same order. */
export function trusteePartialDecrypt(eid, fpHex, publicKeyHex, index, secretShareHex, ciphertexts,
  { rng = randomScalar } = {}) {
  const ctx = context(eid, fpHex, publicKeyHex);
  const xj = scalarFromHex(secretShareHex, "secret_share");
  if (xj === 0n) throw new InvalidValue("secret_share", "is zero");
  return ciphertexts.map((ct, n) => {
    const alpha = pointFromHex(ct.alpha, `ciphertexts[${n}].alpha`);
    const { D, proof } = partialDecrypt(ctx, index, xj, alpha, rng);
    return { point: pointToHex(D), proof: proofToJson(proof) };
  });
}
