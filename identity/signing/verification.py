"""Verification of signatures made with a card's signing key: PAdES in a PDF, or a
detached CMS over a digest (ADR 0011, "Verification").

Validation trusts only our root CA and reads only what the signature carries (the PDF's
DSS, the CMS's own certificates and revocation answers): nothing is fetched. It is made at
the signature timestamp's time, so a card revoked after signing leaves the signature
valid; whether the card is valid *now* is a separate field, from our own records. Who
signed is answered as the signer chose (decision 7): an OIDC client always learns its own
pairwise `sub`, anyone learns the legal name only when the signer disclosed it.
"""

import datetime
import hashlib
from dataclasses import asdict, dataclass, field
from io import BytesIO
from typing import Any

from asgiref.sync import async_to_sync
from asn1crypto import cms as asn1_cms
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature, generic_cms
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import StandardCMSSignatureStatus
from pyhanko_certvalidator import ValidationContext

from identity.card.ca import issuing_certificate, root_certificate
from identity.card.selectors import card_by_signing_fingerprint
from identity.models import Card, CardStatus, OidcClient, SignatureRequest, SignatureRequestStatus
from identity.oidc.subjects import subject_for
from identity.signing.errors import DocumentInvalid

# Our 9C certificates carry digitalSignature and nonRepudiation (contentCommitment).
KEY_USAGE = KeyUsageConstraints(key_usage={"non_repudiation"})


@dataclass
class CardStatusReport:
    serial: str
    # What the revocation answers carried in the signature say at the signing time.
    status_at_signing: str  # good, revoked, unknown
    # Our records now: the card's status and, when revoked, since when.
    status_now: str | None = None
    revoked_at: datetime.datetime | None = None


@dataclass
class SignatureReport:
    field: str | None
    intact: bool
    trusted: bool
    level: str | None  # B-B, B-T, B-LT
    signed_at: datetime.datetime | None
    timestamp_trusted: bool
    card: CardStatusReport | None
    signer: dict[str, str] | None
    modified_after_signing: bool
    coverage: str | None
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.intact and self.trusted and not self.modified_after_signing

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["valid"] = self.valid
        for key in ("signed_at",):
            data[key] = data[key].isoformat() if data[key] else None
        if data["card"] and data["card"]["revoked_at"]:
            data["card"]["revoked_at"] = data["card"]["revoked_at"].isoformat()
        return data


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


def _context(
    *,
    moment: datetime.datetime | None,
    certs: list[asn1_x509.Certificate] = (),
    ocsps: list[asn1_ocsp.OCSPResponse] = (),
    crls: list = (),
) -> ValidationContext:
    """Our root alone trusted, nothing fetched, revocation required where a certificate
    points to it; at `moment`, accepting revocation answers made just after it."""
    return ValidationContext(
        trust_roots=[_asn1(root_certificate())],
        other_certs=[_asn1(issuing_certificate()), *certs],
        ocsps=list(ocsps),
        crls=list(crls),
        allow_fetching=False,
        revocation_mode="hard-fail",
        moment=moment,
        retroactive_revinfo=True,
    )


def _timestamp_time(signer_info: asn1_cms.SignerInfo) -> datetime.datetime | None:
    """The signature timestamp's genTime, unchecked (only the moment to validate at; the
    token itself is then validated)."""
    for attribute in signer_info["unsigned_attrs"] or ():
        if attribute["type"].native == "signature_time_stamp_token":
            token = attribute["values"][0]
            info = token["content"]["encap_content_info"]["content"].parsed
            return info["gen_time"].native
    return None


def _issued_by_us(certificate: asn1_x509.Certificate) -> bool:
    cert = x509.load_der_x509_certificate(certificate.dump())
    try:
        cert.verify_directly_issued_by(issuing_certificate())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _card_for(certificate: asn1_x509.Certificate) -> Card | None:
    if not _issued_by_us(certificate):
        return None
    return card_by_signing_fingerprint(hashlib.sha256(certificate.dump()).hexdigest())


def _request_for(*, card: Card, signed: bytes) -> SignatureRequest | None:
    """The signature request this card signed whose stored document `signed` starts with
    (a signed PDF may carry later incremental updates)."""
    requests = SignatureRequest.objects.filter(
        card=card, status=SignatureRequestStatus.SIGNED, signed_document__size__lte=len(signed)
    ).select_related("signed_document")
    for request in requests:
        document = request.signed_document
        if hashlib.sha256(signed[: document.size]).hexdigest() == document.sha256:
            return request
    return None


def _signer(*, card: Card | None, signed: bytes, client: OidcClient | None) -> dict | None:
    if card is None:
        return None
    signer = {}
    if client is not None:
        signer["sub"] = subject_for(user=card.user, client=client)
    request = _request_for(card=card, signed=signed)
    if request is not None and request.disclose_name:
        signer["name"] = card.user.full_name
    return signer or None


def _card_report(
    certificate: asn1_x509.Certificate, card: Card | None, *, trusted: bool, revoked: bool
) -> CardStatusReport:
    at_signing = "good" if trusted else "revoked" if revoked else "unknown"
    report = CardStatusReport(
        serial=format(certificate.serial_number, "x"), status_at_signing=at_signing
    )
    if card is not None:
        report.status_now = card.status
        if card.status != CardStatus.ACTIVE:
            report.revoked_at = card.revoked_at or card.issued_at
    return report


def _level(status: Any, *, timestamped: bool, revocation_info: bool) -> str:
    """B-LT: a trusted timestamp and revocation answers that validate the signer;
    B-T: a trusted timestamp; B-B otherwise."""
    if not timestamped:
        return "B-B"
    if revocation_info and status.trusted:
        return "B-LT"
    return "B-T"


def _problems(status: Any, *, issued_by_us: bool, timestamped: bool) -> list[str]:
    problems = []
    if not status.intact:
        problems.append("not_intact")
    elif not status.valid:
        problems.append("signature_invalid")
    if not issued_by_us:
        problems.append("unknown_issuer")
    elif status.revoked:
        problems.append("revoked")
    elif not status.trusted:
        problems.append("untrusted")
    if status.timestamp_validity is None:
        problems.append("no_timestamp")
    elif not timestamped:
        problems.append("timestamp_untrusted")
    return problems


def _timestamp_report(status: Any) -> tuple[datetime.datetime | None, bool]:
    timestamp = status.timestamp_validity
    if timestamp is None:
        return None, False
    trusted = bool(timestamp.intact and timestamp.valid and timestamp.trusted)
    return (timestamp.timestamp if trusted else None), trusted


# What pyHanko and asn1crypto raise on a file or a signature they cannot read: a report
# of DocumentInvalid, never a server error.
UNREADABLE = (
    PdfError,
    SignatureValidationError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    NotImplementedError,
    OverflowError,
)


async def _pdf_statuses(pdf: bytes) -> list[tuple[Any, Any, bool]]:
    try:
        return await _pdf_statuses_read(pdf)
    except UNREADABLE as exc:
        raise DocumentInvalid(f"unreadable PDF or signature: {exc}") from exc


async def _pdf_statuses_read(pdf: bytes) -> list[tuple[Any, Any, bool]]:
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    signatures = reader.embedded_signatures
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        dss = None
    results = []
    for embedded in signatures:
        # Read now, so that a broken signer certificate fails here.
        embedded.signer_cert  # noqa: B018
        moment = _timestamp_time(embedded.signer_info)
        kwargs = {
            "trust_roots": [_asn1(root_certificate())],
            "other_certs": [_asn1(issuing_certificate())],
            "allow_fetching": False,
            "revocation_mode": "hard-fail",
            "moment": moment,
            "retroactive_revinfo": True,
        }
        context = dss.as_validation_context(kwargs) if dss else ValidationContext(**kwargs)
        status = await async_validate_pdf_signature(
            embedded,
            signer_validation_context=context,
            key_usage_settings=KEY_USAGE,
        )
        results.append((embedded, status, dss is not None))
    return results


def signatures_verify(*, pdf: bytes, client: OidcClient | None) -> list[SignatureReport]:
    """One report per signature in `pdf` (none if unsigned); DocumentInvalid if it is not
    a PDF we can read."""
    reports = []
    for embedded, status, has_dss in async_to_sync(_pdf_statuses)(pdf):
        certificate = embedded.signer_cert
        issued_by_us = _issued_by_us(certificate)
        card = _card_for(certificate) if issued_by_us else None
        signed_at, timestamp_trusted = _timestamp_report(status)
        modification = status.modification_level
        modified = modification is None or modification > ModificationLevel.LTA_UPDATES
        problems = _problems(status, issued_by_us=issued_by_us, timestamped=timestamp_trusted)
        if modified:
            problems.append("modified_after_signing")
        reports.append(
            SignatureReport(
                field=embedded.field_name,
                intact=bool(status.intact and status.valid),
                trusted=status.trusted,
                level=_level(status, timestamped=timestamp_trusted, revocation_info=has_dss),
                signed_at=signed_at,
                timestamp_trusted=timestamp_trusted,
                card=_card_report(
                    certificate, card, trusted=status.trusted, revoked=status.revoked
                ),
                signer=_signer(card=card, signed=pdf, client=client),
                modified_after_signing=modified,
                coverage=status.coverage.name.lower() if status.coverage else None,
                problems=problems,
            )
        )
    return reports


def _cms_revocation_info(signed_data: asn1_cms.SignedData) -> tuple[list, list]:
    """OCSP answers and CRLs the CMS carries: Adobe's revocation-info signed attribute
    and the SignedData's own CRL set (other revocation info, OCSP)."""
    ocsps, crls = [], []
    signer_info = signed_data["signer_infos"][0]
    for attribute in signer_info["signed_attrs"] or ():
        if attribute["type"].native == "adobe_revocation_info_archival":
            info = attribute["values"][0]
            ocsps.extend(info["ocsp"] or ())
            crls.extend(info["crl"] or ())
    for choice in signed_data["crls"] or ():
        if choice.name == "crl":
            crls.append(choice.chosen)
        elif choice.name == "other":
            other = choice.chosen
            if other["other_rev_info_format"].native == "ocsp_response":
                ocsps.append(other["other_rev_info"])
    return ocsps, crls


async def _cms_status(content: asn1_cms.ContentInfo, digest: bytes, moment: Any) -> Any:
    """pyHanko's detached-CMS validation, over a digest instead of the data."""
    signed_data = content["content"]
    signer_info = signed_data["signer_infos"][0]
    if signer_info["digest_algorithm"]["algorithm"].native != "sha256":
        raise DocumentInvalid("SHA-256 signatures only")
    ocsps, crls = _cms_revocation_info(signed_data)
    context = _context(
        moment=moment,
        certs=[c.chosen for c in signed_data["certificates"] or ()],
        ocsps=ocsps,
        crls=crls,
    )
    status_kwargs = await generic_cms.collect_timing_info(
        signer_info,
        ts_validation_context=context,
        raw_digest=lambda algorithm: digest,
    )
    status_kwargs = await generic_cms.cms_basic_validation(
        signed_data,
        raw_digest=digest,
        validation_context=context,
        status_kwargs=status_kwargs,
        key_usage_settings=KEY_USAGE,
    )
    certificates = generic_cms.extract_certificate_info(signed_data)
    status_kwargs.update(
        await generic_cms.collect_signer_attr_status(
            sd_attr_certificates=certificates.attribute_certs,
            signer_cert=certificates.signer_cert,
            validation_context=None,
            sd_signed_attrs=signer_info["signed_attrs"],
        )
    )
    return StandardCMSSignatureStatus(**status_kwargs)


def cades_verify(*, cms: bytes, digest: bytes, client: OidcClient | None = None) -> SignatureReport:
    """The report on a detached CMS signature (digest mode, tender bids) over the document
    whose SHA-256 is `digest`; DocumentInvalid if it is not a CMS SignedData."""
    try:
        content = asn1_cms.ContentInfo.load(cms, strict=True)
        if content["content_type"].native != "signed_data":
            raise DocumentInvalid("not a CMS SignedData")
        signed_data = content["content"]
        signer_info = signed_data["signer_infos"][0]
        moment = _timestamp_time(signer_info)
    except UNREADABLE as exc:
        raise DocumentInvalid(f"unreadable CMS: {exc}") from exc
    try:
        status = async_to_sync(_cms_status)(content, digest, moment)
    except UNREADABLE as exc:
        raise DocumentInvalid(f"signature unreadable: {exc}") from exc
    certificate = status.signing_cert
    issued_by_us = _issued_by_us(certificate)
    card = _card_for(certificate) if issued_by_us else None
    signed_at, timestamp_trusted = _timestamp_report(status)
    problems = _problems(status, issued_by_us=issued_by_us, timestamped=timestamp_trusted)
    has_revinfo = any(_cms_revocation_info(signed_data))
    signer = None
    if card is not None and client is not None:
        signer = {"sub": subject_for(user=card.user, client=client)}
    return SignatureReport(
        field=None,
        intact=bool(status.intact and status.valid),
        trusted=status.trusted,
        level=_level(status, timestamped=timestamp_trusted, revocation_info=has_revinfo),
        signed_at=signed_at,
        timestamp_trusted=timestamp_trusted,
        card=_card_report(certificate, card, trusted=status.trusted, revoked=status.revoked),
        signer=signer,
        modified_after_signing=False,
        coverage=None,
        problems=problems,
    )
