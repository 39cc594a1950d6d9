"""The coop's certificate authority for cards: a root and an issuing CA.

The root (P-384, 20 years) signs only the issuing CA (P-256, 10 years, path length 0),
which signs card certificates, the CRL and OCSP answers. Both private keys are stored
PEM-encrypted with CARD_CA_PASSPHRASE under CARD_CA_DIR; the issuing key is decrypted
once per process and kept in memory.
"""

import datetime
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
    CertificatePublicKeyTypes,
)
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.urls import reverse

from identity.card.errors import CaAlreadyInitialised, CaNotInitialised

ORGANIZATION = "Uniqc Coop"
ROOT_LIFETIME = datetime.timedelta(days=20 * 365 + 5)
ISSUING_LIFETIME = datetime.timedelta(days=10 * 365 + 2)
CARD_LIFETIME = datetime.timedelta(days=5 * 365 + 1)
# Clocks of card readers and servers disagree a little; certificates start a bit early.
BACKDATE = datetime.timedelta(minutes=5)

ROOT_CERT = "root-ca.pem"
ROOT_KEY = "root-ca.key.pem"
ISSUING_CERT = "issuing-ca.pem"
ISSUING_KEY = "issuing-ca.key.pem"
CA_FILES = (ROOT_CERT, ROOT_KEY, ISSUING_CERT, ISSUING_KEY)


@dataclass(frozen=True)
class IssuingCa:
    certificate: x509.Certificate
    private_key: CertificateIssuerPrivateKeyTypes


_cache: dict[tuple[str, str], Any] = {}
_cache_lock = threading.RLock()


def key_usage(**allowed: bool) -> x509.KeyUsage:
    """A KeyUsage extension allowing only the uses named (x509.KeyUsage's keywords)."""
    uses = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    return x509.KeyUsage(**{**uses, **allowed})


# A card's key signs sign-in challenges, nothing else.
CARD_KEY_USAGE = key_usage(digital_signature=True)
# Its signing key (slot 9C) signs documents: digitalSignature and nonRepudiation.
CARD_SIGNING_KEY_USAGE = key_usage(digital_signature=True, content_commitment=True)
# id-kp-documentSigning, RFC 9336.
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")


def ca_dir() -> Path:
    return Path(settings.CARD_CA_DIR)


def _passphrase() -> bytes:
    passphrase = settings.CARD_CA_PASSPHRASE
    if not passphrase:
        raise CaNotInitialised("CARD_CA_PASSPHRASE is not set.")
    return passphrase.encode()


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CA"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _now() -> datetime.datetime:
    return datetime.datetime.now(tz=datetime.UTC)


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` readable by its owner only, replacing any file there."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_passphrase()),
    )


def _ca_certificate(
    *,
    subject: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    issuer: x509.Name,
    signing_key: ec.EllipticCurvePrivateKey,
    issuer_public_key: ec.EllipticCurvePublicKey,
    lifetime: datetime.timedelta,
    path_length: int | None,
    hash_algorithm: hashes.HashAlgorithm,
) -> x509.Certificate:
    now = _now()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + lifetime)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            key_usage(key_cert_sign=True, crl_sign=True),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public_key),
            critical=False,
        )
        .sign(signing_key, hash_algorithm)
    )


def ca_exists() -> bool:
    return any((ca_dir() / name).exists() for name in CA_FILES)


def ca_init(*, force: bool = False) -> tuple[x509.Certificate, x509.Certificate]:
    """Create the root and issuing CA under CARD_CA_DIR; refuse to replace one unless forced.

    Replacing the CA invalidates every card it issued: `force` is for development only.
    """
    directory = ca_dir()
    if ca_exists() and not force:
        raise CaAlreadyInitialised(f"A card CA already exists in {directory}.")
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)

    root_key = ec.generate_private_key(ec.SECP384R1())
    root_name = _name(f"{ORGANIZATION} Root CA")
    root = _ca_certificate(
        subject=root_name,
        public_key=root_key.public_key(),
        issuer=root_name,
        signing_key=root_key,
        issuer_public_key=root_key.public_key(),
        lifetime=ROOT_LIFETIME,
        path_length=1,
        hash_algorithm=hashes.SHA384(),
    )
    issuing_key = ec.generate_private_key(ec.SECP256R1())
    issuing = _ca_certificate(
        subject=_name(f"{ORGANIZATION} Card Issuing CA"),
        public_key=issuing_key.public_key(),
        issuer=root_name,
        signing_key=root_key,
        issuer_public_key=root_key.public_key(),
        lifetime=ISSUING_LIFETIME,
        path_length=0,
        hash_algorithm=hashes.SHA384(),
    )
    _write_private(directory / ROOT_KEY, _key_pem(root_key))
    _write_private(directory / ISSUING_KEY, _key_pem(issuing_key))
    (directory / ROOT_CERT).write_bytes(root.public_bytes(serialization.Encoding.PEM))
    (directory / ISSUING_CERT).write_bytes(issuing.public_bytes(serialization.Encoding.PEM))
    ca_cache_clear()
    return root, issuing


def ca_cache_clear() -> None:
    with _cache_lock:
        _cache.clear()


def _cached(kind: str, load: Any) -> Any:
    key = (kind, str(ca_dir().resolve()))
    value = _cache.get(key)
    if value is None:
        with _cache_lock:
            value = _cache.get(key)
            if value is None:
                value = _cache[key] = load()
    return value


def _certificate_load(name: str) -> x509.Certificate:
    path = ca_dir() / name
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except FileNotFoundError as exc:
        raise CaNotInitialised(f"{path} is missing; run `manage.py card_ca init`.") from exc


def root_certificate() -> x509.Certificate:
    return _cached(ROOT_CERT, lambda: _certificate_load(ROOT_CERT))


def issuing_certificate() -> x509.Certificate:
    """The certificate every card certificate must be directly issued by."""
    return _cached(ISSUING_CERT, lambda: _certificate_load(ISSUING_CERT))


def issuing_ca() -> IssuingCa:
    """The issuing CA's certificate and decrypted key, loaded once per process."""

    def load() -> IssuingCa:
        path = ca_dir() / ISSUING_KEY
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise CaNotInitialised(f"{path} is missing; run `manage.py card_ca init`.") from exc
        key = serialization.load_pem_private_key(data, password=_passphrase())
        return IssuingCa(certificate=issuing_certificate(), private_key=key)

    return _cached(ISSUING_KEY, load)


def ca_status() -> dict[str, Any]:
    """What `card_ca status` reports: each certificate's subject, serial and validity."""
    status: dict[str, Any] = {"directory": str(ca_dir()), "initialised": ca_exists()}
    for label, name in (("root", ROOT_CERT), ("issuing", ISSUING_CERT)):
        path = ca_dir() / name
        if not path.exists():
            status[label] = None
            continue
        cert = x509.load_pem_x509_certificate(path.read_bytes())
        status[label] = {
            "subject": cert.subject.rfc4514_string(),
            "serial": format(cert.serial_number, "x"),
            "not_before": cert.not_valid_before_utc,
            "not_after": cert.not_valid_after_utc,
            "fingerprint_sha256": cert.fingerprint(hashes.SHA256()).hex(),
        }
    status["key_readable"] = False
    if status["initialised"]:
        try:
            issuing_ca()
        except (CaNotInitialised, ValueError, TypeError):
            pass
        else:
            status["key_readable"] = True
    return status


def crl_url() -> str:
    return settings.SITE_URL + reverse("card:crl")


def ocsp_url() -> str:
    return settings.SITE_URL + reverse("card:ocsp")


def _end_entity_certificate(
    *,
    public_key: CertificatePublicKeyTypes,
    subject: x509.Name,
    usage: x509.KeyUsage,
    purposes: list[x509.ObjectIdentifier],
    purposes_critical: bool,
    lifetime: datetime.timedelta,
) -> x509.Certificate:
    """An end-entity certificate from the issuing CA, with the CRL and OCSP pointers."""
    ca = issuing_ca()
    now = _now()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + lifetime)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage(purposes), critical=purposes_critical)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.certificate.public_key()),
            critical=False,
        )
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(crl_url())],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        x509.oid.AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(ocsp_url()),
                    )
                ]
            ),
            critical=False,
        )
        .sign(ca.private_key, hashes.SHA256())
    )


def card_certificate_issue(*, public_key: CertificatePublicKeyTypes, user: Any) -> x509.Certificate:
    """Sign a five-year sign-in certificate for the card key `public_key` of `user` (slot 9A).

    The subject names the person by their public id, never by name; the certificate may
    only make digital signatures for client authentication.
    """
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, str(user.public_id)),
        ]
    )
    return _end_entity_certificate(
        public_key=public_key,
        subject=subject,
        usage=CARD_KEY_USAGE,
        purposes=[ExtendedKeyUsageOID.CLIENT_AUTH],
        purposes_critical=False,
        lifetime=CARD_LIFETIME,
    )


def card_signing_certificate_issue(
    *, public_key: CertificatePublicKeyTypes, pseudonym: str
) -> x509.Certificate:
    """Sign a five-year document-signing certificate for the card key of slot 9C.

    Key usage digitalSignature and nonRepudiation (contentCommitment), EKU
    documentSigning (RFC 9336) and no clientAuth, so it never signs anyone in. The
    subject carries a random pseudonym of this certificate only, neither the person's name
    nor their public id: signed documents travel, and a stable identifier in them would
    link all of a person's documents (ADR 0011, decision 2).
    """
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.PSEUDONYM, pseudonym),
        ]
    )
    return _end_entity_certificate(
        public_key=public_key,
        subject=subject,
        usage=CARD_SIGNING_KEY_USAGE,
        purposes=[DOCUMENT_SIGNING],
        purposes_critical=False,
        lifetime=CARD_LIFETIME,
    )


def service_certificate_issue(
    *,
    public_key: CertificatePublicKeyTypes,
    common_name: str,
    purpose: x509.ObjectIdentifier,
    lifetime: datetime.timedelta,
) -> x509.Certificate:
    """Sign a certificate for one of the coop's own services (the timestamp authority).

    RFC 3161 asks for the timeStamping purpose alone and critical; the caller records the
    certificate as a ServiceCertificate so that OCSP and the CRL answer for it.
    """
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    return _end_entity_certificate(
        public_key=public_key,
        subject=subject,
        usage=key_usage(digital_signature=True, content_commitment=True),
        purposes=[purpose],
        purposes_critical=True,
        lifetime=lifetime,
    )
