"""Each signing access rule, one test per refusal."""

import pytest
from django.contrib.auth.models import AnonymousUser

from identity.models import OidcConsent, SignatureRequestStatus
from identity.signing import errors
from identity.signing.selectors import (
    access_signature_request_address,
    access_signature_request_of_client,
    access_signature_request_sign,
    access_signature_request_view,
    access_signature_requests_api,
    signing_card_for,
)
from identity.signing.services import signature_request_own_create
from identity.tests.signing.conftest import service_make
from identity.tests.signing.pdfs import pdf_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_request(alice):
    return signature_request_own_create(person=alice, pdf=pdf_make(), title="Bail")


def test_api_refuses_a_token_without_the_scope(city):
    with pytest.raises(errors.ScopeMissing):
        access_signature_requests_api(client=city.client, scopes=frozenset({"openid"}))


def test_api_refuses_an_inactive_client(city):
    city.client.is_active = False
    with pytest.raises(errors.ScopeMissing):
        access_signature_requests_api(client=city.client, scopes=frozenset({"signature_requests"}))


def test_api_accepts_the_scope(city):
    access_signature_requests_api(client=city.client, scopes=frozenset({"signature_requests"}))


def test_address_refuses_without_consent(city, alice):
    with pytest.raises(errors.ConsentMissing):
        access_signature_request_address(client=city.client, person=alice)


def test_address_refuses_a_consent_without_the_scope(city, alice):
    OidcConsent.objects.create(user=alice, client=city.client, claims_granted=["openid"])
    with pytest.raises(errors.ConsentMissing):
        access_signature_request_address(client=city.client, person=alice)


def test_address_refuses_an_inactive_person(city, consented):
    consented.is_active = False
    with pytest.raises(errors.ConsentMissing):
        access_signature_request_address(client=city.client, person=consented)


def test_address_accepts_consent(city, consented):
    access_signature_request_address(client=city.client, person=consented)


def test_of_client_refuses_none(city):
    with pytest.raises(errors.RequestNotFound):
        access_signature_request_of_client(client=city.client, request=None)


def test_of_client_refuses_another_clients(city, own_request):
    other = service_make("Ville de Lévis", "levis.example")
    own_request.client = city.client
    with pytest.raises(errors.RequestNotFound):
        access_signature_request_of_client(client=other.client, request=own_request)


def test_view_refuses_a_visitor(own_request):
    with pytest.raises(errors.RequestNotFound):
        access_signature_request_view(user=AnonymousUser(), request=own_request)


def test_view_refuses_an_inactive_person(alice, own_request):
    alice.is_active = False
    with pytest.raises(errors.RequestNotFound):
        access_signature_request_view(user=alice, request=own_request)


def test_view_refuses_another_person(make_user, own_request):
    with pytest.raises(errors.RequestNotFound):
        access_signature_request_view(user=make_user("bob@example.com"), request=own_request)


def test_sign_refuses_a_password_session(alice, own_request):
    with pytest.raises(errors.SigningAccessDenied):
        access_signature_request_sign(user=alice, request=own_request, assurance="low")


def test_sign_refuses_a_closed_request(alice, own_request):
    own_request.status = SignatureRequestStatus.DECLINED
    with pytest.raises(errors.RequestNotPending):
        access_signature_request_sign(user=alice, request=own_request, assurance="high")


def test_sign_accepts_substantial(alice, own_request):
    access_signature_request_sign(user=alice, request=own_request, assurance="substantial")


def test_card_refuses_no_active_card(alice, soft_card_issue, make_user):
    other = soft_card_issue(make_user("bob@example.com"))
    with pytest.raises(errors.NoSigningCard):
        signing_card_for(user=alice, certificate=other.signing_certificate)


def test_card_refuses_a_card_without_signing_key(alice, soft_card):
    card = soft_card.card
    card.signing_serial_number = card.signing_fingerprint_sha256 = card.signing_pseudonym = ""
    card.signing_certificate_der = None
    card.save()
    with pytest.raises(errors.NoSigningCard):
        signing_card_for(user=alice, certificate=soft_card.signing_certificate)


def test_card_refuses_another_certificate(alice, soft_card, soft_card_issue, make_user):
    other = soft_card_issue(make_user("bob@example.com"))
    with pytest.raises(errors.CertificateNotSigning):
        signing_card_for(user=alice, certificate=other.signing_certificate)


def test_card_accepts_its_own(alice, soft_card):
    assert signing_card_for(user=alice, certificate=soft_card.signing_certificate) == soft_card.card
