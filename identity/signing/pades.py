"""PAdES B-LT signatures made with the card's signing key (ADR 0011, decision 5).

Signing is interrupted: `pades_prepare` writes the signature placeholder and gives the
document's ByteRange digest and the DER signed attributes the card must sign; the card
signs SHA-256 of those attributes; `pades_finish` checks that signature, wraps it in a
CMS with a signature timestamp from our TSA (B-T), fills the placeholder, then adds a
Document Security Store with our OCSP answers for the signing and TSA certificates and
the chain (B-LT). Everything runs in this process: no network.

pyHanko is kept behind this module and verification.py (ADR 0011, risks).
"""

from dataclasses import dataclass
from io import BytesIO

from asgiref.sync import async_to_sync
from asn1crypto import algos, cms
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore

from identity.card.ca import issuing_certificate, root_certificate
from identity.card.revocation import ocsp_answer_for
from identity.signing.errors import CertificateNotGood, DocumentInvalid, SignatureInvalid
from identity.signing.tsa import CoopTimeStamper

# Room for the CMS in the PDF, in hex characters: the signature, the signer's chain
# (three certificates) and the timestamp token with its two (about 5 KB of DER).
BYTES_RESERVED = 16_384
# A DER ECDSA P-256 signature is at most 72 bytes; anything larger is not one.
SIGNATURE_MAX_BYTES = 80
MECHANISM = algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"})
FIELD_PREFIX = "UniqcSignature"


@dataclass(frozen=True)
class Prepared:
    """A PDF with its signature placeholder, waiting for the card's signature: plain
    data, stored (encrypted) in a SigningSession between the two steps."""

    prepared_pdf: bytes
    document_digest: bytes
    reserved_start: int
    reserved_end: int
    signed_attributes: bytes


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(_der(certificate))


def chain() -> list[asn1_x509.Certificate]:
    """The issuing CA and the root, as embedded in every signature we make."""
    return [asn1_certificate(issuing_certificate()), asn1_certificate(root_certificate())]


def external_signer(certificate: x509.Certificate, signature: bytes) -> signers.ExternalSigner:
    return signers.ExternalSigner(
        signing_cert=asn1_certificate(certificate),
        cert_registry=SimpleCertificateStore.from_certs(chain()),
        signature_value=signature,
        signature_mechanism=MECHANISM,
    )


def _field_name(reader: PdfFileReader) -> str:
    """A signature field name not taken in this PDF."""
    taken = {name for name, _, _ in fields.enumerate_sig_fields(reader, filled_status=None)}
    number = 1
    while f"{FIELD_PREFIX}{number}" in taken:
        number += 1
    return f"{FIELD_PREFIX}{number}"


async def _prepare(pdf: bytes, certificate: x509.Certificate, title: str) -> Prepared:
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        field_name = _field_name(writer.prev)
    except (PdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DocumentInvalid(f"unreadable PDF: {exc}") from exc
    if writer.prev.encrypted:
        raise DocumentInvalid("encrypted PDF")
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=title[:200],
    )
    signer = external_signer(certificate, bytes(72))
    pdf_signer = signers.PdfSigner(meta, signer=signer)
    try:
        prepared_digest, _, output = await pdf_signer.async_digest_doc_for_signing(
            writer, bytes_reserved=BYTES_RESERVED
        )
    except (PdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DocumentInvalid(f"PDF refused: {exc}") from exc
    signed_attributes = await signer.signed_attrs(
        prepared_digest.document_digest, "sha256", use_pades=True
    )
    return Prepared(
        prepared_pdf=output.getvalue(),
        document_digest=prepared_digest.document_digest,
        reserved_start=prepared_digest.reserved_region_start,
        reserved_end=prepared_digest.reserved_region_end,
        signed_attributes=signed_attributes.dump(),
    )


def pades_prepare(*, pdf: bytes, certificate: x509.Certificate, title: str) -> Prepared:
    """Add a signature placeholder to `pdf` for `certificate` (a card's 9C certificate) and
    compute what the card must sign. DocumentInvalid for a PDF we cannot sign."""
    return async_to_sync(_prepare)(pdf, certificate, title)


def signature_check(
    *, certificate: x509.Certificate, signed_attributes: bytes, signature: bytes
) -> None:
    """Raise SignatureInvalid unless `signature` (DER ECDSA) is the certificate's key's
    signature over SHA-256 of `signed_attributes`."""
    public_key = certificate.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise SignatureInvalid("not an EC certificate")
    if len(signature) > SIGNATURE_MAX_BYTES:
        raise SignatureInvalid("signature too long")
    try:
        public_key.verify(signature, signed_attributes, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError) as exc:
        raise SignatureInvalid("signature does not verify") from exc


def timestamp_certificate_of(signed_cms: cms.ContentInfo) -> x509.Certificate:
    """The certificate that signed the signature timestamp in `signed_cms`."""
    signer_info = signed_cms["content"]["signer_infos"][0]
    for attribute in signer_info["unsigned_attrs"]:
        if attribute["type"].native == "signature_time_stamp_token":
            token = attribute["values"][0]
            sid = token["content"]["signer_infos"][0]["sid"].chosen
            for candidate in token["content"]["certificates"]:
                cert = candidate.chosen
                if (
                    cert.serial_number == sid["serial_number"].native
                    and cert.issuer == sid["issuer"]
                ):
                    return x509.load_der_x509_certificate(cert.dump())
    raise SignatureInvalid("no signature timestamp")


async def _sign(
    prepared: Prepared, signature: bytes, certificate: x509.Certificate
) -> tuple[bytes, cms.ContentInfo, bytes]:
    """The PDF with the CMS (signature and signature timestamp) in its placeholder, the
    CMS, and the placeholder's contents (the DSS's VRI key). No check: pades_finish."""
    signer = external_signer(certificate, signature)
    signed_cms = await signer.async_sign_prescribed_attributes(
        "sha256",
        signed_attrs=cms.CMSAttributes.load(prepared.signed_attributes),
        timestamper=CoopTimeStamper(),
    )
    output = BytesIO(prepared.prepared_pdf)
    post_signature = PdfTBSDocument.resume_signing(
        output,
        PreparedByteRangeDigest(
            document_digest=prepared.document_digest,
            reserved_region_start=prepared.reserved_start,
            reserved_region_end=prepared.reserved_end,
        ),
        signed_cms,
    )
    return output.getvalue(), signed_cms, post_signature.sig_contents


def _dss_add(
    pdf: bytes, contents: bytes, certificates: list[x509.Certificate], ocsps: list[bytes]
) -> bytes:
    """Append a DSS (certificates and OCSP answers, with the signature's VRI entry)."""
    output = BytesIO(pdf)
    DocumentSecurityStore.add_dss(
        output,
        contents,
        certs=[asn1_certificate(certificate) for certificate in certificates],
        ocsps=[asn1_ocsp.OCSPResponse.load(answer) for answer in ocsps],
    )
    return output.getvalue()


def ocsp_good(answer: bytes) -> bool:
    response = ocsp.load_der_ocsp_response(answer)
    return (
        response.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
        and response.certificate_status == ocsp.OCSPCertStatus.GOOD
    )


def pades_finish(*, prepared: Prepared, signature: bytes, certificate: x509.Certificate) -> bytes:
    """The signed PDF at PAdES B-LT. SignatureInvalid unless `signature` verifies over
    SHA-256 of the prepared signed attributes, CertificateNotGood unless our responder
    answers `good` for `certificate`: both before the PDF is touched."""
    signature_check(
        certificate=certificate,
        signed_attributes=prepared.signed_attributes,
        signature=signature,
    )
    signer_answer = ocsp_answer_for(certificate)
    if not ocsp_good(signer_answer):
        raise CertificateNotGood
    signed_pdf, signed_cms, contents = async_to_sync(_sign)(prepared, signature, certificate)
    timestamp_certificate = timestamp_certificate_of(signed_cms)
    return _dss_add(
        signed_pdf,
        contents,
        [certificate, timestamp_certificate, issuing_certificate(), root_certificate()],
        [signer_answer, ocsp_answer_for(timestamp_certificate)],
    )
