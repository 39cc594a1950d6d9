"""The hashes of the election record: Fiat-Shamir challenges, trackers, fingerprints.

docs/election-record.md ("Hashing") is the specification. Every hash input is a list of
items, each written as its length (4 bytes, big-endian) and then its bytes, the first item
being the domain label ``uniqc-election/v1/<label>``. Items are:

- ``bytes``: as they are (points, and scalars already encoded by ``scalar_bytes``);
- ``str``: its UTF-8 bytes;
- ``int``: 8 bytes, big-endian, unsigned (indexes and counts, never scalars).
"""

from __future__ import annotations

import hashlib
import json

from .group import L

DOMAIN = "uniqc-election/v1/"


def encode(label: str, items) -> bytes:
    parts = []
    for item in (DOMAIN + label, *items):
        if isinstance(item, bytes):
            data = item
        elif isinstance(item, str):
            data = item.encode()
        elif isinstance(item, int) and not isinstance(item, bool):
            if not 0 <= item < 2**64:
                raise ValueError("an integer item must fit in 8 bytes")
            data = item.to_bytes(8, "big")
        else:
            raise TypeError(f"cannot hash a {type(item).__name__}")
        parts.append(len(data).to_bytes(4, "big"))
        parts.append(data)
    return b"".join(parts)


def challenge(label: str, *items) -> int:
    """SHA-512 of the encoded items, read little-endian and reduced mod L."""
    return int.from_bytes(hashlib.sha512(encode(label, items)).digest(), "little") % L


def digest(label: str, *items) -> bytes:
    """SHA-256 of the encoded items (trackers and the like)."""
    return hashlib.sha256(encode(label, items)).digest()


def wide_digest(label: str, *items) -> bytes:
    """SHA-512 of the encoded items (share pads, generators)."""
    return hashlib.sha512(encode(label, items)).digest()


def canonical_json(value) -> bytes:
    """The manifest's canonical bytes: sorted keys, no spaces, UTF-8, no floats."""
    _refuse_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def fingerprint(manifest: dict) -> bytes:
    """SHA-256 of the manifest's canonical JSON."""
    return hashlib.sha256(canonical_json(manifest)).digest()


def _refuse_floats(value) -> None:
    if isinstance(value, float):
        raise ValueError("the manifest holds no floating-point numbers")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise ValueError("manifest keys are ASCII strings")
            _refuse_floats(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_floats(item)
