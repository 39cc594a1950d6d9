"""The agent's half of Web eID 1.0: what the card signs and the token it returns; and
what a new card signs at issuance to prove it holds each key (`possession_digest`).

The card signs `SHA256(origin) || SHA256(nonce)` (the nonce hashed as its base64 text),
ECDSA P-256 over SHA-256 of those 64 bytes; the signature travels as raw R||S. The server
validates the token separately (identity.card.validation).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from card_agent import piv

TOKEN_FORMAT = "web-eid:1.0"  # noqa: S105 - a format name, not a secret
ALGORITHM = "ES256"
APP_VERSION_URL = "https://uniqc.coop/agent/{version}"
NONCE_LENGTH = 44  # base64 of 32 random bytes
_P256_COORDINATE = 32
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def origin_check(origin: str) -> str:
    """Return `origin` if it is `https://host[:port]`, or `http://` on a loopback host
    (development), with no path, query or trailing slash; raise ValueError otherwise."""
    try:
        parts = urlsplit(origin)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise ValueError("malformed origin") from None
    if not parts.hostname or parts.path or parts.query or parts.fragment or parts.username:
        raise ValueError("an origin is scheme://host[:port] only")
    if parts.scheme == "http" and parts.netloc.rsplit(":", 1)[0] in _LOOPBACK_HOSTS:
        return origin
    if parts.scheme != "https":
        raise ValueError("an origin is https, or http on 127.0.0.1 in development")
    return origin


def nonce_check(nonce: str) -> str:
    """Return `nonce` if it is the base64 text of 32 bytes (44 characters)."""
    if not isinstance(nonce, str) or len(nonce) != NONCE_LENGTH:
        raise ValueError("a nonce is 44 base64 characters")
    try:
        decoded = base64.b64decode(nonce, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a nonce is 44 base64 characters") from None
    if len(decoded) != 32:
        raise ValueError("a nonce is the base64 of 32 bytes")
    return nonce


def signed_data(*, origin: str, nonce: str) -> bytes:
    """The 64 bytes the card's signature covers: SHA256(origin) || SHA256(nonce text)."""
    return (
        hashlib.sha256(origin.encode("utf-8")).digest()
        + hashlib.sha256(nonce.encode("utf-8")).digest()
    )


def digest_to_sign(*, origin: str, nonce: str) -> bytes:
    """The 32-byte hash sent to the card: ES256 hashes the signed data once more."""
    return hashlib.sha256(signed_data(origin=origin, nonce=nonce)).digest()


# Proof of possession at issuance: what the new key signs is bound to this purpose and to
# its slot, so that neither a sign-in signature nor a proof can stand for the other, and a
# proof by the 9A key never stands for the 9C key (or the reverse).
POSSESSION_CONTEXT = b"uniqc-card-issuance-proof:1\x00"  # slot 9A, as before slot 9C existed
POSSESSION_CONTEXT_SIGNATURE = b"uniqc-card-issuance-proof:9c:1\x00"  # slot 9C
_POSSESSION_CONTEXTS = {
    piv.SLOT_AUTHENTICATION: POSSESSION_CONTEXT,
    piv.SLOT_SIGNATURE: POSSESSION_CONTEXT_SIGNATURE,
}


def possession_digest(challenge: bytes, slot: int = piv.SLOT_AUTHENTICATION) -> bytes:
    """The 32-byte hash the card signs (GENERAL AUTHENTICATE with the key of `slot`) to
    prove it holds the key being certified: SHA256(context of the slot || challenge)."""
    try:
        context = _POSSESSION_CONTEXTS[slot]
    except KeyError:
        raise ValueError(f"slot {slot:#x} is not 9A or 9C") from None
    return hashlib.sha256(context + challenge).digest()


def der_to_raw(der_signature: bytes) -> bytes:
    """Convert a DER ECDSA P-256 signature to the raw R||S (32 + 32 bytes) Web eID uses."""
    r, s = decode_dss_signature(der_signature)
    return r.to_bytes(_P256_COORDINATE, "big") + s.to_bytes(_P256_COORDINATE, "big")


def token_build(*, certificate_der: bytes, raw_signature: bytes, version: str) -> dict:
    """The Web eID 1.0 authentication token."""
    return {
        "unverifiedCertificate": base64.b64encode(certificate_der).decode("ascii"),
        "algorithm": ALGORITHM,
        "signature": base64.b64encode(raw_signature).decode("ascii"),
        "format": TOKEN_FORMAT,
        "appVersion": APP_VERSION_URL.format(version=version),
    }
