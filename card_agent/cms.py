"""What the agent checks before the card signs a document: the CMS signed attributes.

A PAdES or CAdES signature signs not the document but its *signed attributes* (RFC 5652
section 5.4): a DER `SET OF Attribute` that holds the document's digest. The page hands the
agent those attributes and the document digest; the agent signs SHA-256 of the attributes
only if they are what a document signature holds and nothing else, so a page cannot get an
arbitrary hash signed with the card's signature key (a Web eID login digest, another
document's attributes) under the cover of a document title.

    Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF ANY }

Accepted, each at most once and with exactly one value:

- content-type (1.2.840.113549.1.9.3), required: id-data (1.2.840.113549.1.7.1);
- message-digest (1.2.840.113549.1.9.4), required: an OCTET STRING equal to the
  document digest (32 bytes, SHA-256);
- signing-certificate-v2 (1.2.840.113549.1.9.16.2.47): a SEQUENCE;
- signing-time (1.2.840.113549.1.9.5): a UTCTime or GeneralizedTime;
- Adobe's revocation-info archival (1.2.840.113583.1.1.8): a SEQUENCE.

Anything else, or any deviation from DER (a long length form where a short one fits, the
set not in DER order, bytes after the set), is refused with `BadRequest`. The reader is
small on purpose and uses only `piv`'s TLV parser: no ASN.1 library on the person's
computer.
"""

from __future__ import annotations

import hashlib

from card_agent import piv
from card_agent.agent import BadRequest

DIGEST_LENGTH = 32  # SHA-256

_TAG_SET = b"\x31"
_TAG_SEQUENCE = b"\x30"
_TAG_OID = b"\x06"
_TAG_OCTET_STRING = b"\x04"
_TAG_UTC_TIME = b"\x17"
_TAG_GENERALIZED_TIME = b"\x18"


def oid_encode(dotted: str) -> bytes:
    """The DER contents octets of an OBJECT IDENTIFIER (without tag and length)."""
    arcs = [int(arc) for arc in dotted.split(".")]
    encoded = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        encoded += bytes(reversed(chunk))
    return bytes(encoded)


OID_CONTENT_TYPE = oid_encode("1.2.840.113549.1.9.3")
OID_MESSAGE_DIGEST = oid_encode("1.2.840.113549.1.9.4")
OID_SIGNING_TIME = oid_encode("1.2.840.113549.1.9.5")
OID_SIGNING_CERTIFICATE_V2 = oid_encode("1.2.840.113549.1.9.16.2.47")
OID_ADOBE_REVOCATION_INFO = oid_encode("1.2.840.113583.1.1.8")
OID_DATA = oid_encode("1.2.840.113549.1.7.1")

# The tags an attribute's one value may have, by attribute type.
_VALUE_TAGS = {
    OID_CONTENT_TYPE: (_TAG_OID,),
    OID_MESSAGE_DIGEST: (_TAG_OCTET_STRING,),
    OID_SIGNING_TIME: (_TAG_UTC_TIME, _TAG_GENERALIZED_TIME),
    OID_SIGNING_CERTIFICATE_V2: (_TAG_SEQUENCE,),
    OID_ADOBE_REVOCATION_INFO: (_TAG_SEQUENCE,),
}


def _der_elements(data: bytes) -> list[tuple[bytes, bytes, bytes]]:
    """(tag, value, whole encoding) of each element in `data`, refusing non-DER lengths."""
    try:
        # Re-encoded with the minimal length form, as DER requires, to compare below.
        result = [(tag, value, piv.tlv(tag, value)) for tag, value in piv.tlv_parse(data)]
    except piv.TlvError as malformed:
        raise BadRequest(f"The signed attributes are not DER: {malformed}.") from None
    if b"".join(encoded for _, _, encoded in result) != data:
        raise BadRequest("The signed attributes are not DER (a length is not minimal).")
    return result


def _one(data: bytes, what: str) -> tuple[bytes, bytes]:
    elements = _der_elements(data)
    if len(elements) != 1:
        raise BadRequest(f"{what} is one DER element.")
    tag, value, _ = elements[0]
    return tag, value


def signed_attributes_digest(signed_attributes: bytes, document_digest: bytes) -> bytes:
    """SHA-256 of `signed_attributes` (the DER bytes the signature covers), once they are
    checked to be a document signature's attributes over `document_digest`."""
    if len(document_digest) != DIGEST_LENGTH:
        raise BadRequest("The document digest is 32 bytes (SHA-256).")
    tag, content = _one(signed_attributes, "The signed attributes")
    if tag != _TAG_SET:
        raise BadRequest("The signed attributes are a DER SET OF Attribute.")
    attributes = _der_elements(content)
    encodings = [encoded for _, _, encoded in attributes]
    if encodings != sorted(encodings):
        raise BadRequest("The signed attributes are not in DER order.")
    values: dict[bytes, tuple[bytes, bytes]] = {}
    for attribute_tag, attribute, _ in attributes:
        if attribute_tag != _TAG_SEQUENCE:
            raise BadRequest("An attribute is a SEQUENCE.")
        fields = _der_elements(attribute)
        if len(fields) != 2 or fields[0][0] != _TAG_OID or fields[1][0] != _TAG_SET:
            raise BadRequest("An attribute is a type and a SET of values.")
        attribute_type = fields[0][1]
        if attribute_type not in _VALUE_TAGS:
            raise BadRequest("An attribute is not one a document signature holds.")
        if attribute_type in values:
            raise BadRequest("An attribute appears twice.")
        value_tag, value = _one(fields[1][1], "An attribute's value")
        if value_tag not in _VALUE_TAGS[attribute_type]:
            raise BadRequest("An attribute's value has the wrong type.")
        values[attribute_type] = (value_tag, value)
    if values.get(OID_CONTENT_TYPE) != (_TAG_OID, OID_DATA):
        raise BadRequest("The content type must be id-data.")
    if values.get(OID_MESSAGE_DIGEST) != (_TAG_OCTET_STRING, document_digest):
        raise BadRequest("The message digest is not the document digest.")
    return hashlib.sha256(signed_attributes).digest()
