"""Detached CMS (CAdES) signatures over a SHA-256 digest, made with the card's signing
key: for signature requests that send only the document's digest (ADR 0011, decision
11) and for tender bids.

Same card flow as PAdES: `cades_prepare` gives the DER signed attributes (content type
`data`, the message digest, signingCertificateV2, and our OCSP answer for the signing
certificate in Adobe's revocation-info attribute, so the signature carries its own
proof of the card's status); the card signs SHA-256 of them; `cades_finish` checks the
signature, adds our TSA's signature timestamp and, unsigned, our OCSP answer for the TSA
certificate.
"""

from dataclasses import dataclass

import pyhanko.sign.attributes  # noqa: F401 - registers Adobe's revocation-info attribute
from asgiref.sync import async_to_sync
from asn1crypto import cms
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import pdf as asn1_pdf
from cryptography import x509

from identity.card.revocation import ocsp_answer_for
from identity.signing.errors import CertificateNotGood, DocumentInvalid
from identity.signing.pades import (
    asn1_certificate,
    external_signer,
    ocsp_good,
    signature_check,
    timestamp_certificate_of,
)
from identity.signing.tsa import CoopTimeStamper, ess_signing_certificate_v2

DIGEST_BYTES = 32


@dataclass(frozen=True)
class PreparedCades:
    """What the card must sign for a digest: stored in a SigningSession meanwhile."""

    document_digest: bytes
    signed_attributes: bytes


def _signed_attributes(
    digest: bytes, certificate: x509.Certificate, signer_answer: bytes
) -> cms.CMSAttributes:
    """Exactly the attributes the card agent accepts (card_agent/cms.py), no signing time:
    the timestamp says when."""
    return cms.CMSAttributes(
        [
            {"type": "content_type", "values": ["data"]},
            {"type": "message_digest", "values": [digest]},
            {
                "type": "signing_certificate_v2",
                "values": [ess_signing_certificate_v2(asn1_certificate(certificate))],
            },
            {
                "type": "adobe_revocation_info_archival",
                "values": [
                    asn1_pdf.RevocationInfoArchival(
                        {"ocsp": [asn1_ocsp.OCSPResponse.load(signer_answer)]}
                    )
                ],
            },
        ]
    )


def cades_prepare(*, digest: bytes, certificate: x509.Certificate) -> PreparedCades:
    """The signed attributes for `digest` (SHA-256 of the document) and `certificate` (a
    card's 9C certificate). CertificateNotGood unless our responder answers `good`."""
    if len(digest) != DIGEST_BYTES:
        raise DocumentInvalid("a SHA-256 digest is 32 bytes")
    signer_answer = ocsp_answer_for(certificate)
    if not ocsp_good(signer_answer):
        raise CertificateNotGood
    attributes = _signed_attributes(digest, certificate, signer_answer)
    return PreparedCades(document_digest=digest, signed_attributes=attributes.dump())


async def _sign(
    prepared: PreparedCades, signature: bytes, certificate: x509.Certificate
) -> cms.ContentInfo:
    signer = external_signer(certificate, signature)
    return await signer.async_sign_prescribed_attributes(
        "sha256",
        signed_attrs=cms.CMSAttributes.load(prepared.signed_attributes),
        timestamper=CoopTimeStamper(),
    )


def cades_finish(
    *, prepared: PreparedCades, signature: bytes, certificate: x509.Certificate
) -> bytes:
    """The DER CMS ContentInfo: SignatureInvalid unless `signature` verifies over SHA-256
    of the prepared signed attributes; CertificateNotGood unless the card is still good."""
    signature_check(
        certificate=certificate,
        signed_attributes=prepared.signed_attributes,
        signature=signature,
    )
    if not ocsp_good(ocsp_answer_for(certificate)):
        raise CertificateNotGood
    signed = async_to_sync(_sign)(prepared, signature, certificate)
    timestamp_answer = ocsp_answer_for(timestamp_certificate_of(signed))
    signed_data = signed["content"]
    signed_data["crls"] = [
        cms.RevocationInfoChoice(
            name="other",
            value={
                "other_rev_info_format": "ocsp_response",
                "other_rev_info": asn1_ocsp.OCSPResponse.load(timestamp_answer),
            },
        )
    ]
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()
