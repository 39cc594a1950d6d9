"""The CRL and the OCSP responder, checked with cryptography as a relying party would,
and a holder declaring their card lost."""

import base64
import datetime
from urllib.parse import urlencode

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from django.urls import reverse

from identity.card.ca import card_certificate_issue, issuing_certificate
from identity.card.services import card_revoke
from identity.models import CardRevocationReason, CardStatus
from identity.tests.card.conftest import card_certificate

pytestmark = pytest.mark.django_db


def crl_fetch(client) -> x509.CertificateRevocationList:
    response = client.get("/carte/crl.der")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(response.content)
    assert crl.is_signature_valid(issuing_certificate().public_key())
    assert crl.issuer == issuing_certificate().subject
    return crl


def ocsp_ask(client, certificate, *, method: str = "POST", algorithm=None, nonce=None):
    builder = ocsp.OCSPRequestBuilder().add_certificate(
        certificate,
        issuing_certificate(),
        algorithm or hashes.SHA1(),  # noqa: S303 - OCSP clients default to SHA-1 CertIDs
    )
    if nonce:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    der = builder.build().public_bytes(serialization.Encoding.DER)
    if method == "POST":
        response = client.post("/carte/ocsp", data=der, content_type="application/ocsp-request")
    else:
        response = client.get("/carte/ocsp/" + base64.b64encode(der).decode())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ocsp-response"
    return ocsp.load_der_ocsp_response(response.content)


def ocsp_signature_check(answer: ocsp.OCSPResponse) -> None:
    issuing_certificate().public_key().verify(
        answer.signature,
        answer.tbs_response_bytes,
        ec.ECDSA(answer.signature_hash_algorithm),
    )


def test_urls_are_named():
    assert reverse("card:crl") == "/carte/crl.der"
    assert reverse("card:ocsp") == "/carte/ocsp"


def test_crl_is_signed_by_the_issuing_ca_and_valid_for_an_hour(client, card):
    crl = crl_fetch(client)
    assert crl.next_update_utc - crl.last_update_utc == datetime.timedelta(hours=1)
    now = datetime.datetime.now(tz=datetime.UTC)
    assert abs(crl.last_update_utc - now) < datetime.timedelta(minutes=1)
    assert (
        crl.get_revoked_certificate_by_serial_number(card_certificate(card).serial_number) is None
    )


def test_revocation_shows_in_the_crl_at_once(client, card, alice):
    crl_fetch(client)  # cached now
    card_revoke(card=card, reason=CardRevocationReason.LOST, acting_user=alice)
    crl = crl_fetch(client)
    entry = crl.get_revoked_certificate_by_serial_number(card_certificate(card).serial_number)
    assert entry is not None
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason == x509.ReasonFlags.key_compromise


def test_ocsp_says_good_for_an_active_card(client, card):
    answer = ocsp_ask(client, card_certificate(card))
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert answer.serial_number == card_certificate(card).serial_number
    assert answer.next_update_utc - answer.this_update_utc == datetime.timedelta(hours=1)
    ocsp_signature_check(answer)


def test_ocsp_says_revoked_right_after_revocation(client, card, registrar):
    card_revoke(card=card, reason=CardRevocationReason.REPLACED, acting_user=registrar)
    answer = ocsp_ask(client, card_certificate(card), algorithm=hashes.SHA256())
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason == x509.ReasonFlags.superseded
    assert answer.revocation_time_utc is not None
    ocsp_signature_check(answer)


def test_ocsp_says_unknown_for_a_certificate_without_card(client, alice):
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = card_certificate_issue(public_key=key.public_key(), user=alice)
    answer = ocsp_ask(client, certificate)
    assert answer.certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    ocsp_signature_check(answer)


def test_ocsp_get_form_and_nonce(client, card):
    answer = ocsp_ask(client, card_certificate(card), method="GET", nonce=b"0123456789abcdef")
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == (
        b"0123456789abcdef"
    )


def test_ocsp_refuses_garbage_as_malformed(client):
    response = client.post("/carte/ocsp", data=b"garbage", content_type="application/ocsp-request")
    assert response.status_code == 200
    answer = ocsp.load_der_ocsp_response(response.content)
    assert answer.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    response = client.get("/carte/ocsp/not*base64")
    answer = ocsp.load_der_ocsp_response(response.content)
    assert answer.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def test_ocsp_refuses_another_ca(client, card):
    other_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Other CA")])
    now = datetime.datetime.now(tz=datetime.UTC)
    other_ca = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(other_key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(other_key, hashes.SHA256())
    )
    der = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(card_certificate(card), other_ca, hashes.SHA256())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    response = client.post("/carte/ocsp", data=der, content_type="application/ocsp-request")
    answer = ocsp.load_der_ocsp_response(response.content)
    assert answer.response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED


def test_crl_and_ocsp_need_no_sign_in_and_no_csrf(card):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    crl_fetch(client)
    assert ocsp_ask(client, card_certificate(card)).certificate_status == ocsp.OCSPCertStatus.GOOD


# --- A holder declares their card lost ------------------------------------------------


def test_holder_declares_their_card_lost(client, alice, card, sign_in_at):
    sign_in_at(client, alice, "substantial")
    page = client.get(reverse("identity:card"))
    assert page.status_code == 200
    assert reverse("identity:card_declare_lost") in page.content.decode()
    response = client.post(reverse("identity:card_declare_lost"))
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.status == CardStatus.REVOKED
    assert card.revocation_reason == CardRevocationReason.LOST
    assert card.revoked_at is not None
    assert ocsp_ask(client, card_certificate(card)).certificate_status == (
        ocsp.OCSPCertStatus.REVOKED
    )
    crl = crl_fetch(client)
    assert crl.get_revoked_certificate_by_serial_number(card_certificate(card).serial_number)


def test_declaring_lost_without_a_card_changes_nothing(client, alice, sign_in_at):
    sign_in_at(client, alice, "substantial")
    response = client.post(reverse("identity:card_declare_lost"), follow=True)
    assert response.status_code == 200
    assert list(response.context["messages"])


def test_declaring_lost_needs_a_signed_in_holder(client, card):
    response = client.post(reverse("identity:card_declare_lost"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))
    card.refresh_from_db()
    assert card.status == CardStatus.ACTIVE


def test_declaring_lost_needs_post(client, alice, card, sign_in_at):
    sign_in_at(client, alice, "substantial")
    assert client.get(reverse("identity:card_declare_lost")).status_code == 405


def test_declaring_lost_only_touches_ones_own_card(
    client, card, make_user, card_key, issue_card, sign_in_at
):
    bob = make_user("bob@example.com")
    bob_card = issue_card(bob, ec.generate_private_key(ec.SECP256R1()))
    sign_in_at(client, bob, "substantial")
    client.post(reverse("identity:card_declare_lost"))
    card.refresh_from_db()
    bob_card.refresh_from_db()
    assert card.status == CardStatus.ACTIVE
    assert bob_card.status == CardStatus.REVOKED


def test_declaring_lost_with_a_password_session_asks_for_a_passkey(client, alice, card, sign_in_at):
    sign_in_at(client, alice, "low")
    account = reverse("identity:card")
    response = client.post(reverse("identity:card_declare_lost"), HTTP_REFERER=account)
    assert response.status_code == 302
    assert response["Location"] == reverse("identity:login") + "?" + urlencode({"next": account})
    card.refresh_from_db()
    assert card.status == CardStatus.ACTIVE


def test_declaring_lost_with_the_card_itself_works(client, alice, card, sign_in_at):
    sign_in_at(client, alice, "high")
    client.post(reverse("identity:card_declare_lost"))
    card.refresh_from_db()
    assert card.status == CardStatus.REVOKED


def test_suspended_card_is_on_hold_for_relying_parties(client, card):
    type(card).objects.filter(pk=card.pk).update(status=CardStatus.SUSPENDED)
    answer = ocsp_ask(client, card_certificate(card))
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason == x509.ReasonFlags.certificate_hold
    entry = crl_fetch(client).get_revoked_certificate_by_serial_number(
        card_certificate(card).serial_number
    )
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
        x509.ReasonFlags.certificate_hold
    )
