"""Validation of a Web eID 1.0 authentication token made by a Uniqc card.

The checks run in the order FACTS.md gives: token shape and format version, certificate
validity period, key usage and extended key usage, chain to the issuing CA, revocation
(a certificate with no card record counts as revoked), and last the signature over
`H(origin) || H(nonce)`. Each refusal raises a typed error with a stable code.
"""

import base64
import binascii
import datetime
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID

from core.jsonin import JsonInputError, json_parse
from identity.card import errors
from identity.card.ca import DOCUMENT_SIGNING, issuing_certificate
from identity.card.selectors import card_by_fingerprint
from identity.models import Card, CardStatus

TOKEN_MIN_LENGTH = 100
TOKEN_MAX_LENGTH = 10_000
FORMAT_PATTERN = re.compile(r"^web-eid:1(\.\d+)?$")
TOKEN_FIELDS = ("unverifiedCertificate", "algorithm", "signature", "format", "appVersion")


@dataclass(frozen=True)
class Algorithm:
    hash: type[hashes.HashAlgorithm]
    family: str  # "ec", "pss" or "pkcs1"


ALGORITHMS = {
    "ES256": Algorithm(hashes.SHA256, "ec"),
    "ES384": Algorithm(hashes.SHA384, "ec"),
    "ES512": Algorithm(hashes.SHA512, "ec"),
    "PS256": Algorithm(hashes.SHA256, "pss"),
    "PS384": Algorithm(hashes.SHA384, "pss"),
    "PS512": Algorithm(hashes.SHA512, "pss"),
    "RS256": Algorithm(hashes.SHA256, "pkcs1"),
    "RS384": Algorithm(hashes.SHA384, "pkcs1"),
    "RS512": Algorithm(hashes.SHA512, "pkcs1"),
}


@dataclass(frozen=True)
class ParsedToken:
    certificate: x509.Certificate
    certificate_der: bytes
    algorithm: str
    signature: bytes
    format: str
    app_version: str

    @property
    def fingerprint_sha256(self) -> str:
        return certificate_fingerprint(self.certificate)


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def _digest(algorithm: type[hashes.HashAlgorithm], data: bytes) -> bytes:
    h = hashes.Hash(algorithm())
    h.update(data)
    return h.finalize()


def signed_data(*, origin: str, nonce: str, algorithm: str = "ES256") -> bytes:
    """What the card signs: H(origin) || H(nonce), each as UTF-8 text."""
    hash_type = ALGORITHMS[algorithm].hash
    return _digest(hash_type, origin.encode()) + _digest(hash_type, nonce.encode())


def _b64decode(value: Any, field: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise errors.TokenInvalid(f"{field} is not a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise errors.TokenInvalid(f"{field} is not valid base64") from exc


def token_parse(token: str) -> ParsedToken:
    """Check the token's length, JSON shape, fields and format version; parse its
    certificate. Nothing here is trusted yet."""
    if not isinstance(token, str):
        raise errors.TokenInvalid("token is not text")
    if not TOKEN_MIN_LENGTH <= len(token) <= TOKEN_MAX_LENGTH:
        raise errors.TokenInvalid(f"token length {len(token)} outside 100..10000")
    try:
        data = json_parse(token, max_bytes=TOKEN_MAX_LENGTH)
    except JsonInputError as exc:
        raise errors.TokenInvalid(f"token refused: {exc.code}") from exc
    missing = [field for field in TOKEN_FIELDS if field not in data]
    if missing:
        raise errors.TokenInvalid(f"token lacks {', '.join(missing)}")
    token_format = data["format"]
    if not isinstance(token_format, str) or not FORMAT_PATTERN.match(token_format):
        raise errors.TokenFormatUnsupported(f"format {token_format!r}")
    app_version = data["appVersion"]
    if not isinstance(app_version, str) or urlsplit(app_version).scheme not in ("https", "http"):
        raise errors.TokenInvalid("appVersion is not a URL")
    algorithm = data["algorithm"]
    if not isinstance(algorithm, str) or algorithm not in ALGORITHMS:
        raise errors.AlgorithmUnsupported(f"algorithm {algorithm!r}")
    signature = _b64decode(data["signature"], "signature")
    certificate_der = _b64decode(data["unverifiedCertificate"], "unverifiedCertificate")
    try:
        certificate = x509.load_der_x509_certificate(certificate_der)
        # cryptography parses these when first read: parse them now, so that a malformed
        # one is refused here rather than surfacing as a crash in a later check.
        certificate.issuer  # noqa: B018
        certificate.subject  # noqa: B018
        certificate.extensions  # noqa: B018
        certificate.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise errors.CertificateInvalid("certificate does not parse") from exc
    return ParsedToken(
        certificate=certificate,
        certificate_der=certificate_der,
        algorithm=algorithm,
        signature=signature,
        format=token_format,
        app_version=app_version,
    )


def certificate_validity_check(certificate: x509.Certificate, *, now: datetime.datetime) -> None:
    if now < certificate.not_valid_before_utc:
        raise errors.CardExpired("certificate not valid yet")
    if now > certificate.not_valid_after_utc:
        raise errors.CardExpired("certificate expired")


def certificate_purpose_check(certificate: x509.Certificate) -> None:
    """The key may make digital signatures, for client authentication, and is not a
    document-signing key: the card's slot 9C certificate never signs anyone in."""
    try:
        key_usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound as exc:
        raise errors.CertificatePurposeInvalid("no key usage") from exc
    if not key_usage.digital_signature:
        raise errors.CertificatePurposeInvalid("key usage lacks digitalSignature")
    if key_usage.content_commitment:
        raise errors.CertificatePurposeInvalid("key usage has nonRepudiation: a signing key")
    try:
        extended = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound as exc:
        raise errors.CertificatePurposeInvalid("no extended key usage") from exc
    if ExtendedKeyUsageOID.CLIENT_AUTH not in extended:
        raise errors.CertificatePurposeInvalid("extended key usage lacks clientAuth")
    if DOCUMENT_SIGNING in extended:
        raise errors.CertificatePurposeInvalid("extended key usage has documentSigning")


def certificate_chain_check(certificate: x509.Certificate) -> None:
    """The certificate was signed by the coop's issuing CA (name and signature)."""
    issuer = issuing_certificate()
    if certificate.issuer != issuer.subject:
        raise errors.CertificateUntrusted("issuer name is not the issuing CA")
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise errors.CertificateUntrusted("signature is not the issuing CA's") from exc


def card_revocation_check(parsed: ParsedToken) -> Card:
    """The card record for this certificate, if active; unknown counts as revoked."""
    card = card_by_fingerprint(parsed.fingerprint_sha256)
    if card is None:
        raise errors.CardUnknown("no card has this certificate")
    if card.status != CardStatus.ACTIVE:
        raise errors.CardRevoked(f"card status {card.status} {card.revocation_reason}".strip())
    if not card.user.is_active:
        raise errors.CardRevoked("holder's account is inactive")
    return card


def _raw_ecdsa_to_der(signature: bytes, key: ec.EllipticCurvePublicKey) -> bytes:
    size = (key.curve.key_size + 7) // 8
    if len(signature) != 2 * size:
        raise errors.SignatureInvalid(f"ECDSA signature of {len(signature)} bytes")
    r = int.from_bytes(signature[:size], "big")
    s = int.from_bytes(signature[size:], "big")
    return encode_dss_signature(r, s)


def signature_check(parsed: ParsedToken, *, origin: str, nonce: str) -> None:
    """The card's key signed H(origin) || H(nonce) with the token's algorithm."""
    algorithm = ALGORITHMS[parsed.algorithm]
    data = signed_data(origin=origin, nonce=nonce, algorithm=parsed.algorithm)
    key = parsed.certificate.public_key()
    try:
        if algorithm.family == "ec":
            if not isinstance(key, ec.EllipticCurvePublicKey):
                raise errors.AlgorithmUnsupported("EC algorithm with a non-EC key")
            der = _raw_ecdsa_to_der(parsed.signature, key)
            key.verify(der, data, ec.ECDSA(algorithm.hash()))
        else:
            if not isinstance(key, rsa.RSAPublicKey):
                raise errors.AlgorithmUnsupported("RSA algorithm with a non-RSA key")
            pad = (
                padding.PSS(
                    mgf=padding.MGF1(algorithm.hash()), salt_length=padding.PSS.DIGEST_LENGTH
                )
                if algorithm.family == "pss"
                else padding.PKCS1v15()
            )
            key.verify(parsed.signature, data, pad, algorithm.hash())
    except InvalidSignature as exc:
        raise errors.SignatureInvalid("signature does not verify") from exc


def token_validate(
    token: str, *, nonce: str, origin: str, now: datetime.datetime | None = None
) -> Card:
    """The active card that signed this nonce for this origin, or a CardSignInError."""
    now = now or datetime.datetime.now(tz=datetime.UTC)
    parsed = token_parse(token)
    certificate_validity_check(parsed.certificate, now=now)
    certificate_purpose_check(parsed.certificate)
    certificate_chain_check(parsed.certificate)
    card = card_revocation_check(parsed)
    signature_check(parsed, origin=origin, nonce=nonce)
    return card
