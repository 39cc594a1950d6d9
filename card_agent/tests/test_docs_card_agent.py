"""docs/card-agent.md's test vectors are what the agent computes: someone who builds a page
or another agent from that document alone gets the same bytes."""

import hashlib
import re
from pathlib import Path

import pytest

from card_agent import cms, piv, webeid
from card_agent.agent import BadRequest

DOC = (Path(__file__).resolve().parents[2] / "docs" / "card-agent.md").read_text()


def vector(name: str) -> bytes:
    match = re.search(rf"^\s*{re.escape(name)}\s*=\s*([0-9a-f]+)$", DOC, re.MULTILINE)
    assert match, name
    return bytes.fromhex(match.group(1))


def test_possession_digest_vectors():
    challenge = bytes(range(32))
    assert vector("possession_digest(challenge, 9A)") == webeid.possession_digest(challenge)
    assert vector("possession_digest(challenge, 9C)") == webeid.possession_digest(
        challenge, piv.SLOT_SIGNATURE
    )


def test_signed_attributes_vectors():
    digest = hashlib.sha256(b"Uniqc test document").digest()
    assert vector("documentDigest") == digest
    signed = vector("signedAttributes")
    assert vector("hash the card signs") == cms.signed_attributes_digest(signed, digest)


def test_the_documented_refusals():
    digest = vector("documentDigest")
    signed = bytearray(vector("signedAttributes"))
    signed[-1] ^= 0x01
    with pytest.raises(BadRequest):
        cms.signed_attributes_digest(bytes(signed), digest)
    original = vector("signedAttributes")
    first, second = original[2:28], original[28:]
    with pytest.raises(BadRequest):
        cms.signed_attributes_digest(original[:2] + second + first, digest)
