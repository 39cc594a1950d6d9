// Verifies a parcel label's QR text offline, with the published label keys
// (/casiers/etiquettes/cles.json), as lockers/labels.py does: docs/locker-labels.md.
// Ed25519 through the browser's WebCrypto; no dependency.
//
//   import { labelVerify, LabelForged } from "/static/lockers/label-verify.js";
//   const claims = await labelVerify(text, jwks);  // throws LabelForged(reason)

export const LABEL_VERSION = "UQL1";
export const REASONS = ["malformed", "unknown_key", "bad_signature", "retired_key"];
const TEXT_MAX_LENGTH = 400;
const PAYLOAD_MAX_BYTES = 200;
const SIGNATURE_LENGTH = 86;
const CLOCK_SKEW_SECONDS = 300;
const PARCEL_CODE_RE = /^[0-9A-HJKMNP-TV-Z]{12}$/;
const SITE_SLUG_RE = /^[-a-zA-Z0-9_]{1,80}$/;
const KID_RE = /^[A-Za-z0-9_-]{1,16}$/;
const BASE64URL_RE = /^[A-Za-z0-9_-]+$/;
const ISSUED_AT_RE = /^(?:0|[1-9][0-9]{0,10})$/;
const ASCII_RE = /^[\x00-\x7f]*$/;
// Control, format, unassigned and separator characters, other than the plain space.
const STORE_NAME_FORBIDDEN_RE = /[\p{C}\p{Z}]/u;

export class LabelForged extends Error {
  constructor(reason) {
    super(`label refused: ${reason}`);
    this.name = "LabelForged";
    this.reason = reason;
  }
}

function refuse(reason) {
  throw new LabelForged(reason);
}

function base64urlEncode(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// Unpadded, canonical base64url (re-encoding gives the same text), or null.
function base64urlDecode(text) {
  if (!text || !BASE64URL_RE.test(text) || text.length % 4 === 1) return null;
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  let binary;
  try {
    binary = atob(padded);
  } catch {
    return null;
  }
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return base64urlEncode(bytes) === text ? bytes : null;
}

function storeNameOk(name) {
  return (
    name.length > 0 &&
    [...name].length <= 40 &&
    new TextEncoder().encode(name).length <= 80 &&
    name === name.normalize("NFC") &&
    name === name.trim() &&
    ![...name].some((char) => char !== " " && STORE_NAME_FORBIDDEN_RE.test(char))
  );
}

function claimsParse(kid, payload) {
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(payload);
  } catch {
    refuse("malformed");
  }
  const fields = text.split("\n");
  if (fields.length !== 6) refuse("malformed");
  const [parcelCode, siteSlug, sizeClass, window, seconds, storeName] = fields;
  if (
    !PARCEL_CODE_RE.test(parcelCode) ||
    !SITE_SLUG_RE.test(siteSlug) ||
    !["S", "M", "L"].includes(sizeClass) ||
    !["4", "24"].includes(window) ||
    !ISSUED_AT_RE.test(seconds) ||
    !storeNameOk(storeName)
  ) {
    refuse("malformed");
  }
  return {
    kid,
    parcelCode,
    siteSlug,
    sizeClass,
    windowHours: Number(window),
    issuedAt: Number(seconds),
    storeName,
  };
}

async function publicKeyFind(jwks, kid) {
  const keys = jwks && Array.isArray(jwks.keys) ? jwks.keys : [];
  const jwk = keys.find(
    (key) => key && key.kid === kid && key.kty === "OKP" && key.crv === "Ed25519",
  );
  if (!jwk) return null;
  const x = base64urlDecode(jwk.x);
  if (!x || x.length !== 32) return null;
  try {
    const key = await crypto.subtle.importKey(
      "jwk",
      { kty: "OKP", crv: "Ed25519", x: jwk.x },
      { name: "Ed25519" },
      false,
      ["verify"],
    );
    return { key, retiredAt: jwk.retired_at, notAfter: jwk.not_after };
  } catch {
    return null;
  }
}

// The claims of a label signed by one of `jwks`'s keys; throws LabelForged otherwise.
// `now` is in Unix seconds.
export async function labelVerify(text, jwks, { now = Date.now() / 1000 } = {}) {
  if (typeof text !== "string" || text.length > TEXT_MAX_LENGTH || !ASCII_RE.test(text)) {
    refuse("malformed");
  }
  const parts = text.split(".");
  if (parts.length !== 4) refuse("malformed");
  const [version, kid, payloadText, signatureText] = parts;
  if (version !== LABEL_VERSION || !KID_RE.test(kid) || signatureText.length !== SIGNATURE_LENGTH) {
    refuse("malformed");
  }
  const payload = base64urlDecode(payloadText);
  const signature = base64urlDecode(signatureText);
  if (!payload || !signature || payload.length > PAYLOAD_MAX_BYTES || signature.length !== 64) {
    refuse("malformed");
  }
  const claims = claimsParse(kid, payload);

  const found = await publicKeyFind(jwks, kid);
  if (!found) refuse("unknown_key");
  const signed = new TextEncoder().encode(text.slice(0, text.lastIndexOf(".")));
  let valid = false;
  try {
    valid = await crypto.subtle.verify({ name: "Ed25519" }, found.key, signature, signed);
  } catch {
    valid = false;
  }
  if (!valid) refuse("bad_signature");
  if (typeof found.notAfter === "number" && now >= found.notAfter) refuse("retired_key");
  if (typeof found.retiredAt === "number" && claims.issuedAt > found.retiredAt + CLOCK_SKEW_SECONDS) {
    refuse("retired_key");
  }
  return claims;
}

const STORED_KEYS = "uniqc.lockers.label-keys";

// The published label keys: fetched when the network answers, and kept in `storage`
// (localStorage by default) for the hours the courier is offline; the kept copy otherwise.
export async function labelKeysLoad(
  url = "/casiers/etiquettes/cles.json",
  storage = globalThis.localStorage,
) {
  try {
    const response = await fetch(url, { cache: "no-cache", credentials: "omit" });
    if (response.ok) {
      const jwks = await response.json();
      if (jwks && Array.isArray(jwks.keys)) {
        storage?.setItem(STORED_KEYS, JSON.stringify(jwks));
        return jwks;
      }
    }
  } catch {
    // Offline: the kept copy serves.
  }
  const kept = storage?.getItem(STORED_KEYS);
  if (kept) return JSON.parse(kept);
  throw new Error("label keys unavailable: connect once to fetch them");
}
