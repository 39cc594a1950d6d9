"""Slot 9C document signatures: the signed attributes the agent accepts (card_agent.cms),
`CardAgent.sign_document` over the soft card, and the bridge's /signing-certificate and
/sign-document."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from card_agent import cms, piv
from card_agent.agent import (
    BadRequest,
    CardAgent,
    NoSigningKey,
    PinRequest,
    WrongPin,
    fixed_pin,
)
from card_agent.bridge import bridge_create
from card_agent.softcard import SoftCardSource, card_personalised

from . import signed_attributes as attrs
from .conftest import ALLOWED, PIN, _serve, card_certificate, personalised_card
from .test_bridge import RecordingSource, request

DOCUMENT_DIGEST = hashlib.sha256(b"%PDF-1.7 the permit application").digest()
TITLE = "Demande de permis de rénovation"


def signing_certificate_der(card) -> bytes:
    return card_certificate(card, piv.SLOT_SIGNATURE).public_bytes(serialization.Encoding.DER)


def signed_by_9c(card, signature: bytes, signed: bytes) -> None:
    """What the server checks: ECDSA P-256 over SHA-256 of the signed attributes' DER,
    with the slot 9C certificate's key (and not the 9A key)."""
    certificate = card_certificate(card, piv.SLOT_SIGNATURE)
    certificate.public_key().verify(signature, signed, ec.ECDSA(hashes.SHA256()))


@pytest.fixture
def agent(card) -> CardAgent:
    return CardAgent(SoftCardSource(card))


# -- card_agent.cms ------------------------------------------------------------------------


def test_pyhankos_pades_attributes_are_accepted(card):
    signed = attrs.pades_signed_attributes(DOCUMENT_DIGEST, signing_certificate_der(card))
    assert cms.signed_attributes_digest(signed, DOCUMENT_DIGEST) == hashlib.sha256(signed).digest()


def test_pyhankos_cades_attributes_are_accepted(card):
    """CAdES over a digest (a tender's ciphertext): the signing time joins them."""
    signed = attrs.pades_signed_attributes(
        DOCUMENT_DIGEST, signing_certificate_der(card), is_pdf_sig=False
    )
    assert cms.OID_SIGNING_TIME in signed
    assert cms.signed_attributes_digest(signed, DOCUMENT_DIGEST) == hashlib.sha256(signed).digest()


def test_pyhankos_generic_cms_attributes_are_refused(card):
    """Without use_pades, pyHanko adds CMSAlgorithmProtection, which the agent refuses
    (docs/card-agent.md says so)."""
    signed = attrs.pades_signed_attributes(
        DOCUMENT_DIGEST, signing_certificate_der(card), use_pades=False
    )
    with pytest.raises(BadRequest):
        cms.signed_attributes_digest(signed, DOCUMENT_DIGEST)


def test_every_allowed_attribute_together_is_accepted(card):
    signed = attrs.attribute_set(
        attrs.content_type(),
        attrs.message_digest(DOCUMENT_DIGEST),
        attrs.signing_certificate_v2(signing_certificate_der(card)),
        attrs.signing_time(),
        attrs.adobe_revocation_info(),
    )
    assert cms.signed_attributes_digest(signed, DOCUMENT_DIGEST) == hashlib.sha256(signed).digest()


def test_oid_encoding_matches_der():
    assert cms.oid_encode("1.2.840.113549.1.9.4") == bytes.fromhex("2a864886f70d010904")
    assert cms.oid_encode("1.2.840.113583.1.1.8") == bytes.fromhex("2a864886f72f010108")


REFUSED = {
    "another message digest": attrs.attribute_set(
        attrs.content_type(), attrs.message_digest(b"\x00" * 32)
    ),
    "no message digest": attrs.attribute_set(attrs.content_type()),
    "no content type": attrs.attribute_set(attrs.message_digest(DOCUMENT_DIGEST)),
    "content type other than data": attrs.attribute_set(
        attrs.content_type(cms.oid_encode("1.2.840.113549.1.9.16.1.4")),
        attrs.message_digest(DOCUMENT_DIGEST),
    ),
    "an unknown attribute": attrs.attribute_set(
        attrs.content_type(),
        attrs.message_digest(DOCUMENT_DIGEST),
        attrs.attribute(cms.oid_encode("1.2.840.113549.1.9.52"), piv.tlv(0x30, b"")),
    ),
    "an attribute twice": attrs.attribute_set(
        attrs.content_type(), attrs.message_digest(DOCUMENT_DIGEST), attrs.content_type()
    ),
    "two values": attrs.attribute_set(
        attrs.content_type(),
        attrs.attribute(
            cms.OID_MESSAGE_DIGEST,
            piv.tlv(0x04, DOCUMENT_DIGEST),
            piv.tlv(0x04, b"\x00" * 32),
        ),
    ),
    "a value of the wrong type": attrs.attribute_set(
        attrs.content_type(),
        attrs.message_digest(DOCUMENT_DIGEST),
        attrs.attribute(cms.OID_SIGNING_TIME, piv.tlv(0x04, b"yesterday")),
    ),
    "not in DER order": attrs.attribute_set(
        attrs.message_digest(DOCUMENT_DIGEST), attrs.content_type(), sort=False
    ),
    "a long length where a short one fits": b"\x31\x81"
    + bytes([len(attrs.minimal(DOCUMENT_DIGEST)[2:])])
    + attrs.minimal(DOCUMENT_DIGEST)[2:],
    "bytes after the set": attrs.minimal(DOCUMENT_DIGEST) + b"\x00",
    "the [0] tag of SignerInfo instead of SET": b"\xa0" + attrs.minimal(DOCUMENT_DIGEST)[1:],
    "a bare digest": DOCUMENT_DIGEST,
    "truncated": attrs.minimal(DOCUMENT_DIGEST)[:-1],
    "empty": b"",
}


@pytest.mark.parametrize("signed", REFUSED.values(), ids=REFUSED.keys())
def test_attributes_other_than_a_document_signatures_are_refused(signed):
    with pytest.raises(BadRequest):
        cms.signed_attributes_digest(signed, DOCUMENT_DIGEST)


def test_a_document_digest_of_another_length_is_refused():
    with pytest.raises(BadRequest):
        cms.signed_attributes_digest(attrs.minimal(b"\x01" * 20), b"\x01" * 20)


# -- CardAgent.sign_document -----------------------------------------------------------------


def test_sign_document_signs_the_attributes_with_the_9c_key(agent, card):
    signed = attrs.pades_signed_attributes(DOCUMENT_DIGEST, signing_certificate_der(card))
    asked: list[PinRequest] = []

    def provider(pin_request: PinRequest) -> str:
        asked.append(pin_request)
        return PIN

    signature = agent.sign_document(
        origin=ALLOWED,
        title=TITLE,
        signed_attributes=signed,
        document_digest=DOCUMENT_DIGEST,
        pin_provider=provider,
    )
    signed_by_9c(card, signature, signed)
    assert asked == [PinRequest("sign_document", ALLOWED, 3, TITLE, DOCUMENT_DIGEST.hex()[:16])]
    assert card.pin_verified is False  # powered off after the operation


def test_signing_certificate_is_the_9c_one(agent, card):
    assert agent.signing_certificate() == signing_certificate_der(card)
    assert agent.signing_certificate() != agent.certificate()


def test_a_card_without_a_signature_key_says_so():
    agent = CardAgent(SoftCardSource(personalised_card(signing=False)))
    with pytest.raises(NoSigningKey) as missing:
        agent.signing_certificate()
    assert missing.value.code == "no_signing_key"
    with pytest.raises(NoSigningKey):
        agent.sign_document(
            origin=ALLOWED,
            title=TITLE,
            signed_attributes=attrs.minimal(DOCUMENT_DIGEST),
            document_digest=DOCUMENT_DIGEST,
            pin_provider=fixed_pin(PIN),
        )


def test_a_wrong_pin_signs_nothing(agent, card):
    with pytest.raises(WrongPin):
        agent.sign_document(
            origin=ALLOWED,
            title=TITLE,
            signed_attributes=attrs.minimal(DOCUMENT_DIGEST),
            document_digest=DOCUMENT_DIGEST,
            pin_provider=fixed_pin("000000"),
        )
    assert card.pin_tries_left == 2


@pytest.mark.parametrize(
    "title", ["", "x" * 201, "Permis\x1b[2J", "Permis\u202egpj.exe", "a\nb"], ids=repr
)
def test_a_title_that_could_mislead_the_terminal_is_refused(agent, title):
    with pytest.raises(BadRequest):
        agent.sign_document(
            origin=ALLOWED,
            title=title,
            signed_attributes=attrs.minimal(DOCUMENT_DIGEST),
            document_digest=DOCUMENT_DIGEST,
            pin_provider=fixed_pin(PIN),
        )


def test_card_personalised_makes_a_card_that_signs(card):
    keys = {slot: card.keys[slot] for slot in (piv.SLOT_AUTHENTICATION, piv.SLOT_SIGNATURE)}
    certificates = {
        slot: card_certificate(card, slot).public_bytes(serialization.Encoding.DER) for slot in keys
    }
    made = card_personalised(pin="13572468", keys=keys, certificates=certificates)
    signed = attrs.minimal(DOCUMENT_DIGEST)
    signature = CardAgent(SoftCardSource(made)).sign_document(
        origin=ALLOWED,
        title=TITLE,
        signed_attributes=signed,
        document_digest=DOCUMENT_DIGEST,
        pin_provider=fixed_pin("13572468"),
    )
    signed_by_9c(card, signature, signed)


# -- the bridge ---------------------------------------------------------------------------


@pytest.fixture
def source(card) -> RecordingSource:
    return RecordingSource(card)


@pytest.fixture
def bridge(source):
    server = bridge_create(
        CardAgent(source), port=0, allowed_origins=(ALLOWED,), pin_provider=fixed_pin(PIN)
    )
    with _serve(server) as running:
        yield running


@pytest.fixture
def page_bridge(source):
    server = bridge_create(CardAgent(source), port=0, allowed_origins=(ALLOWED,), pin_entry="page")
    with _serve(server) as running:
        yield running


def body_for(signed: bytes, digest: bytes = DOCUMENT_DIGEST, **extra) -> dict:
    return {
        "title": TITLE,
        "signedAttributes": base64.b64encode(signed).decode(),
        "documentDigest": base64.b64encode(digest).decode(),
        **extra,
    }


def test_bridge_signs_a_document(bridge, card):
    signed = attrs.pades_signed_attributes(DOCUMENT_DIGEST, signing_certificate_der(card))
    response, answer = request(
        bridge, "POST", "/sign-document", body=body_for(signed), headers={"Origin": ALLOWED}
    )
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    signed_by_9c(card, base64.b64decode(answer["signature"], validate=True), signed)


def test_page_entry_signs_a_document_with_the_pin_in_the_body(page_bridge, card):
    signed = attrs.minimal(DOCUMENT_DIGEST)
    response, answer = request(
        page_bridge,
        "POST",
        "/sign-document",
        body=body_for(signed, pin=PIN),
        headers={"Origin": ALLOWED},
    )
    assert response.status == 200
    signed_by_9c(card, base64.b64decode(answer["signature"]), signed)


def test_bridge_refuses_attributes_over_another_digest_before_the_card(bridge, source):
    other = hashlib.sha256(b"another document").digest()
    response, error = request(
        bridge,
        "POST",
        "/sign-document",
        body=body_for(attrs.minimal(other), DOCUMENT_DIGEST),
        headers={"Origin": ALLOWED},
    )
    assert response.status == 400 and error["error"] == "bad_request"
    assert source.instructions == []


def test_bridge_refuses_an_unknown_attribute_before_the_card(bridge, source):
    signed = REFUSED["an unknown attribute"]
    response, error = request(
        bridge, "POST", "/sign-document", body=body_for(signed), headers={"Origin": ALLOWED}
    )
    assert response.status == 400 and error["error"] == "bad_request"
    assert source.instructions == []


@pytest.mark.parametrize(
    "headers", [{"Origin": "https://evil.example"}, {"Origin": "null"}, {}], ids=repr
)
def test_bridge_refuses_sign_document_from_another_origin(bridge, source, headers):
    response, error = request(
        bridge,
        "POST",
        "/sign-document",
        body=body_for(attrs.minimal(DOCUMENT_DIGEST)),
        headers=headers,
    )
    assert response.status == 403 and error["error"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert source.instructions == []


def test_bridge_refuses_a_pin_from_the_page_in_agent_entry(bridge, source):
    response, error = request(
        bridge,
        "POST",
        "/sign-document",
        body=body_for(attrs.minimal(DOCUMENT_DIGEST), pin=PIN),
        headers={"Origin": ALLOWED},
    )
    assert response.status == 400 and error["error"] == "bad_request"
    assert piv.INS_VERIFY not in source.instructions


@pytest.mark.parametrize(
    "body",
    [
        {"signedAttributes": "MQA=", "documentDigest": "AA=="},
        body_for(attrs.minimal(DOCUMENT_DIGEST)) | {"signedAttributes": "not base64!"},
        body_for(attrs.minimal(DOCUMENT_DIGEST)) | {"documentDigest": 32},
        body_for(attrs.minimal(DOCUMENT_DIGEST)) | {"title": ["a"]},
    ],
)
def test_bridge_refuses_a_malformed_sign_document(bridge, source, body):
    response, error = request(
        bridge, "POST", "/sign-document", body=body, headers={"Origin": ALLOWED}
    )
    assert response.status == 400 and error["error"] == "bad_request"
    assert source.instructions == []


def test_bridge_reads_the_signing_certificate(bridge, card):
    response, answer = request(bridge, "GET", "/signing-certificate", headers={"Origin": ALLOWED})
    assert response.status == 200
    assert base64.b64decode(answer["certificate"]) == signing_certificate_der(card)


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {}], ids=repr)
def test_bridge_refuses_the_signing_certificate_to_another_origin(bridge, source, headers):
    response, error = request(bridge, "GET", "/signing-certificate", headers=headers)
    assert response.status == 403 and error["error"] == "origin_not_allowed"
    assert source.instructions == []


def test_bridge_says_when_the_card_has_no_signature_key():
    server = bridge_create(
        CardAgent(SoftCardSource(personalised_card(signing=False))),
        port=0,
        allowed_origins=(ALLOWED,),
        pin_provider=fixed_pin(PIN),
    )
    with _serve(server) as running:
        response, status = request(running, "GET", "/status", headers={"Origin": ALLOWED})
        assert status["signingKey"] is False
        response, error = request(
            running, "GET", "/signing-certificate", headers={"Origin": ALLOWED}
        )
        assert response.status == 409 and error["error"] == "no_signing_key"


def test_status_says_the_card_has_a_signature_key(bridge):
    _, status = request(bridge, "GET", "/status", headers={"Origin": ALLOWED})
    assert status["signingKey"] is True
