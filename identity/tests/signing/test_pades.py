"""PAdES B-LT with a software key standing in for the card's 9C key, and what the
verification reports for each case of ADR 0011 ("Verification")."""

import datetime
import hashlib
import secrets
from io import BytesIO

import pytest
from asgiref.sync import async_to_sync
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore

from identity.card.ca import CARD_SIGNING_KEY_USAGE, DOCUMENT_SIGNING, root_certificate
from identity.card.revocation import ocsp_answer_for
from identity.card.services import card_revoke
from identity.models import CardRevocationReason
from identity.signing import pades
from identity.signing.errors import CertificateNotGood, DocumentInvalid, SignatureInvalid
from identity.signing.pades import pades_finish, pades_prepare
from identity.signing.verification import signatures_verify
from identity.tests.signing.pdfs import pdf_make

pytestmark = pytest.mark.django_db


def pades_sign(soft_card, pdf: bytes | None = None, title: str = "Permis") -> bytes:
    prepared = pades_prepare(
        pdf=pdf or pdf_make(), certificate=soft_card.signing_certificate, title=title
    )
    return pades_finish(
        prepared=prepared,
        signature=soft_card.sign(prepared.signed_attributes),
        certificate=soft_card.signing_certificate,
    )


@pytest.fixture
def signed(soft_card) -> bytes:
    return pades_sign(soft_card)


def only(reports):
    assert len(reports) == 1
    return reports[0]


def test_the_signed_pdf_validates_with_pyhanko_at_b_lt_from_its_own_dss(signed):
    reader = PdfFileReader(BytesIO(signed))
    dss = DocumentSecurityStore.read_dss(reader)
    assert len(dss.ocsps) >= 2  # the signing and the TSA certificates
    context = dss.as_validation_context(
        {
            "trust_roots": [_asn1(root_certificate())],
            "allow_fetching": False,
            "revocation_mode": "hard-fail",
        }
    )
    status = async_to_sync(async_validate_pdf_signature)(
        reader.embedded_signatures[0], signer_validation_context=context
    )
    assert status.intact and status.valid and status.trusted
    assert status.timestamp_validity.trusted


def _asn1(certificate):
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def test_a_valid_signature_report(signed, soft_card):
    report = only(signatures_verify(pdf=signed, client=None))
    assert report.intact is True
    assert report.trusted is True
    assert report.level == "B-LT"
    assert report.timestamp_trusted is True
    now = datetime.datetime.now(tz=datetime.UTC)
    assert abs(report.signed_at - now) < datetime.timedelta(minutes=1)
    assert report.card.serial == soft_card.card.signing_serial_number
    assert report.card.status_at_signing == "good"
    assert report.card.status_now == "active"
    assert report.card.revoked_at is None
    assert report.signer is None  # anonymous, and no request disclosed a name
    assert report.modified_after_signing is False
    assert report.problems == []
    assert report.valid
    assert report.field == "UniqcSignature1"


def test_a_changed_byte_is_not_intact(signed):
    assert signed.count(b"ligne 1:") == 1
    changed = signed.replace(b"ligne 1:", b"ligne 7:")
    report = only(signatures_verify(pdf=changed, client=None))
    assert report.intact is False
    assert report.trusted is False
    assert "not_intact" in report.problems
    assert not report.valid


def test_a_card_revoked_after_signing_leaves_the_signature_valid(signed, soft_card, alice):
    card_revoke(card=soft_card.card, reason=CardRevocationReason.LOST, acting_user=alice)
    report = only(signatures_verify(pdf=signed, client=None))
    assert report.card.status_at_signing == "good"
    assert report.card.status_now == "revoked"
    assert report.card.revoked_at > report.signed_at
    assert report.trusted is True
    assert report.valid


def signed_elsewhere(*, key, certificate, ocsps) -> bytes:
    """What another tool could make with the key: our TSA's timestamp, the given OCSP
    answers in the DSS, none of pades_finish's checks."""
    prepared = pades_prepare(pdf=pdf_make(), certificate=certificate, title="Permis")
    signature = key.sign(prepared.signed_attributes, ec.ECDSA(hashes.SHA256()))
    pdf, _cms, contents = async_to_sync(pades._sign)(prepared, signature, certificate)
    return pades._dss_add(pdf, contents, [certificate], ocsps)


def test_a_revoked_card_cannot_sign(soft_card, alice):
    prepared = pades_prepare(
        pdf=pdf_make(), certificate=soft_card.signing_certificate, title="Permis"
    )
    card_revoke(card=soft_card.card, reason=CardRevocationReason.STOLEN, acting_user=alice)
    with pytest.raises(CertificateNotGood):
        pades_finish(
            prepared=prepared,
            signature=soft_card.sign(prepared.signed_attributes),
            certificate=soft_card.signing_certificate,
        )


def test_a_signature_made_after_revocation_is_reported_revoked(soft_card, alice):
    card_revoke(card=soft_card.card, reason=CardRevocationReason.STOLEN, acting_user=alice)
    signed = signed_elsewhere(
        key=soft_card.signing_key,
        certificate=soft_card.signing_certificate,
        ocsps=[ocsp_answer_for(soft_card.signing_certificate)],
    )
    report = only(signatures_verify(pdf=signed, client=None))
    assert report.card.status_at_signing == "revoked"
    assert report.trusted is False
    assert "revoked" in report.problems
    assert not report.valid


def other_ca_certificate(key) -> x509.Certificate:
    """A 9C-like certificate from a CA that is not ours (same names, other key)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(tz=datetime.UTC)
    issuer = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CA"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Uniqc Coop"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Uniqc Coop Card Issuing CA"),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Uniqc Coop"),
                    x509.NameAttribute(NameOID.PSEUDONYM, secrets.token_hex(16)),
                ]
            )
        )
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(CARD_SIGNING_KEY_USAGE, critical=True)
        .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def test_a_card_of_another_ca_is_not_trusted(soft_card):
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = other_ca_certificate(key)
    signed = signed_elsewhere(key=key, certificate=certificate, ocsps=[])
    report = only(signatures_verify(pdf=signed, client=None))
    assert report.intact is True
    assert report.trusted is False
    assert "unknown_issuer" in report.problems
    assert report.card.status_at_signing == "unknown"
    assert report.card.status_now is None
    assert report.signer is None


def test_changes_added_after_signing_are_reported(signed):
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Contents"] = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 400 Td (Montant: 1 000 000 $) Tj ET")
    )
    writer.update_container(page)
    output = BytesIO()
    writer.write(output)
    report = only(signatures_verify(pdf=output.getvalue(), client=None))
    assert report.modified_after_signing is True
    assert "modified_after_signing" in report.problems
    assert report.intact is True  # the signed revision itself is untouched
    assert not report.valid


def test_a_wrong_signature_is_refused_before_the_pdf_is_touched(soft_card):
    prepared = pades_prepare(
        pdf=pdf_make(), certificate=soft_card.signing_certificate, title="Permis"
    )
    other = soft_card.sign(b"something else")
    with pytest.raises(SignatureInvalid):
        pades_finish(prepared=prepared, signature=other, certificate=soft_card.signing_certificate)
    with pytest.raises(SignatureInvalid):
        pades_finish(
            prepared=prepared, signature=b"\x30\x00", certificate=soft_card.signing_certificate
        )


def test_the_signed_attributes_bind_the_document_digest(soft_card):
    from asn1crypto import cms

    prepared = pades_prepare(
        pdf=pdf_make(), certificate=soft_card.signing_certificate, title="Permis"
    )
    attributes = {
        a["type"].native: a["values"][0] for a in cms.CMSAttributes.load(prepared.signed_attributes)
    }
    assert set(attributes) == {"content_type", "message_digest", "signing_certificate_v2"}
    assert attributes["content_type"].native == "data"
    assert attributes["message_digest"].native == prepared.document_digest
    start, end = prepared.reserved_start, prepared.reserved_end
    pdf = prepared.prepared_pdf
    assert hashlib.sha256(pdf[:start] + pdf[end:]).digest() == prepared.document_digest


@pytest.mark.parametrize("pdf", [b"", b"not a pdf", b"%PDF-1.7\n%%EOF"])
def test_a_file_that_is_not_a_pdf_is_refused(soft_card, pdf):
    with pytest.raises(DocumentInvalid):
        pades_prepare(pdf=pdf, certificate=soft_card.signing_certificate, title="x")
    with pytest.raises(DocumentInvalid):
        signatures_verify(pdf=pdf, client=None)


def test_an_unsigned_pdf_has_no_reports():
    assert signatures_verify(pdf=pdf_make(), client=None) == []


def test_a_second_signature_gets_its_own_field(soft_card, signed):
    twice = pades_sign(soft_card, pdf=signed)
    reports = signatures_verify(pdf=twice, client=None)
    assert [r.field for r in reports] == ["UniqcSignature1", "UniqcSignature2"]
    assert all(r.intact and r.trusted for r in reports)
