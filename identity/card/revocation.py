"""Revocation published for relying parties: a CRL and OCSP answers, both signed by the
issuing CA, both built from the card records, so a revocation shows at once.

A card has up to two certificates, sign-in (9A) and signing (9C), with one status: both
serials are answered alike. The coop's service certificates (the timestamp authority's,
ServiceCertificate rows) are answered too: `good` while active or retired (what they
signed stays valid), `revoked` once revoked.

The CRL's DER is cached for ten seconds; revoking a card clears the cache at once.

Every certificate the CA signs has a card row from the moment it is signed, so OCSP never
answers `unknown` for one of ours (only for a serial the CA never signed). A certificate
signed but not confirmed yet (`pending`) is on hold: on the CRL and `revoked` over OCSP,
both with reason certificateHold, until the registrar confirms it (then it leaves the CRL
and is `good`) or the issuance is abandoned (then it is revoked for good:
cessationOfOperation when never confirmed, superseded when a newer certificate replaced it).
"""

import datetime
import time

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from django.core.cache import cache

from identity.card.ca import issuing_ca
from identity.card.selectors import (
    card_by_any_serial,
    cards_revoked_for_crl,
    service_certificate_by_serial,
    service_certificates_revoked_for_crl,
)
from identity.models import Card, CardRevocationReason, CardStatus, ServiceCertificateStatus

CRL_CACHE_KEY = "card:crl:der"
CRL_CACHE_SECONDS = 10
CRL_LIFETIME = datetime.timedelta(hours=1)
OCSP_LIFETIME = datetime.timedelta(hours=1)

REASON_FLAGS = {
    # A card out of its holder's hands may be used by someone else: its key is compromised.
    CardRevocationReason.LOST: x509.ReasonFlags.key_compromise,
    CardRevocationReason.STOLEN: x509.ReasonFlags.key_compromise,
    CardRevocationReason.REPLACED: x509.ReasonFlags.superseded,
    # Signed, never confirmed: the card was never put to use.
    CardRevocationReason.ABANDONED: x509.ReasonFlags.cessation_of_operation,
    CardRevocationReason.OTHER: x509.ReasonFlags.unspecified,
}


def _now() -> datetime.datetime:
    return datetime.datetime.now(tz=datetime.UTC)


def _reason(card: Card) -> x509.ReasonFlags:
    if card.status in (CardStatus.SUSPENDED, CardStatus.PENDING):
        return x509.ReasonFlags.certificate_hold
    return REASON_FLAGS.get(card.revocation_reason, x509.ReasonFlags.unspecified)


def _revocation_time(card: Card) -> datetime.datetime:
    return card.revoked_at or card.issued_at


def _crl_entry(
    serial_hex: str, revoked_at: datetime.datetime, reason: x509.ReasonFlags
) -> x509.RevokedCertificate:
    entry = (
        x509.RevokedCertificateBuilder()
        .serial_number(int(serial_hex, 16))
        .revocation_date(revoked_at)
    )
    if reason != x509.ReasonFlags.unspecified:
        entry = entry.add_extension(x509.CRLReason(reason), critical=False)
    return entry.build()


def crl_build() -> x509.CertificateRevocationList:
    """A CRL of every certificate whose card is not active (pending, suspended, revoked),
    both of its keys, and of every revoked service certificate; valid for an hour."""
    ca = issuing_ca()
    now = _now()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(now)
        .next_update(now + CRL_LIFETIME)
        .add_extension(x509.CRLNumber(time.time_ns() // 1_000_000), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.certificate.public_key()),
            critical=False,
        )
    )
    for card in cards_revoked_for_crl():
        for serial in (card.serial_number, card.signing_serial_number):
            if serial:
                builder = builder.add_revoked_certificate(
                    _crl_entry(serial, _revocation_time(card), _reason(card))
                )
    for service in service_certificates_revoked_for_crl():
        builder = builder.add_revoked_certificate(
            _crl_entry(service.serial_number, service.revoked_at, x509.ReasonFlags.unspecified)
        )
    return builder.sign(ca.private_key, hashes.SHA256())


def crl_der() -> bytes:
    """The current CRL in DER, built at most every ten seconds, and afresh after a revocation."""
    der = cache.get(CRL_CACHE_KEY)
    if der is None:
        der = crl_build().public_bytes(serialization.Encoding.DER)
        cache.set(CRL_CACHE_KEY, der, CRL_CACHE_SECONDS)
    return der


def crl_cache_clear() -> None:
    cache.delete(CRL_CACHE_KEY)


def _public_key_bits(key: object) -> bytes:
    """The subjectPublicKey BIT STRING contents, which OCSP's issuerKeyHash hashes."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    if isinstance(key, rsa.RSAPublicKey):
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    raise TypeError("unsupported issuer key type")


def _digest(algorithm: hashes.HashAlgorithm, data: bytes) -> bytes:
    h = hashes.Hash(algorithm)
    h.update(data)
    return h.finalize()


def ocsp_malformed() -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(
        ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    ).public_bytes(serialization.Encoding.DER)


def ocsp_respond(request_der: bytes) -> bytes:
    """The DER OCSP response to a DER OCSP request: for a serial of our issuing CA, good
    (active card; active or retired service certificate) or revoked (pending: on hold;
    suspended; revoked), unknown only for a serial it never signed; `unauthorized` for
    another CA; `malformedRequest` for garbage."""
    try:
        request = ocsp.load_der_ocsp_request(request_der)
        serial = request.serial_number
        algorithm = request.hash_algorithm
        name_hash = request.issuer_name_hash
        key_hash = request.issuer_key_hash
        nonce = None
        for extension in request.extensions:
            if isinstance(extension.value, x509.OCSPNonce):
                nonce = extension.value
    except (ValueError, NotImplementedError, UnsupportedAlgorithm, TypeError):
        return ocsp_malformed()
    ca = issuing_ca()
    expected_name = _digest(algorithm, ca.certificate.subject.public_bytes())
    expected_key = _digest(algorithm, _public_key_bits(ca.certificate.public_key()))
    if name_hash != expected_name or key_hash != expected_key:
        return ocsp.OCSPResponseBuilder.build_unsuccessful(
            ocsp.OCSPResponseStatus.UNAUTHORIZED
        ).public_bytes(serialization.Encoding.DER)
    card = card_by_any_serial(serial)
    service = service_certificate_by_serial(serial) if card is None else None
    revocation_time = revocation_reason = None
    if service is not None:
        if service.status == ServiceCertificateStatus.REVOKED:
            status = ocsp.OCSPCertStatus.REVOKED
            revocation_time = service.revoked_at
            revocation_reason = x509.ReasonFlags.unspecified
        else:
            status = ocsp.OCSPCertStatus.GOOD
    elif card is None:
        status = ocsp.OCSPCertStatus.UNKNOWN
    elif card.status == CardStatus.ACTIVE:
        status = ocsp.OCSPCertStatus.GOOD
    else:
        status = ocsp.OCSPCertStatus.REVOKED
        revocation_time = _revocation_time(card)
        revocation_reason = _reason(card)
    now = _now()
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            issuer_name_hash=name_hash,
            issuer_key_hash=key_hash,
            serial_number=serial,
            algorithm=algorithm,
            cert_status=status,
            this_update=now,
            next_update=now + OCSP_LIFETIME,
            revocation_time=revocation_time,
            revocation_reason=revocation_reason,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, ca.certificate)
    )
    if nonce is not None:
        builder = builder.add_extension(nonce, critical=False)
    return builder.sign(ca.private_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def ocsp_answer_for(certificate: x509.Certificate) -> bytes:
    """Our responder's DER answer about `certificate` (issued by our issuing CA), made in
    this process: what a signed PDF's DSS embeds."""
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(certificate, issuing_ca().certificate, hashes.SHA256())
        .build()
    )
    return ocsp_respond(request.public_bytes(serialization.Encoding.DER))
