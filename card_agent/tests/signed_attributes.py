"""CMS signed attributes for the agent's tests: as pyHanko makes them for a PAdES signature,
and hand-built DER for the ones the agent must refuse. (The agent itself reads them with
its own small parser, card_agent.cms; pyHanko and asn1crypto are used by the tests only.)"""

import asyncio
import hashlib

from card_agent import cms, piv


def pades_signed_attributes(
    document_digest: bytes,
    certificate_der: bytes,
    *,
    use_pades: bool = True,
    is_pdf_sig: bool = True,
) -> bytes:
    """The signed attributes pyHanko's interrupted signing hands out: for a PAdES signature
    by default (content type, message digest, signing certificate v2); with
    `is_pdf_sig=False`, CAdES (plus the signing time); with `use_pades=False`, pyHanko's
    generic CMS attributes. DER, as the card signs them."""
    from asn1crypto import algos
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.signers.pdf_cms import ExternalSigner

    certificate = asn1_x509.Certificate.load(certificate_der)
    signer = ExternalSigner(
        certificate,
        None,
        signature_value=bytes(72),
        signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
    )
    attributes = asyncio.run(
        signer.signed_attrs(document_digest, "sha256", use_pades=use_pades, is_pdf_sig=is_pdf_sig)
    )
    return attributes.dump()


def attribute(oid: bytes, *values: bytes) -> bytes:
    """Attribute ::= SEQUENCE { OID, SET OF value }, from encoded values."""
    return piv.tlv(0x30, piv.tlv(0x06, oid) + piv.tlv(0x31, b"".join(values)))


def attribute_set(*attributes: bytes, sort: bool = True) -> bytes:
    """The DER SET OF the attributes (sorted, as DER wants, unless `sort` is False)."""
    return piv.tlv(0x31, b"".join(sorted(attributes) if sort else attributes))


def content_type(oid: bytes = cms.OID_DATA) -> bytes:
    return attribute(cms.OID_CONTENT_TYPE, piv.tlv(0x06, oid))


def message_digest(digest: bytes) -> bytes:
    return attribute(cms.OID_MESSAGE_DIGEST, piv.tlv(0x04, digest))


def signing_certificate_v2(certificate_der: bytes) -> bytes:
    """ESSCertIDv2 with the default hash (SHA-256): SEQUENCE { SEQUENCE OF SEQUENCE { hash } }."""
    cert_hash = piv.tlv(0x04, hashlib.sha256(certificate_der).digest())
    return attribute(
        cms.OID_SIGNING_CERTIFICATE_V2, piv.tlv(0x30, piv.tlv(0x30, piv.tlv(0x30, cert_hash)))
    )


def signing_time() -> bytes:
    return attribute(cms.OID_SIGNING_TIME, piv.tlv(0x17, b"261201120000Z"))


def adobe_revocation_info() -> bytes:
    return attribute(cms.OID_ADOBE_REVOCATION_INFO, piv.tlv(0x30, b""))


def minimal(document_digest: bytes) -> bytes:
    return attribute_set(content_type(), message_digest(document_digest))
