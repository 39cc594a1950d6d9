"""Detached CMS over a digest (digest-mode requests, tender bids), and its report."""

import hashlib

import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from identity.card.services import card_revoke
from identity.models import CardRevocationReason
from identity.signing.cades import cades_finish, cades_prepare
from identity.signing.errors import CertificateNotGood, DocumentInvalid, SignatureInvalid
from identity.signing.verification import cades_verify

pytestmark = pytest.mark.django_db

DIGEST = hashlib.sha256(b"the city keeps this document").digest()


def cades_sign(soft_card, digest: bytes = DIGEST) -> bytes:
    prepared = cades_prepare(digest=digest, certificate=soft_card.signing_certificate)
    return cades_finish(
        prepared=prepared,
        signature=soft_card.sign(prepared.signed_attributes),
        certificate=soft_card.signing_certificate,
    )


def test_the_signed_attributes_are_those_the_agent_accepts(soft_card):
    prepared = cades_prepare(digest=DIGEST, certificate=soft_card.signing_certificate)
    attributes = {
        a["type"].native: a["values"][0] for a in cms.CMSAttributes.load(prepared.signed_attributes)
    }
    assert set(attributes) == {
        "content_type",
        "message_digest",
        "signing_certificate_v2",
        "adobe_revocation_info_archival",
    }
    assert attributes["message_digest"].native == DIGEST
    assert len(attributes["adobe_revocation_info_archival"]["ocsp"]) == 1


def test_a_valid_detached_signature(soft_card):
    report = cades_verify(cms=cades_sign(soft_card), digest=DIGEST)
    assert report.intact and report.trusted
    assert report.level == "B-LT"
    assert report.timestamp_trusted
    assert report.card.serial == soft_card.card.signing_serial_number
    assert report.card.status_at_signing == "good"
    assert report.problems == []


def test_another_digest_is_not_intact(soft_card):
    other = hashlib.sha256(b"another document").digest()
    report = cades_verify(cms=cades_sign(soft_card), digest=other)
    assert report.intact is False
    assert "not_intact" in report.problems


def test_revoked_after_signing_stays_valid(soft_card, alice):
    signed = cades_sign(soft_card)
    card_revoke(card=soft_card.card, reason=CardRevocationReason.LOST, acting_user=alice)
    report = cades_verify(cms=signed, digest=DIGEST)
    assert report.trusted
    assert report.card.status_at_signing == "good"
    assert report.card.revoked_at is not None


def test_a_revoked_card_cannot_prepare(soft_card, alice):
    card_revoke(card=soft_card.card, reason=CardRevocationReason.LOST, acting_user=alice)
    with pytest.raises(CertificateNotGood):
        cades_prepare(digest=DIGEST, certificate=soft_card.signing_certificate)


def test_a_wrong_signature_is_refused(soft_card):
    prepared = cades_prepare(digest=DIGEST, certificate=soft_card.signing_certificate)
    with pytest.raises(SignatureInvalid):
        cades_finish(
            prepared=prepared,
            signature=soft_card.signing_key.sign(b"other", ec.ECDSA(hashes.SHA256())),
            certificate=soft_card.signing_certificate,
        )


def test_a_digest_of_the_wrong_size_is_refused(soft_card):
    with pytest.raises(DocumentInvalid):
        cades_prepare(digest=b"short", certificate=soft_card.signing_certificate)


@pytest.mark.parametrize("der", [b"", b"garbage", b"\x30\x03\x02\x01\x01"])
def test_garbage_is_refused(der):
    with pytest.raises(DocumentInvalid):
        cades_verify(cms=der, digest=DIGEST)
