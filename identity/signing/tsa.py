"""The coop's RFC 3161 timestamp authority (ADR 0011, decision 3).

Its key (P-256) is kept like the CA's keys: PEM encrypted with CARD_CA_PASSPHRASE under
CARD_CA_DIR, one file per certificate. Its certificate, from the issuing CA (timeStamping,
one year), is a ServiceCertificate row so that OCSP and the CRL answer for it. The first
timestamp creates both; `manage.py card_ca tsa-renew` replaces them, and the old
certificate is retired (still `good`: the timestamps it signed stay valid).

Time is the host's (NTP); accuracy one second; no "qualified" claim.
"""

import datetime
import hashlib
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from asgiref.sync import sync_to_async
from asn1crypto import cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.conf import settings
from django.db import IntegrityError, transaction
from pyhanko.sign.timestamps import TimeStamper

from identity.card import ca
from identity.card.errors import CaNotInitialised
from identity.models import ServiceCertificate, ServiceCertificateKind, ServiceCertificateStatus

logger = logging.getLogger(__name__)

# The TSA's policy: 2.25.<a UUID as an integer> (RFC 4122 / X.667), until the coop has an
# IANA enterprise number (ADR 0011, open question 7).
POLICY_OID = "2.25.139853011669753348029965624712019029755"
TSA_COMMON_NAME = "Uniqc Coop Time Stamping Authority"
TSA_LIFETIME = datetime.timedelta(days=365)
# An active certificate this close to its end is replaced at the next timestamp.
TSA_RENEW_BEFORE = datetime.timedelta(days=7)
# Message imprints we accept, with their digest size.
IMPRINT_ALGORITHMS = {"sha256": 32, "sha384": 48}
REQUEST_MAX_BYTES = 10_000


class TsaRequestInvalid(ValueError):
    """The request is not a well-formed RFC 3161 TimeStampReq."""


class TimeStampResponse(core.Sequence):
    """RFC 3161's TimeStampResp, whose token is OPTIONAL (absent in a rejection);
    asn1crypto's own tsp.TimeStampResp makes it mandatory."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


@dataclass(frozen=True)
class TsaAnswer:
    """A DER TimeStampResp and whether the request was unreadable (the endpoint's 400)."""

    der: bytes
    malformed: bool


@dataclass(frozen=True)
class _Signer:
    serial_number: str
    certificate: x509.Certificate
    certificate_asn1: asn1_x509.Certificate
    private_key: ec.EllipticCurvePrivateKey
    # Encoded once: asn1crypto re-encodes parsed structures put in a new one, which
    # would cost most of a response.
    certificates_der: bytes
    signing_certificate_der: bytes
    tsa_name_der: bytes


_signers: dict[tuple[str, str], _Signer] = {}
_signers_lock = threading.Lock()


def _now() -> datetime.datetime:
    return datetime.datetime.now(tz=datetime.UTC)


def _key_path(serial_number: str) -> Path:
    return ca.ca_dir() / f"tsa-{serial_number}.key.pem"


def _passphrase() -> bytes:
    if not settings.CARD_CA_PASSPHRASE:
        raise CaNotInitialised("CARD_CA_PASSPHRASE is not set.")
    return settings.CARD_CA_PASSPHRASE.encode()


def _key_write(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    """Write the key PEM-encrypted, readable by its owner only."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_passphrase()),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def tsa_certificate_renew() -> ServiceCertificate:
    """Make a new TSA key and certificate and make it the active one; the previous active
    certificate is retired (timestamps it signed stay valid). Two renewals at once: the
    one-active-per-kind constraint lets one win; the loser's key file is removed."""
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = ca.service_certificate_issue(
        public_key=key.public_key(),
        common_name=TSA_COMMON_NAME,
        purpose=ExtendedKeyUsageOID.TIME_STAMPING,
        lifetime=TSA_LIFETIME,
    )
    serial_number = format(certificate.serial_number, "x")
    path = _key_path(serial_number)
    _key_write(path, key)
    try:
        with transaction.atomic():
            ServiceCertificate.objects.filter(
                kind=ServiceCertificateKind.TSA, status=ServiceCertificateStatus.ACTIVE
            ).update(status=ServiceCertificateStatus.RETIRED)
            row = ServiceCertificate.objects.create(
                kind=ServiceCertificateKind.TSA,
                serial_number=serial_number,
                certificate_der=certificate.public_bytes(serialization.Encoding.DER),
                fingerprint_sha256=certificate.fingerprint(hashes.SHA256()).hex(),
                not_after=certificate.not_valid_after_utc,
            )
    except IntegrityError:
        path.unlink(missing_ok=True)
        raise
    logger.info("TSA certificate %s issued, valid until %s", serial_number, row.not_after)
    return row


def _active_row() -> ServiceCertificate:
    """The active TSA certificate, made on first use or when it is about to expire."""
    row = ServiceCertificate.objects.filter(
        kind=ServiceCertificateKind.TSA, status=ServiceCertificateStatus.ACTIVE
    ).first()
    if row is not None and row.not_after - TSA_RENEW_BEFORE > _now():
        return row
    try:
        return tsa_certificate_renew()
    except IntegrityError:
        # Another process renewed it first.
        return ServiceCertificate.objects.get(
            kind=ServiceCertificateKind.TSA, status=ServiceCertificateStatus.ACTIVE
        )


def _signer() -> _Signer:
    row = _active_row()
    cache_key = (str(ca.ca_dir().resolve()), row.serial_number)
    signer = _signers.get(cache_key)
    if signer is not None:
        return signer
    with _signers_lock:
        path = _key_path(row.serial_number)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise CaNotInitialised(
                f"{path} is missing; run `manage.py card_ca tsa-renew`."
            ) from exc
        key = serialization.load_pem_private_key(data, password=_passphrase())
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise CaNotInitialised(f"{path} is not an EC key.")
        der = bytes(row.certificate_der)
        certificate_asn1 = asn1_x509.Certificate.load(der)
        issuing_der = ca.issuing_certificate().public_bytes(serialization.Encoding.DER)
        signer = _Signer(
            serial_number=row.serial_number,
            certificate=x509.load_der_x509_certificate(der),
            certificate_asn1=certificate_asn1,
            private_key=key,
            certificates_der=cms.CertificateSet(
                [asn1_x509.Certificate.load(der), asn1_x509.Certificate.load(issuing_der)]
            ).dump(),
            signing_certificate_der=ess_signing_certificate_v2(certificate_asn1).dump(),
            tsa_name_der=asn1_x509.GeneralName(
                name="directory_name", value=certificate_asn1.subject
            ).dump(),
        )
        _signers[cache_key] = signer
    return signer


def tsa_certificate() -> x509.Certificate:
    """The certificate the TSA signs with now."""
    return _signer().certificate


def _rejection(fail_info: str, text: str) -> TimeStampResponse:
    return TimeStampResponse(
        {
            "status": {
                "status": "rejection",
                "status_string": [text],
                "fail_info": tsp.PKIFailureInfo({fail_info}),
            }
        }
    )


def _request_parse(request_der: bytes) -> tsp.TimeStampReq:
    """The request, fully decoded; TsaRequestInvalid for anything that is not one."""
    if len(request_der) > REQUEST_MAX_BYTES:
        raise TsaRequestInvalid("request too large")
    try:
        request = tsp.TimeStampReq.load(request_der, strict=True)
        request.native  # noqa: B018 - decodes every field now, so errors surface here
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise TsaRequestInvalid(str(exc)) from exc
    if request["version"].native != "v1":
        raise TsaRequestInvalid("version must be 1")
    return request


def ess_signing_certificate_v2(certificate: asn1_x509.Certificate) -> tsp.SigningCertificateV2:
    """The ESS signingCertificateV2 attribute value naming the TSA's certificate (RFC 5816)."""
    return tsp.SigningCertificateV2(
        {
            "certs": [
                {
                    "hash_algorithm": {"algorithm": "sha256"},
                    "cert_hash": hashlib.sha256(certificate.dump()).digest(),
                    "issuer_serial": {
                        "issuer": [
                            asn1_x509.GeneralName(name="directory_name", value=certificate.issuer)
                        ],
                        "serial_number": certificate.serial_number,
                    },
                }
            ]
        }
    )


def _token_build(request: tsp.TimeStampReq, signer: _Signer) -> cms.ContentInfo:
    """The TimeStampToken (CMS SignedData over a TSTInfo) answering `request`."""
    now = _now().replace(microsecond=0)
    tst_info = {
        "version": "v1",
        "policy": POLICY_OID,
        "message_imprint": request["message_imprint"],
        # 128 random bits; the top bit set keeps the size fixed, never zero.
        "serial_number": secrets.randbits(127) | (1 << 127),
        "gen_time": now,
        "accuracy": {"seconds": 1},
        "tsa": asn1_x509.GeneralName(name="directory_name", value=signer.certificate_asn1.subject),
    }
    if request["nonce"].native is not None:
        tst_info["nonce"] = request["nonce"].native
    content = tsp.TSTInfo(tst_info).dump()
    signed_attributes = cms.CMSAttributes(
        [
            {"type": "content_type", "values": ["tst_info"]},
            {"type": "message_digest", "values": [hashlib.sha256(content).digest()]},
            {
                "type": "signing_certificate_v2",
                "values": [tsp.SigningCertificateV2.load(signer.signing_certificate_der)],
            },
        ]
    )
    signature = signer.private_key.sign(signed_attributes.dump(), ec.ECDSA(hashes.SHA256()))
    signed_data = {
        "version": "v3",
        "digest_algorithms": [{"algorithm": "sha256"}],
        "encap_content_info": {
            "content_type": "tst_info",
            "content": cms.ParsableOctetString(content),
        },
        "signer_infos": [
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    name="issuer_and_serial_number",
                    value={
                        "issuer": signer.certificate_asn1.issuer,
                        "serial_number": signer.certificate_asn1.serial_number,
                    },
                ),
                "digest_algorithm": {"algorithm": "sha256"},
                "signed_attrs": signed_attributes,
                "signature_algorithm": {"algorithm": "sha256_ecdsa"},
                "signature": signature,
            }
        ],
    }
    if request["cert_req"].native:
        signed_data["certificates"] = cms.CertificateSet.load(signer.certificates_der)
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})


def tsa_answer(request_der: bytes) -> TsaAnswer:
    """Answer an RFC 3161 request: a token for a SHA-256 or SHA-384 imprint of the right
    size under our policy (or none asked), a rejection otherwise (badAlg, badDataFormat,
    unacceptedPolicy, unacceptedExtension)."""
    try:
        request = _request_parse(request_der)
    except TsaRequestInvalid:
        return TsaAnswer(_rejection("bad_data_format", "malformed request").dump(), True)
    imprint = request["message_imprint"]
    algorithm = imprint["hash_algorithm"]["algorithm"].native
    if algorithm not in IMPRINT_ALGORITHMS:
        return TsaAnswer(_rejection("bad_alg", "SHA-256 or SHA-384 only").dump(), False)
    if len(imprint["hashed_message"].native) != IMPRINT_ALGORITHMS[algorithm]:
        return TsaAnswer(_rejection("bad_data_format", "imprint size").dump(), False)
    policy = request["req_policy"].native
    if policy is not None and policy != POLICY_OID:
        return TsaAnswer(_rejection("unaccepted_policy", "unknown policy").dump(), False)
    if request["extensions"].native:
        return TsaAnswer(_rejection("unaccepted_extensions", "no extensions").dump(), False)
    token = _token_build(request, _signer())
    response = TimeStampResponse({"status": {"status": "granted"}, "time_stamp_token": token})
    return TsaAnswer(response.dump(), False)


def tsa_respond(request_der: bytes) -> bytes:
    """The DER TimeStampResp to a DER TimeStampReq (see tsa_answer)."""
    return tsa_answer(request_der).der


def timestamp_token(*, digest: bytes, algorithm: str = "sha256") -> bytes:
    """A DER TimeStampToken over `digest`, made in-process (no HTTP), certificates included."""
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": algorithm},
                "hashed_message": digest,
            },
            "nonce": secrets.randbits(63),
            "cert_req": True,
        }
    )
    response = TimeStampResponse.load(tsa_respond(request.dump()))
    if response["status"]["status"].native != "granted":
        raise TsaRequestInvalid(response["status"]["status_string"].native)
    return response["time_stamp_token"].dump()


def token_time(token_der: bytes) -> datetime.datetime:
    """The genTime of a DER TimeStampToken (no signature check)."""
    token = cms.ContentInfo.load(token_der)
    content = token["content"]["encap_content_info"]["content"].parsed
    return content["gen_time"].native


class CoopTimeStamper(TimeStamper):
    """pyHanko's TimeStamper answered by our TSA in this process, with no HTTP request."""

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        # The TSA reads its certificate from the database: not from the event loop.
        der = await sync_to_async(tsa_respond)(req.dump())
        return tsp.TimeStampResp.load(der)
