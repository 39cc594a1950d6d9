/* The sealed tender's encryption in the supplier's browser: docs/tender-record.md is the
 * specification (the section numbers below are its sections). A bid file is encrypted to
 * the call's key K, which t of n city officials hold in shares (the ballot's key ceremony),
 * so that nobody can read it before the opening, the coop's server included.
 *
 * Built on election.js's group and hashes and on WebCrypto's AES-GCM (crypto.subtle:
 * browsers give it to secure contexts only, HTTPS or localhost); bundled with election.js
 * into coop_governance/static/coop_governance/vendor/election.min.js by
 * scripts/vendor-assets.sh. The server checks the same bytes in Python
 * (civic/tender_crypto.py). */
import {
  G,
  InvalidValue,
  bytesToHex,
  digest,
  manifestFingerprint,
  mul,
  pointFromHex,
  pointToHex,
  proveSchnorr,
  randomScalar,
  scalarToHex,
  wideDigest,
} from "./election.js";

export const TENDER_MANIFEST_FORMAT = "uniqc-tender/v1";
const NEQ = /^[0-9]{10}$/;
const NONCE_BYTES = 12;

/** The call's id in the cryptography (§1): "tender:" + the call's UUID. */
export function tenderCallId(manifest) {
  return `tender:${manifest.call_id}`;
}

function hexToBytes(hex, path) {
  if (typeof hex !== "string" || !/^([0-9a-f]{2})*$/.test(hex)) {
    throw new InvalidValue(path, "must be lowercase hexadecimal");
  }
  return Uint8Array.from(hex.match(/../g) || [], (byte) => parseInt(byte, 16));
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Encrypts a bid file for the call (§4). Answers {bid, ciphertext}: bid is the JSON the
 * server takes ({neq, kem_point, kem_proof, ciphertext_sha256}), ciphertext the bytes to
 * upload (the 12-byte nonce, then AES-GCM's output and tag). The randomness r never leaves
 * this function. options.rng (called for r, then for the proof's nonce u) and
 * options.nonce are for the test vectors only. Throws InvalidValue on a wrong input. */
export async function encryptBid(manifest, fpHex, publicKeyHex, neq, bytes, options = {}) {
  const { rng = randomScalar, nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES)) } =
    options;
  if (!manifest || manifest.format !== TENDER_MANIFEST_FORMAT) {
    throw new InvalidValue("manifest.format", `must be ${TENDER_MANIFEST_FORMAT}`);
  }
  if (manifestFingerprint(manifest) !== fpHex) {
    throw new InvalidValue("fingerprint", "is not the manifest's fingerprint");
  }
  const K = pointFromHex(publicKeyHex, "public_key", { allowIdentity: false });
  if (typeof neq !== "string" || !NEQ.test(neq)) {
    throw new InvalidValue("neq", "must be ten digits (a NEQ)");
  }
  if (!(bytes instanceof Uint8Array)) throw new InvalidValue("bytes", "must be a Uint8Array");
  if (!(nonce instanceof Uint8Array) || nonce.length !== NONCE_BYTES) {
    throw new InvalidValue("nonce", "must be 12 bytes");
  }
  const callId = tenderCallId(manifest);
  const fp = hexToBytes(fpHex, "fingerprint");
  const r = rng();
  const R = mul(r, G);
  const key = wideDigest("tender-bid-key", [callId, fp, K, R, mul(r, K)]).slice(0, 32);
  const associated = digest("tender-bid", [callId, fp, neq, R]);
  const aesKey = await crypto.subtle.importKey("raw", key, { name: "AES-GCM" }, false, [
    "encrypt",
  ]);
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: nonce, additionalData: associated, tagLength: 128 },
    aesKey,
    bytes,
  );
  const ciphertext = concat(nonce, new Uint8Array(sealed));
  const proof = proveSchnorr("tender-bid-kem", [callId, fp, K, neq], r, rng);
  const sha = new Uint8Array(await crypto.subtle.digest("SHA-256", ciphertext));
  return {
    bid: {
      neq,
      kem_point: pointToHex(R),
      kem_proof: { c: scalarToHex(proof.c), z: scalarToHex(proof.z) },
      ciphertext_sha256: bytesToHex(sha),
    },
    ciphertext,
  };
}
