"""Card issuance as an attacker tries it: who may receive a card from whom (finding 3b),
proof of possession before the CA signs (finding 3c), for each of the card's two keys (slot
9A to sign in, slot 9C to sign documents), and certificates signed but never confirmed
(finding 4): recorded at once, on the CRL, never `unknown` over OCSP, refused at sign-in.
Each refusal has its own test."""

import base64
import contextlib
import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509 import ocsp
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from card_agent.piv import SLOT_AUTHENTICATION, SLOT_SIGNATURE
from card_agent.webeid import possession_digest
from identity.audit import audit_events_for
from identity.card import errors, issuance
from identity.card.selectors import access_card_issue_to
from identity.card.services import (
    card_abandon,
    card_revoke,
    cards_pending_abandon,
    identity_check_record,
)
from identity.models import Card, CardRevocationReason, CardStatus, IdentityCheck
from identity.roles import Role
from identity.services import user_roles_set
from identity.tasks import cards_pending_abandon_task
from identity.tests.card.conftest import token_make
from identity.tests.card.test_revocation import crl_fetch, ocsp_ask

BRANCH = "Caisse Desjardins du Plateau"


@pytest.fixture
def registrar_client(client, registrar, sign_in_at) -> Client:
    sign_in_at(client, registrar, "high")
    return client


@pytest.fixture
def second_registrar(make_user):
    return make_user("second.registrar@example.com", roles=(Role.REGISTRAR,))


@pytest.fixture
def coop_admin(make_user):
    return make_user("admin@example.com", roles=(Role.COOP_ADMIN,))


@pytest.fixture
def superuser(make_user):
    return make_user("root@example.com", is_superuser=True)


@pytest.fixture
def nothing_signed(monkeypatch):
    """Fail the test if the CA is asked to sign anything."""

    def refuse(**kwargs):
        raise AssertionError("the CA signed a certificate")

    monkeypatch.setattr(issuance, "card_certificate_issue", refuse)
    monkeypatch.setattr(issuance, "card_signing_certificate_issue", refuse)


@pytest.fixture
def signing_key() -> ec.EllipticCurvePrivateKey:
    """The card's slot 9C key."""
    return ec.generate_private_key(ec.SECP256R1())


def _spki_b64(key) -> str:
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def _check_record(client: Client, person) -> IdentityCheck:
    response = client.post(
        reverse("card:registrar_person", args=[person.public_id]),
        {"document_type": "passport", "document_last4": "AB12", "branch": BRANCH},
    )
    assert response.status_code == 302, response.content
    return IdentityCheck.objects.filter(person=person).first()


def _challenge(client: Client, check: IdentityCheck) -> bytes:
    response = client.post(reverse("card:registrar_challenge", args=[check.pk]))
    assert response.status_code == 200, response.content
    return base64.b64decode(response.json()["challenge"])


def _proof(key, challenge: bytes, slot: int = SLOT_AUTHENTICATION) -> str:
    signature = key.sign(possession_digest(challenge, slot), ec.ECDSA(Prehashed(hashes.SHA256())))
    return base64.b64encode(signature).decode()


def _body(card_key, signing_key, challenge: bytes, **changes) -> dict:
    """A certificate request for both keys, each proved over `challenge`; `changes` replace
    or (with None) remove fields."""
    body = {
        "publicKey": _spki_b64(card_key.public_key()),
        "proof": _proof(card_key, challenge),
        "signingPublicKey": _spki_b64(signing_key.public_key()),
        "signingProof": _proof(signing_key, challenge, SLOT_SIGNATURE),
    }
    body.update(changes)
    return {name: value for name, value in body.items() if value is not None}


def _certificate_post(client: Client, check: IdentityCheck, body: dict):
    return client.post(
        reverse("card:registrar_certificate", args=[check.pk]),
        body,
        content_type="application/json",
    )


def _certify(client: Client, check: IdentityCheck, key, signing_key=None) -> dict:
    signing_key = signing_key or ec.generate_private_key(ec.SECP256R1())
    body = _body(key, signing_key, _challenge(client, check))
    response = _certificate_post(client, check, body)
    assert response.status_code == 200, response.content
    return response.json()


def _confirm(client: Client, check: IdentityCheck, fingerprint: str):
    return client.post(
        reverse("card:registrar_confirm", args=[check.pk]),
        {"fingerprint": fingerprint},
        content_type="application/json",
    )


def _certificate(issued: dict) -> x509.Certificate:
    return x509.load_der_x509_certificate(base64.b64decode(issued["certificate"]))


# -- who may receive a card from whom: access_card_issue_to, line by line ----------------


def test_a_registrar_may_issue_to_a_shopper(registrar, alice):
    access_card_issue_to(registrar=registrar, person=alice)


def test_someone_without_the_permission_may_not_issue(make_user, alice):
    shopper = make_user("shop@example.com", roles=(Role.SHOPPER,))
    with pytest.raises(PermissionDenied):
        access_card_issue_to(registrar=shopper, person=alice)


def test_a_visitor_may_not_issue(alice):
    with pytest.raises(PermissionDenied):
        access_card_issue_to(registrar=AnonymousUser(), person=alice)


def test_a_registrar_may_not_issue_to_themself(registrar):
    with pytest.raises(errors.CardIssueToSelf):
        access_card_issue_to(registrar=registrar, person=registrar)


def test_a_registrar_may_not_issue_to_another_registrar(registrar, second_registrar):
    with pytest.raises(errors.CardIssueToRegistrar):
        access_card_issue_to(registrar=second_registrar, person=registrar)


def test_a_registrar_may_not_issue_to_a_coop_admin(registrar, coop_admin):
    with pytest.raises(errors.CardIssueToAdmin):
        access_card_issue_to(registrar=registrar, person=coop_admin)


def test_a_registrar_may_not_issue_to_a_superuser(registrar, superuser):
    with pytest.raises(errors.CardIssueToAdmin):
        access_card_issue_to(registrar=registrar, person=superuser)


def test_a_superuser_may_issue_to_registrars_and_coop_admins(superuser, registrar, coop_admin):
    access_card_issue_to(registrar=superuser, person=registrar)
    access_card_issue_to(registrar=superuser, person=coop_admin)


def test_a_superuser_may_not_issue_to_themself(superuser):
    with pytest.raises(errors.CardIssueToSelf):
        access_card_issue_to(registrar=superuser, person=superuser)


def test_the_identity_check_service_applies_the_rules(registrar):
    with pytest.raises(errors.CardIssueToSelf):
        identity_check_record(
            person=registrar,
            document_type="passport",
            document_last4="AB12",
            branch=BRANCH,
            registrar=registrar,
        )
    assert not IdentityCheck.objects.exists()


# -- the same refusals at the counter ------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "code"),
    [
        ("registrar", "card_issue_to_self"),
        ("second_registrar", "card_issue_to_registrar"),
        ("coop_admin", "card_issue_to_admin"),
        ("superuser", "card_issue_to_admin"),
    ],
)
def test_the_counter_refuses_a_check_of(registrar_client, request, target, code):
    person = request.getfixturevalue(target)
    page = reverse("card:registrar_person", args=[person.public_id])
    shown = registrar_client.get(page)
    assert shown.status_code == 403
    assert shown.context["refused"].code == code
    assert 'id="registrar-refused"' in shown.content.decode()
    posted = registrar_client.post(
        page, {"document_type": "passport", "document_last4": "AB12", "branch": BRANCH}
    )
    assert posted.status_code == 403
    assert not IdentityCheck.objects.exists()


def test_a_person_made_registrar_after_the_check_gets_no_certificate(
    registrar_client, alice, card_key, nothing_signed
):
    check = _check_record(registrar_client, alice)
    user_roles_set(user=alice, roles={Role.REGISTRAR})
    response = registrar_client.post(reverse("card:registrar_challenge", args=[check.pk]))
    assert response.status_code == 403
    assert response.json()["error"] == "card_issue_to_registrar"


# -- proof of possession before the CA signs ---------------------------------------------


@pytest.mark.parametrize("missing", ["proof", "signingProof"])
def test_a_certificate_request_without_a_proof_is_refused(
    registrar_client, alice, card_key, signing_key, nothing_signed, missing
):
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    body = _body(card_key, signing_key, challenge, **{missing: None})
    response = _certificate_post(registrar_client, check, body)
    assert response.status_code == 400
    assert response.json()["error"] == "proof_missing"
    assert not Card.objects.exists()


@pytest.mark.parametrize("field", ["publicKey", "signingPublicKey"])
def test_a_certificate_request_without_either_key_is_refused(
    registrar_client, alice, card_key, signing_key, nothing_signed, field
):
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    response = _certificate_post(
        registrar_client, check, _body(card_key, signing_key, challenge, **{field: None})
    )
    assert response.status_code == 400
    assert response.json()["error"] == "public_key_invalid"
    assert not Card.objects.exists()


@pytest.mark.parametrize("proved", ["proof", "signingProof"])
def test_a_proof_made_with_another_key_is_refused(
    registrar_client, alice, card_key, signing_key, nothing_signed, proved
):
    """The attack: certify a key someone else holds (the victim's), proving with one's own."""
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    impostor = ec.generate_private_key(ec.SECP256R1())
    slot = SLOT_AUTHENTICATION if proved == "proof" else SLOT_SIGNATURE
    body = _body(card_key, signing_key, challenge, **{proved: _proof(impostor, challenge, slot)})
    response = _certificate_post(registrar_client, check, body)
    assert response.status_code == 400
    assert response.json()["error"] == "proof_invalid"
    assert not Card.objects.exists()


def test_a_9a_proof_does_not_certify_the_9c_key(
    registrar_client, alice, card_key, signing_key, nothing_signed
):
    """The 9C key's signature over the 9A context (what a sign-in key's proof is) is not a
    proof for slot 9C: the digest is bound to the slot."""
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    body = _body(card_key, signing_key, challenge, signingProof=_proof(signing_key, challenge))
    response = _certificate_post(registrar_client, check, body)
    assert response.status_code == 400
    assert response.json()["error"] == "proof_invalid"
    assert not Card.objects.exists()


def test_a_9c_proof_does_not_certify_the_9a_key(
    registrar_client, alice, card_key, signing_key, nothing_signed
):
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    body = _body(
        card_key, signing_key, challenge, proof=_proof(card_key, challenge, SLOT_SIGNATURE)
    )
    response = _certificate_post(registrar_client, check, body)
    assert response.status_code == 400
    assert response.json()["error"] == "proof_invalid"


def test_the_same_key_for_both_slots_is_refused(registrar_client, alice, card_key, nothing_signed):
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    response = _certificate_post(registrar_client, check, _body(card_key, card_key, challenge))
    assert response.status_code == 400
    assert response.json()["error"] == "signing_key_reused"
    assert not Card.objects.exists()


def test_a_proof_of_an_earlier_challenge_is_refused(
    registrar_client, alice, card_key, signing_key, nothing_signed
):
    check = _check_record(registrar_client, alice)
    old = _challenge(registrar_client, check)
    _challenge(registrar_client, check)  # replaces it
    response = _certificate_post(registrar_client, check, _body(card_key, signing_key, old))
    assert response.status_code == 400
    assert response.json()["error"] == "proof_invalid"
    assert not Card.objects.exists()


def test_a_signature_of_the_bare_challenge_is_refused(
    registrar_client, alice, card_key, signing_key, nothing_signed
):
    """The proof is bound to its purpose: a signature over the raw challenge is not one."""
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    signature = card_key.sign(challenge, ec.ECDSA(hashes.SHA256()))
    body = _body(card_key, signing_key, challenge, proof=base64.b64encode(signature).decode())
    response = _certificate_post(registrar_client, check, body)
    assert response.status_code == 400
    assert response.json()["error"] == "proof_invalid"


@pytest.mark.parametrize("field", ["proof", "signingProof"])
@pytest.mark.parametrize("proof", ["not base64!", 12, "AAAA"])
def test_a_malformed_proof_is_refused(
    registrar_client, alice, card_key, signing_key, nothing_signed, proof, field
):
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    body = _body(card_key, signing_key, challenge, **{field: proof})
    response = _certificate_post(registrar_client, check, body)
    assert response.status_code == 400
    assert response.json()["error"] == "proof_invalid"
    assert not Card.objects.exists()


def test_a_proof_without_a_challenge_is_refused(
    registrar_client, alice, card_key, signing_key, nothing_signed
):
    check = _check_record(registrar_client, alice)
    response = _certificate_post(registrar_client, check, _body(card_key, signing_key, b"\0" * 32))
    assert response.status_code == 409
    assert response.json()["error"] == "challenge_missing"


def test_a_challenge_is_spent_by_a_failed_attempt(registrar_client, alice, card_key, signing_key):
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    body = _body(card_key, signing_key, challenge, signingProof=None)
    assert _certificate_post(registrar_client, check, body).status_code == 400
    response = _certificate_post(registrar_client, check, _body(card_key, signing_key, challenge))
    assert response.status_code == 409
    assert response.json()["error"] == "challenge_missing"


def test_an_old_challenge_is_refused(registrar_client, alice, card_key, signing_key, monkeypatch):
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    later = issuance.time.time() + issuance.CHALLENGE_LIFETIME + 1
    monkeypatch.setattr(issuance.time, "time", lambda: later)
    response = _certificate_post(registrar_client, check, _body(card_key, signing_key, challenge))
    assert response.status_code == 409
    assert response.json()["error"] == "challenge_missing"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"[" * 15_000, "json_too_large"),
        (b"[" * 5_000, "json_too_deep"),
        (b"[]", "json_not_object"),
    ],
)
def test_malformed_json_is_a_400(registrar_client, alice, body, code):
    check = _check_record(registrar_client, alice)
    response = registrar_client.post(
        reverse("card:registrar_certificate", args=[check.pk]),
        body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == code


# -- every signed certificate is recorded; pending, abandoned, superseded ----------------


def test_a_signed_certificate_is_recorded_pending_and_on_hold(
    registrar_client, client, alice, card_key
):
    check = _check_record(registrar_client, alice)
    issued = _certify(registrar_client, check, card_key)
    certificate = _certificate(issued)
    card = Card.objects.get(fingerprint_sha256=issued["fingerprint"])
    assert card.status == CardStatus.PENDING
    entry = crl_fetch(Client()).get_revoked_certificate_by_serial_number(certificate.serial_number)
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
        x509.ReasonFlags.certificate_hold
    )
    answer = ocsp_ask(Client(), certificate)
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason == x509.ReasonFlags.certificate_hold
    # Confirmed: good, and off the CRL.
    assert _confirm(registrar_client, check, issued["fingerprint"]).status_code == 200
    assert ocsp_ask(Client(), certificate).certificate_status == ocsp.OCSPCertStatus.GOOD
    assert (
        crl_fetch(Client()).get_revoked_certificate_by_serial_number(certificate.serial_number)
        is None
    )


def test_sign_in_refuses_a_pending_certificate(registrar_client, alice, card_key):
    check = _check_record(registrar_client, alice)
    certificate = _certificate(_certify(registrar_client, check, card_key))
    holder = Client()
    nonce = holder.post("/login/card/nonce").json()["nonce"]
    response = holder.post(
        "/login/card/token",
        {"token": token_make(key=card_key, certificate=certificate, nonce=nonce)},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["error"] == "card_revoked"


def _abandoned(registrar_client, alice, card_key) -> tuple[IdentityCheck, dict]:
    """A certificate signed and written, never confirmed, past the issuance's lifetime."""
    check = _check_record(registrar_client, alice)
    issued = _certify(registrar_client, check, card_key)
    Card.objects.filter(fingerprint_sha256=issued["fingerprint"]).update(
        issued_at=Card.objects.get(fingerprint_sha256=issued["fingerprint"]).issued_at
        - issuance.CHECK_LIFETIME
        - datetime.timedelta(seconds=1)
    )
    return check, issued


def test_an_abandoned_certificate_is_revoked_on_the_crl(registrar_client, alice, card_key):
    _check, issued = _abandoned(registrar_client, alice, card_key)
    assert cards_pending_abandon_task() == 1
    card = Card.objects.get(fingerprint_sha256=issued["fingerprint"])
    assert card.status == CardStatus.REVOKED
    assert card.revocation_reason == CardRevocationReason.ABANDONED
    entry = crl_fetch(Client()).get_revoked_certificate_by_serial_number(
        _certificate(issued).serial_number
    )
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
        x509.ReasonFlags.cessation_of_operation
    )
    event = audit_events_for(card).get(action="card.revoke")
    assert event.acting_user is None and event.detail["reason"] == "abandoned"


def test_ocsp_says_revoked_for_an_abandoned_certificate(registrar_client, alice, card_key):
    _check, issued = _abandoned(registrar_client, alice, card_key)
    cards_pending_abandon(older_than=issuance.CHECK_LIFETIME)
    answer = ocsp_ask(Client(), _certificate(issued))
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason == x509.ReasonFlags.cessation_of_operation


def test_sign_in_refuses_an_abandoned_certificate(registrar_client, alice, card_key):
    _check, issued = _abandoned(registrar_client, alice, card_key)
    cards_pending_abandon(older_than=issuance.CHECK_LIFETIME)
    holder = Client()
    nonce = holder.post("/login/card/nonce").json()["nonce"]
    response = holder.post(
        "/login/card/token",
        {"token": token_make(key=card_key, certificate=_certificate(issued), nonce=nonce)},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["error"] == "card_revoked"


def test_a_late_confirmation_revokes_instead(registrar_client, alice, card_key):
    check, issued = _abandoned(registrar_client, alice, card_key)
    response = _confirm(registrar_client, check, issued["fingerprint"])
    assert response.status_code == 409
    assert response.json()["error"] == "issuance_expired"
    card = Card.objects.get(fingerprint_sha256=issued["fingerprint"])
    assert card.status == CardStatus.REVOKED
    assert card.revocation_reason == CardRevocationReason.ABANDONED


def test_a_newer_certificate_for_the_same_check_supersedes_the_pending_one(
    registrar_client, alice, card_key
):
    check = _check_record(registrar_client, alice)
    first = _certify(registrar_client, check, card_key)
    second = _certify(registrar_client, check, ec.generate_private_key(ec.SECP256R1()))
    old = Card.objects.get(fingerprint_sha256=first["fingerprint"])
    assert old.status == CardStatus.REVOKED
    assert old.revocation_reason == CardRevocationReason.REPLACED
    entry = crl_fetch(Client()).get_revoked_certificate_by_serial_number(
        _certificate(first).serial_number
    )
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
        x509.ReasonFlags.superseded
    )
    # The first certificate cannot be confirmed any more; the second can.
    assert _confirm(registrar_client, check, first["fingerprint"]).status_code == 400
    assert _confirm(registrar_client, check, second["fingerprint"]).status_code == 200


# -- the audit trail ---------------------------------------------------------------------


def test_issuance_and_revocation_are_audited_with_the_registrar(
    registrar_client, registrar, alice, card_key
):
    check = _check_record(registrar_client, alice)
    issued = _certify(registrar_client, check, card_key)
    _confirm(registrar_client, check, issued["fingerprint"])
    card = Card.objects.get(fingerprint_sha256=issued["fingerprint"])
    actions = {event.action: event for event in audit_events_for(card)}
    assert set(actions) == {"card.certificate_sign", "card.register"}
    for event in actions.values():
        assert event.acting_user == registrar
        assert event.subject_user == alice
    assert audit_events_for(check).get().action == "identity_check.record"
    card_revoke(card=card, reason=CardRevocationReason.STOLEN, acting_user=registrar)
    event = audit_events_for(card).get(action="card.revoke")
    assert event.acting_user == registrar and event.detail["reason"] == "stolen"


def test_a_challenge_replayed_from_an_old_copy_of_the_session_is_refused(
    registrar_client, alice, card_key
):
    """Two requests reading the session before either saves it: only one uses the challenge."""
    check = _check_record(registrar_client, alice)
    challenge = _challenge(registrar_client, check)
    before = dict(registrar_client.session[issuance.SESSION_ISSUANCE])
    body = _body(card_key, ec.generate_private_key(ec.SECP256R1()), challenge)
    assert _certificate_post(registrar_client, check, body).status_code == 200
    session = registrar_client.session
    session[issuance.SESSION_ISSUANCE] = before
    session.save()
    response = _certificate_post(registrar_client, check, body)
    assert response.status_code == 409
    assert response.json()["error"] == "challenge_missing"
    assert Card.objects.count() == 1


# -- outside input never crashes the parsers ---------------------------------------------

_KEY = ec.generate_private_key(ec.SECP256R1()).public_key()


@settings(max_examples=200, deadline=None)
@given(value=st.one_of(st.none(), st.integers(), st.text(max_size=300), st.binary(max_size=200)))
def test_any_public_key_input_is_a_key_or_a_coded_refusal(value):
    if isinstance(value, bytes):
        value = base64.b64encode(value).decode()
    with contextlib.suppress(errors.PublicKeyInvalid):
        issuance.public_key_parse(value)


@settings(max_examples=200, deadline=None)
@given(proof=st.one_of(st.none(), st.integers(), st.text(max_size=300), st.binary(max_size=120)))
def test_any_proof_input_is_a_coded_refusal(proof):
    if isinstance(proof, bytes):
        proof = base64.b64encode(proof).decode()
    with pytest.raises((errors.ProofMissing, errors.ProofInvalid)):
        issuance.possession_verify(public_key=_KEY, challenge=b"\1" * 32, proof=proof)


def test_only_a_pending_certificate_is_abandoned(card):
    assert card_abandon(card=card).status == CardStatus.ACTIVE
    assert cards_pending_abandon(older_than=datetime.timedelta(0)) == 0
    card.refresh_from_db()
    assert card.status == CardStatus.ACTIVE
