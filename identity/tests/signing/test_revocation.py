"""OCSP and the CRL answer for every certificate the issuing CA signs: both keys of a
card, and the timestamp authority's certificates."""

import datetime

import pytest
from cryptography import x509
from cryptography.x509 import ocsp
from django.utils import timezone

from identity.card.revocation import ocsp_answer_for
from identity.card.selectors import card_by_any_serial
from identity.card.services import card_revoke
from identity.models import CardRevocationReason, ServiceCertificate, ServiceCertificateStatus
from identity.signing.tsa import tsa_certificate, tsa_certificate_renew
from identity.tests.card.conftest import card_certificate
from identity.tests.card.test_revocation import crl_fetch, ocsp_ask, ocsp_signature_check

pytestmark = pytest.mark.django_db


def status_of(client, certificate) -> ocsp.OCSPCertStatus:
    answer = ocsp_ask(client, certificate)
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    ocsp_signature_check(answer)
    assert answer.serial_number == certificate.serial_number
    return answer.certificate_status


def test_both_serials_find_the_card(soft_card):
    card = soft_card.card
    assert card_by_any_serial(card_certificate(card).serial_number) == card
    assert card_by_any_serial(soft_card.signing_certificate.serial_number) == card
    assert card_by_any_serial(12345) is None


def test_an_active_cards_two_certificates_are_good(client, soft_card):
    assert status_of(client, card_certificate(soft_card.card)) == ocsp.OCSPCertStatus.GOOD
    assert status_of(client, soft_card.signing_certificate) == ocsp.OCSPCertStatus.GOOD
    crl = crl_fetch(client)
    assert (
        crl.get_revoked_certificate_by_serial_number(soft_card.signing_certificate.serial_number)
        is None
    )


def test_revoking_the_card_revokes_both_serials(client, soft_card, alice):
    crl_fetch(client)  # cached now
    card_revoke(card=soft_card.card, reason=CardRevocationReason.STOLEN, acting_user=alice)
    for certificate in (card_certificate(soft_card.card), soft_card.signing_certificate):
        answer = ocsp_ask(client, certificate)
        assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
        assert answer.revocation_reason == x509.ReasonFlags.key_compromise
    crl = crl_fetch(client)
    for certificate in (card_certificate(soft_card.card), soft_card.signing_certificate):
        entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
        assert entry is not None
        reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
        assert reason == x509.ReasonFlags.key_compromise


def test_the_tsa_certificate_is_good(client):
    assert status_of(client, tsa_certificate()) == ocsp.OCSPCertStatus.GOOD


def test_a_retired_tsa_certificate_stays_good(client):
    old = tsa_certificate()
    tsa_certificate_renew()
    assert ServiceCertificate.objects.filter(status=ServiceCertificateStatus.RETIRED).count() == 1
    assert status_of(client, old) == ocsp.OCSPCertStatus.GOOD
    assert crl_fetch(client).get_revoked_certificate_by_serial_number(old.serial_number) is None


def test_a_revoked_service_certificate_is_revoked_and_on_the_crl(client):
    certificate = tsa_certificate()
    revoked_at = timezone.now() - datetime.timedelta(minutes=1)
    ServiceCertificate.objects.update(
        status=ServiceCertificateStatus.REVOKED, revoked_at=revoked_at
    )
    answer = ocsp_ask(client, certificate)
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert abs(answer.revocation_time_utc - revoked_at) < datetime.timedelta(seconds=1)
    crl = crl_fetch(client)
    assert crl.get_revoked_certificate_by_serial_number(certificate.serial_number) is not None


def test_the_in_process_answer_is_our_responders(soft_card):
    answer = ocsp.load_der_ocsp_response(ocsp_answer_for(soft_card.signing_certificate))
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert answer.serial_number == soft_card.signing_certificate.serial_number
    ocsp_signature_check(answer)
    assert answer.responder_key_hash is not None
