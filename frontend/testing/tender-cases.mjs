/* The checks of frontend/src/tender.js against docs/tender-vectors.json (computed in Python by
 * scripts/tender-vectors.py, layout in docs/tender-record.md section 10), run on a module E
 * that is the sources or the committed bundle (frontend/test/tender.test.mjs and
 * tender-bundle.test.mjs). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const VECTORS = JSON.parse(
  readFileSync(new URL("../../docs/tender-vectors.json", import.meta.url), "utf8"),
);

const bytes = (hex) => Uint8Array.from(hex.match(/../g) || [], (b) => parseInt(b, 16));

export function tenderCases(E, where) {
  const v = VECTORS.kem;
  const fixed = (E, values) => {
    const queue = values.map((hex) => E.scalarFromHex(hex));
    return () => {
      assert.ok(queue.length, "rng called more often than the vector says");
      return queue.shift();
    };
  };

  test(`${where}: encryptBid gives the vector's bid and ciphertext byte for byte`, async () => {
    const { bid, ciphertext } = await E.encryptBid(
      VECTORS.manifest, v.fingerprint, v.public_key, v.neq, bytes(v.plaintext),
      { rng: fixed(E, [v.r, v.u]), nonce: bytes(v.nonce) },
    );
    assert.deepEqual(bid, v.bid);
    assert.equal(E.bytesToHex(ciphertext), v.ciphertext);
  });

  test(`${where}: the key and associated data are the vector's hashes`, () => {
    const R = E.pointFromHex(v.kem_point);
    const shared = E.pointFromHex(v.shared);
    const K = E.pointFromHex(v.public_key);
    const fp = bytes(v.fingerprint);
    assert.equal(E.bytesToHex(E.hashInput("tender-bid-key", [v.call_id, fp, K, R, shared])), v.key_input);
    assert.equal(E.bytesToHex(E.wideDigest("tender-bid-key", [v.call_id, fp, K, R, shared]).slice(0, 32)), v.key);
    assert.equal(E.bytesToHex(E.digest("tender-bid", [v.call_id, fp, v.neq, R])), v.associated_data);
    assert.equal(E.tenderCallId(VECTORS.manifest), v.call_id);
  });

  test(`${where}: the vector's proof of R verifies for its NEQ only`, () => {
    const K = E.pointFromHex(v.public_key);
    const R = E.pointFromHex(v.kem_point);
    const fp = bytes(v.fingerprint);
    const proof = { c: E.scalarFromHex(v.bid.kem_proof.c), z: E.scalarFromHex(v.bid.kem_proof.z) };
    assert.ok(E.verifySchnorr("tender-bid-kem", [v.call_id, fp, K, v.neq], R, proof));
    assert.ok(!E.verifySchnorr("tender-bid-kem", [v.call_id, fp, K, v.other_neq], R, proof));
  });

  test(`${where}: a bid encrypted with fresh randomness decrypts with the vector's secret`, async () => {
    const plaintext = new TextEncoder().encode("Prix révisé : 97 000 $");
    const { bid, ciphertext } = await E.encryptBid(
      VECTORS.manifest, v.fingerprint, v.public_key, v.neq, plaintext,
    );
    const R = E.pointFromHex(bid.kem_point);
    const K = E.pointFromHex(v.public_key);
    const fp = bytes(v.fingerprint);
    const shared = E.mul(E.scalarFromHex(v.secret_key), R);
    const key = E.wideDigest("tender-bid-key", [v.call_id, fp, K, R, shared]).slice(0, 32);
    const aesKey = await crypto.subtle.importKey("raw", key, { name: "AES-GCM" }, false, ["decrypt"]);
    const opened = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: ciphertext.slice(0, 12), additionalData: E.digest("tender-bid", [v.call_id, fp, v.neq, R]) },
      aesKey,
      ciphertext.slice(12),
    );
    assert.deepEqual(new Uint8Array(opened), plaintext);
    const sha = new Uint8Array(await crypto.subtle.digest("SHA-256", ciphertext));
    assert.equal(E.bytesToHex(sha), bid.ciphertext_sha256);
  });

  test(`${where}: encryptBid refuses a wrong fingerprint, key, NEQ or manifest`, async () => {
    const plain = new Uint8Array([1, 2, 3]);
    const refuse = (args, path) =>
      assert.rejects(() => E.encryptBid(...args), (error) => error.path === path);
    await refuse([VECTORS.manifest, "00".repeat(32), v.public_key, v.neq, plain], "fingerprint");
    await refuse([VECTORS.manifest, v.fingerprint, "00".repeat(32), v.neq, plain], "public_key");
    await refuse([VECTORS.manifest, v.fingerprint, v.public_key, "12345", plain], "neq");
    await refuse([{ ...VECTORS.manifest, format: "x" }, v.fingerprint, v.public_key, v.neq, plain], "manifest.format");
  });
}
