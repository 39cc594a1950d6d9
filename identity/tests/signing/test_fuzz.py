"""Damaged signed PDFs and CMS: a report or DocumentInvalid, never another exception
(an API answering a 500)."""

import contextlib
import hashlib
import random

import pytest

from identity.signing.cades import cades_finish, cades_prepare
from identity.signing.errors import DocumentInvalid
from identity.signing.pades import pades_finish, pades_prepare
from identity.signing.verification import cades_verify, signatures_verify
from identity.tests.signing.pdfs import pdf_make

pytestmark = pytest.mark.django_db

ROUNDS = 40


def damaged(data: bytes, rng: random.Random) -> bytes:
    changed = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        position = rng.randrange(len(changed))
        changed[position] = rng.randrange(256)
    if rng.random() < 0.2:
        cut = rng.randrange(len(changed))
        changed = changed[:cut]
    return bytes(changed)


def test_damaged_pdfs(soft_card):
    prepared = pades_prepare(pdf=pdf_make(), certificate=soft_card.signing_certificate, title="x")
    signed = pades_finish(
        prepared=prepared,
        signature=soft_card.sign(prepared.signed_attributes),
        certificate=soft_card.signing_certificate,
    )
    start = signed.index(b"/Contents <") + len(b"/Contents <")
    rng = random.Random(15)
    for _ in range(ROUNDS):
        if rng.random() < 0.5:
            # Inside the CMS's hex: a signature pyHanko must parse.
            changed = bytearray(signed)
            position = start + rng.randrange(6000)
            changed[position : position + 2] = rng.choice([b"00", b"FF", b"30", b"A0"])
            candidate = bytes(changed)
        else:
            candidate = damaged(signed, rng)
        with contextlib.suppress(DocumentInvalid):
            signatures_verify(pdf=candidate, client=None)


def test_damaged_cms(soft_card):
    digest = hashlib.sha256(b"doc").digest()
    prepared = cades_prepare(digest=digest, certificate=soft_card.signing_certificate)
    cms = cades_finish(
        prepared=prepared,
        signature=soft_card.sign(prepared.signed_attributes),
        certificate=soft_card.signing_certificate,
    )
    rng = random.Random(16)
    for _ in range(ROUNDS):
        with contextlib.suppress(DocumentInvalid):
            cades_verify(cms=damaged(cms, rng), digest=digest)
