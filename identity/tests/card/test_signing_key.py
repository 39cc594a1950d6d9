"""The card's slot 9C key at the registrar's counter: both certificates of a new card in
one transaction (or neither), what the 9C certificate says, adding a 9C key to a card
issued before slot 9C (`card_signing_key_add`), and a 9C certificate never signing in."""

import base64

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from card_agent.piv import SLOT_SIGNATURE
from core.tests.strategies import FUZZ, json_values
from identity.audit import audit_events_for
from identity.card import errors, issuance
from identity.card.ca import DOCUMENT_SIGNING, issuing_ca
from identity.card.validation import certificate_purpose_check
from identity.models import Card, CardStatus
from identity.tests.card.conftest import ORIGIN, token_make
from identity.tests.card.test_issuance import (
    _body,
    _certificate_post,
    _challenge,
    _check_record,
    _confirm,
    _proof,
    _spki_b64,
)

ADD_URL = "card:registrar_signing_key"


@pytest.fixture
def registrar_client(client, registrar, sign_in_at) -> Client:
    sign_in_at(client, registrar, "high")
    return client


def _signing_certificate(answer: dict, field: str = "signingCertificate") -> x509.Certificate:
    return x509.load_der_x509_certificate(base64.b64decode(answer[field]))


# -- a new card: both keys, both certificates ---------------------------------------------


def test_a_new_card_gets_both_certificates_on_one_pending_card(registrar_client, alice, card_key):
    signing_key = ec.generate_private_key(ec.SECP256R1())
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    response = _certificate_post(registrar_client, check, _body(card_key, signing_key, challenge))
    assert response.status_code == 200, response.content
    answer = response.json()
    signing_certificate = _signing_certificate(answer)
    card = Card.objects.get()
    assert card.status == CardStatus.PENDING
    assert card.fingerprint_sha256 == answer["fingerprint"]
    assert bytes(card.signing_certificate_der) == signing_certificate.public_bytes(
        serialization.Encoding.DER
    )
    assert card.signing_serial_number == f"{signing_certificate.serial_number:x}"
    assert card.signing_serial_number != card.serial_number
    assert signing_certificate.public_key() == signing_key.public_key()
    # A pseudonym, never the person's public id; 16 random bytes in hex.
    subject = signing_certificate.subject
    assert subject.get_attributes_for_oid(NameOID.PSEUDONYM)[0].value == card.signing_pseudonym
    assert len(card.signing_pseudonym) == 32 and int(card.signing_pseudonym, 16) >= 0
    assert str(alice.public_id) not in subject.rfc4514_string()
    usage = signing_certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [DOCUMENT_SIGNING]
    # Confirmation is unchanged: by the 9A fingerprint.
    assert _confirm(registrar_client, check, answer["fingerprint"]).status_code == 200
    card.refresh_from_db()
    assert card.status == CardStatus.ACTIVE and card.has_signing_key


def test_two_cards_get_different_pseudonyms(registrar_client, alice, make_user):
    bob = make_user("bob@example.com")
    for person in (alice, bob):
        check = _check_record(registrar_client, person)
        key = ec.generate_private_key(ec.SECP256R1())
        challenge = _challenge(registrar_client, check)
        signing = ec.generate_private_key(ec.SECP256R1())
        assert (
            _certificate_post(registrar_client, check, _body(key, signing, challenge)).status_code
            == 200
        )
    assert len({card.signing_pseudonym for card in Card.objects.all()}) == 2


def test_no_certificate_is_kept_when_the_second_cannot_be_signed(
    registrar, alice, card_key, monkeypatch
):
    """Both or neither: the 9C certificate failing rolls back the 9A one."""
    session = SessionStore()
    check = issuance.issuance_check_record(
        session=session,
        person=alice,
        document_type="passport",
        document_last4="AB12",
        branch="Caisse",
        registrar=registrar,
    )
    challenge = base64.b64decode(
        issuance.issuance_challenge(session=session, check_id=check.pk, registrar=registrar)
    )
    signing_key = ec.generate_private_key(ec.SECP256R1())

    def fail(**kwargs):
        raise errors.CaNotInitialised("the CA went away")

    monkeypatch.setattr(issuance, "card_signing_certificate_issue", fail)
    body = _body(card_key, signing_key, challenge)
    with pytest.raises(errors.CaNotInitialised):
        issuance.issuance_certificates_sign(
            session=session,
            check_id=check.pk,
            public_key=body["publicKey"],
            proof=body["proof"],
            signing_public_key=body["signingPublicKey"],
            signing_proof=body["signingProof"],
            registrar=registrar,
        )
    assert not Card.objects.exists()


# -- a 9C certificate never signs in --------------------------------------------------------


def test_a_9c_certificate_cannot_sign_in(client, card, card_signing_key):
    """The card's own 9C key and certificate, in a Web eID token: refused for its purpose."""
    signing_certificate = x509.load_der_x509_certificate(bytes(card.signing_certificate_der))
    nonce = client.post("/login/card/nonce").json()["nonce"]
    response = client.post(
        "/login/card/token",
        {"token": token_make(key=card_signing_key, certificate=signing_certificate, nonce=nonce)},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["error"] == "certificate_purpose_invalid"
    assert "_auth_user_id" not in client.session


def test_a_certificate_with_clientauth_and_documentsigning_cannot_sign_in(card_key):
    from identity.tests.card.conftest import certificate_forge

    ca = issuing_ca()
    forged = certificate_forge(
        public_key=card_key.public_key(),
        issuer_key=ca.private_key,
        issuer_name=ca.certificate.subject,
        subject_cn="someone",
        eku=[ExtendedKeyUsageOID.CLIENT_AUTH, DOCUMENT_SIGNING],
    )
    with pytest.raises(errors.CertificatePurposeInvalid):
        certificate_purpose_check(forged)


# -- card_signing_key_add: a card issued before slot 9C ----------------------------------


@pytest.fixture
def old_card(alice, card_key, issue_card) -> Card:
    """Alice's active card, issued before slot 9C: no signing key."""
    return issue_card(alice, card_key, signing=False)


def _add_post(client: Client, check, body: dict):
    return client.post(reverse(ADD_URL, args=[check.pk]), body, content_type="application/json")


def _add_body(card_key, signing_key, challenge: bytes, **changes) -> dict:
    body = {
        "proof": _proof(card_key, challenge),
        "signingPublicKey": _spki_b64(signing_key.public_key()),
        "signingProof": _proof(signing_key, challenge, SLOT_SIGNATURE),
    }
    body.update(changes)
    return {name: value for name, value in body.items() if value is not None}


def test_a_registrar_adds_a_signing_key_to_a_card_issued_before(
    registrar_client, registrar, alice, old_card, card_key
):
    signing_key = ec.generate_private_key(ec.SECP256R1())
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    response = _add_post(registrar_client, check, _add_body(card_key, signing_key, challenge))
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["redirect"] == reverse("card:registrar_card", args=[old_card.pk])
    old_card.refresh_from_db()
    assert old_card.status == CardStatus.ACTIVE and old_card.has_signing_key
    assert _signing_certificate(answer).public_key() == signing_key.public_key()
    event = audit_events_for(old_card).get(action="card.signing_key_add")
    assert event.acting_user == registrar and event.subject_user == alice
    assert event.detail["signing_serial"] == old_card.signing_serial_number
    # The card record page shows it.
    page = registrar_client.get(answer["redirect"])
    assert old_card.signing_serial_number in page.content.decode()


def test_the_issue_page_offers_the_signing_key_for_a_card_issued_before(
    registrar_client, alice, old_card
):
    check = _check_record(registrar_client, alice)
    page = registrar_client.get(reverse("card:registrar_issue", args=[check.pk])).content.decode()
    assert 'id="registrar-signing-key"' in page
    assert reverse(ADD_URL, args=[check.pk]) in page


def test_the_issue_page_offers_no_signing_key_to_a_card_that_has_one(registrar_client, alice, card):
    check = _check_record(registrar_client, alice)
    page = registrar_client.get(reverse("card:registrar_issue", args=[check.pk])).content.decode()
    assert 'id="registrar-signing-key"' not in page


def test_a_card_that_has_a_signing_key_gets_no_second(registrar_client, alice, card, card_key):
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    signing_key = ec.generate_private_key(ec.SECP256R1())
    response = _add_post(registrar_client, check, _add_body(card_key, signing_key, challenge))
    assert response.status_code == 409
    assert response.json()["error"] == "signing_key_not_addable"


def test_a_person_without_an_active_card_gets_no_signing_key(registrar_client, alice, card_key):
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    signing_key = ec.generate_private_key(ec.SECP256R1())
    response = _add_post(registrar_client, check, _add_body(card_key, signing_key, challenge))
    assert response.status_code == 409
    assert response.json()["error"] == "signing_key_not_addable"


def test_another_card_in_the_reader_is_refused(registrar_client, alice, old_card):
    """The 9A proof must come from the person's active card, not any card."""
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    other_card_key = ec.generate_private_key(ec.SECP256R1())
    signing_key = ec.generate_private_key(ec.SECP256R1())
    response = _add_post(registrar_client, check, _add_body(other_card_key, signing_key, challenge))
    assert response.status_code == 400
    assert response.json()["error"] == "proof_invalid"
    old_card.refresh_from_db()
    assert not old_card.has_signing_key


def test_a_9a_proof_does_not_add_the_9c_key(registrar_client, alice, old_card, card_key):
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    signing_key = ec.generate_private_key(ec.SECP256R1())
    body = _add_body(card_key, signing_key, challenge, signingProof=_proof(signing_key, challenge))
    response = _add_post(registrar_client, check, body)
    assert response.status_code == 400
    assert response.json()["error"] == "proof_invalid"
    old_card.refresh_from_db()
    assert not old_card.has_signing_key


def test_the_sign_in_key_is_not_added_as_the_signing_key(
    registrar_client, alice, old_card, card_key
):
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    response = _add_post(registrar_client, check, _add_body(card_key, card_key, challenge))
    assert response.status_code == 400
    assert response.json()["error"] == "signing_key_reused"


def test_adding_a_signing_key_needs_a_fresh_identity_check(
    registrar_client, alice, old_card, card_key
):
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    session = registrar_client.session
    session.pop(issuance.SESSION_ISSUANCE)
    session.save()
    signing_key = ec.generate_private_key(ec.SECP256R1())
    response = _add_post(registrar_client, check, _add_body(card_key, signing_key, challenge))
    assert response.status_code == 409
    assert response.json()["error"] == "identity_check_missing"
    old_card.refresh_from_db()
    assert not old_card.has_signing_key


def test_adding_a_signing_key_is_for_registrars_only(client, alice, old_card, sign_in_at):
    sign_in_at(client, alice, "high")
    response = client.post(reverse(ADD_URL, args=[1]), {}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"


def test_the_holder_signs_in_with_the_same_card_after_the_key_is_added(
    registrar_client, alice, old_card, card_key
):
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    signing_key = ec.generate_private_key(ec.SECP256R1())
    _add_post(registrar_client, check, _add_body(card_key, signing_key, challenge))
    holder = Client()
    nonce = holder.post("/login/card/nonce").json()["nonce"]
    certificate = x509.load_der_x509_certificate(bytes(old_card.certificate_der))
    response = holder.post(
        "/login/card/token",
        {"token": token_make(key=card_key, certificate=certificate, nonce=nonce, origin=ORIGIN)},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content


# -- whatever the page posts, a coded answer ------------------------------------------------

_FIELDS = ["publicKey", "proof", "signingPublicKey", "signingProof"]


@settings(FUZZ, max_examples=60)  # each example records a check and asks for a challenge
@given(
    url=st.sampled_from(["card:registrar_certificate", ADD_URL]),
    values=st.dictionaries(
        st.sampled_from(_FIELDS),
        st.one_of(
            json_values,
            st.binary(max_size=120).map(lambda raw: base64.b64encode(raw).decode()),
            st.just(_spki_b64(ec.generate_private_key(ec.SECP256R1()).public_key())),
        ),
        max_size=4,
    ),
)
def test_the_certificate_endpoints_answer_any_body_with_a_code(
    registrar_client, alice, old_card, url, values
):
    check = _check_record(registrar_client, alice)
    _challenge(registrar_client, check)
    response = registrar_client.post(
        reverse(url, args=[check.pk]), values, content_type="application/json"
    )
    assert response.status_code in (400, 409), response.content
    assert response.json()["error"]


def test_the_check_is_spent_once_the_signing_key_is_added(
    registrar_client, alice, old_card, card_key
):
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    signing_key = ec.generate_private_key(ec.SECP256R1())
    assert (
        _add_post(registrar_client, check, _add_body(card_key, signing_key, challenge)).status_code
        == 200
    )
    response = registrar_client.post(reverse("card:registrar_challenge", args=[check.pk]))
    assert response.status_code == 409
    assert response.json()["error"] == "identity_check_missing"


# -- a document signature's attributes, as the server makes them, through the agent -------


def test_attributes_carrying_our_ocsp_answer_pass_the_agent_within_its_body_limit(
    card, card_signing_key, card_key
):
    """The largest attributes the server hands the agent: signing-certificate-v2 and our
    OCSP answer for the 9C certificate in Adobe's revocation-info attribute. The agent
    accepts them and the request stays under the bridge's 4,096-byte body limit."""
    import hashlib
    import http.client
    import json
    import threading

    import pyhanko.sign.attributes  # noqa: F401 - registers Adobe's revocation-info attribute
    from asn1crypto import cms as asn1_cms
    from asn1crypto import ocsp as asn1_ocsp
    from asn1crypto import pdf as asn1_pdf
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509 import ocsp
    from pyhanko.sign.general import as_signing_certificate_v2

    from card_agent import piv
    from card_agent.agent import CardAgent, fixed_pin
    from card_agent.bridge import bridge_create
    from card_agent.softcard import SoftCardSource, card_personalised
    from identity.card.revocation import ocsp_respond

    signing_der = bytes(card.signing_certificate_der)
    signing_certificate = x509.load_der_x509_certificate(signing_der)
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(signing_certificate, issuing_ca().certificate, hashes.SHA256())
        .build()
    )
    answer = ocsp_respond(request.public_bytes(serialization.Encoding.DER))
    digest = hashlib.sha256(b"a tender's ciphertext").digest()
    signed = asn1_cms.CMSAttributes(
        [
            {"type": "content_type", "values": ["data"]},
            {"type": "message_digest", "values": [digest]},
            {
                "type": "signing_certificate_v2",
                "values": [as_signing_certificate_v2(asn1_x509.Certificate.load(signing_der))],
            },
            {
                "type": "adobe_revocation_info_archival",
                "values": [
                    asn1_pdf.RevocationInfoArchival({"ocsp": [asn1_ocsp.OCSPResponse.load(answer)]})
                ],
            },
        ]
    ).dump()
    holder_card = card_personalised(
        pin="246810",
        keys={piv.SLOT_AUTHENTICATION: card_key, piv.SLOT_SIGNATURE: card_signing_key},
        certificates={
            piv.SLOT_AUTHENTICATION: bytes(card.certificate_der),
            piv.SLOT_SIGNATURE: signing_der,
        },
    )
    server = bridge_create(
        CardAgent(SoftCardSource(holder_card)),
        port=0,
        allowed_origins=(ORIGIN,),
        pin_provider=fixed_pin("246810"),
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    body = json.dumps(
        {
            "title": "Soumission, appel d’offres 2026-014",
            "signedAttributes": base64.b64encode(signed).decode(),
            "documentDigest": base64.b64encode(digest).decode(),
        }
    ).encode()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request(
            "POST",
            "/sign-document",
            body=body,
            headers={
                "Host": f"127.0.0.1:{server.port}",
                "Origin": ORIGIN,
                "Content-Type": "application/json",
            },
        )
        response = connection.getresponse()
        answered = json.loads(response.read())
        connection.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert len(body) < 4096, len(body)
    assert response.status == 200, answered
    signing_certificate.public_key().verify(
        base64.b64decode(answered["signature"]), signed, ec.ECDSA(hashes.SHA256())
    )
