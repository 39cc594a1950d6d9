"""Signature requests through the services: a service's request, the person's own PDF,
signing with a software key standing in for the card, retries, declines, expiry."""

import datetime
import hashlib

import pytest
from django.utils import timezone

from identity.audit import audit_events_for
from identity.card.services import card_revoke
from identity.models import (
    CardRevocationReason,
    ClientWebhookDelivery,
    ClientWebhookEndpoint,
    OidcClaimRelease,
    SignatureMode,
    SignatureRequest,
    SignatureRequestStatus,
    SigningSession,
    VaultDocumentKind,
)
from identity.signing import errors
from identity.signing.services import (
    RequestInput,
    signature_request_cancel,
    signature_request_create,
    signature_request_decline,
    signature_request_own_create,
    signature_request_sign,
    signature_requests_expire,
    signing_session_start,
)
from identity.signing.verification import cades_verify, signatures_verify
from identity.tests.signing.pdfs import pdf_make
from identity.vault.services import _document_decrypt as vault_document_decrypt

pytestmark = pytest.mark.django_db


def given(pdf: bytes | None = None, digest: str | None = None, **fields) -> RequestInput:
    values = {
        "title": "Permis de rénovation 2026-0412",
        "message": "Signez la demande, s’il vous plaît.",
        "pdf": pdf if pdf is not None or digest else pdf_make(),
        "document_sha256": digest,
        "expires_in": datetime.timedelta(days=7),
        "disclose_name_allowed": True,
    }
    values.update(fields)
    return RequestInput(**values)


def endpoint_for(client) -> None:
    ClientWebhookEndpoint.objects.create(
        client=client, url="https://ville.example/hooks", secret_sealed="x", enabled=True
    )


def sign(request, soft_card, *, disclose_name=False, assurance="substantial"):
    started = signing_session_start(
        request=request,
        user=soft_card.card.user,
        assurance=assurance,
        certificate=soft_card.signing_certificate,
    )
    return signature_request_sign(
        request=request,
        user=soft_card.card.user,
        assurance=assurance,
        session_public_id=started.session.public_id,
        signature=soft_card.sign(started.signed_attributes),
        disclose_name=disclose_name,
    ), started


def test_a_services_pdf_request_is_signed_end_to_end(city, consented, soft_card):
    request, created = signature_request_create(
        client=city.client, person=consented, given=given(), idempotency_key="k1"
    )
    assert created
    assert audit_events_for(request).get().action == "signing.request_create"
    assert request.mode == SignatureMode.PADES
    assert request.document.kind == VaultDocumentKind.DOCUMENT_TO_SIGN
    assert request.document.source_client == city.client

    signed, _started = sign(request, soft_card, disclose_name=True)
    assert signed.status == SignatureRequestStatus.SIGNED
    assert signed.card == soft_card.card
    assert signed.disclose_name is True
    assert signed.signed_document.kind == VaultDocumentKind.SIGNED_DOCUMENT
    assert SigningSession.objects.get().used_at is not None
    pdf = vault_document_decrypt(signed.signed_document)
    report = signatures_verify(pdf=pdf, client=city.client)[0]
    assert report.valid and report.level == "B-LT"
    assert report.signer["name"] == consented.full_name
    assert report.signer["sub"]
    assert abs(report.signed_at - signed.signed_at) < datetime.timedelta(seconds=1)
    release = OidcClaimRelease.objects.get(user=consented, client=city.client)
    assert release.claims == ["signed_document"]
    assert release.detail == {"document": str(signed.signed_document.public_id)}


def test_the_name_stays_hidden_unless_disclosed(city, consented, soft_card):
    request, _ = signature_request_create(
        client=city.client, person=consented, given=given(), idempotency_key="k1"
    )
    signed, _ = sign(request, soft_card)
    pdf = vault_document_decrypt(signed.signed_document)
    assert signatures_verify(pdf=pdf, client=None)[0].signer is None
    assert "name" not in signatures_verify(pdf=pdf, client=city.client)[0].signer


def test_the_signed_webhook_is_queued(city, consented, soft_card):
    endpoint_for(city.client)
    request, _ = signature_request_create(
        client=city.client, person=consented, given=given(), idempotency_key="k1"
    )
    signed, _ = sign(request, soft_card)
    delivery = ClientWebhookDelivery.objects.get(event_type="signature_request.signed")
    assert delivery.subject == str(signed.public_id)


def test_a_digest_request_makes_a_detached_cms(city, consented, soft_card):
    digest = hashlib.sha256(b"kept by the city").hexdigest()
    request, _ = signature_request_create(
        client=city.client, person=consented, given=given(digest=digest), idempotency_key="k2"
    )
    assert request.mode == SignatureMode.CADES_DIGEST
    assert request.document is None
    signed, _ = sign(request, soft_card)
    cms = vault_document_decrypt(signed.signed_document)
    report = cades_verify(cms=cms, digest=bytes.fromhex(digest))
    assert report.valid and report.level == "B-LT"


def test_the_same_key_gives_the_same_request(city, consented):
    first, created = signature_request_create(
        client=city.client, person=consented, given=given(), idempotency_key="k1"
    )
    again, created_again = signature_request_create(
        client=city.client, person=consented, given=given(), idempotency_key="k1"
    )
    assert created and not created_again
    assert again == first
    with pytest.raises(errors.IdempotencyConflict):
        signature_request_create(
            client=city.client,
            person=consented,
            given=given(title="Autre chose"),
            idempotency_key="k1",
        )


def test_without_consent_the_request_is_refused(city, alice):
    with pytest.raises(errors.ConsentMissing):
        signature_request_create(
            client=city.client, person=alice, given=given(), idempotency_key="k1"
        )


def test_a_retried_finish_returns_the_same_document(city, consented, soft_card):
    request, _ = signature_request_create(
        client=city.client, person=consented, given=given(), idempotency_key="k1"
    )
    signed, started = sign(request, soft_card)
    again = signature_request_sign(
        request=request,
        user=consented,
        assurance="substantial",
        session_public_id=started.session.public_id,
        signature=soft_card.sign(started.signed_attributes),
        disclose_name=False,
    )
    assert again.signed_document == signed.signed_document


def test_a_wrong_signature_stores_nothing(city, consented, soft_card):
    request, _ = signature_request_create(
        client=city.client, person=consented, given=given(), idempotency_key="k1"
    )
    started = signing_session_start(
        request=request,
        user=consented,
        assurance="substantial",
        certificate=soft_card.signing_certificate,
    )
    with pytest.raises(errors.SignatureInvalid):
        signature_request_sign(
            request=request,
            user=consented,
            assurance="substantial",
            session_public_id=started.session.public_id,
            signature=soft_card.sign(b"not these attributes"),
            disclose_name=False,
        )
    request.refresh_from_db()
    assert request.status == SignatureRequestStatus.PENDING


def test_a_card_revoked_between_prepare_and_finish_cannot_sign(city, consented, soft_card):
    request, _ = signature_request_create(
        client=city.client, person=consented, given=given(), idempotency_key="k1"
    )
    started = signing_session_start(
        request=request,
        user=consented,
        assurance="substantial",
        certificate=soft_card.signing_certificate,
    )
    card_revoke(card=soft_card.card, reason=CardRevocationReason.LOST, acting_user=consented)
    with pytest.raises(errors.CertificateNotGood):
        signature_request_sign(
            request=request,
            user=consented,
            assurance="substantial",
            session_public_id=started.session.public_id,
            signature=soft_card.sign(started.signed_attributes),
            disclose_name=False,
        )


def test_an_expired_session_is_refused(city, consented, soft_card):
    request, _ = signature_request_create(
        client=city.client, person=consented, given=given(), idempotency_key="k1"
    )
    started = signing_session_start(
        request=request,
        user=consented,
        assurance="substantial",
        certificate=soft_card.signing_certificate,
    )
    SigningSession.objects.update(
        created_at=timezone.now() - datetime.timedelta(minutes=10),
        expires_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    with pytest.raises(errors.SessionInvalid):
        signature_request_sign(
            request=request,
            user=consented,
            assurance="substantial",
            session_public_id=started.session.public_id,
            signature=soft_card.sign(started.signed_attributes),
            disclose_name=False,
        )


def test_a_new_session_replaces_the_unused_one(city, consented, soft_card):
    request, _ = signature_request_create(
        client=city.client, person=consented, given=given(), idempotency_key="k1"
    )
    for _ in range(2):
        signing_session_start(
            request=request,
            user=consented,
            assurance="substantial",
            certificate=soft_card.signing_certificate,
        )
    assert SigningSession.objects.count() == 1


def test_disclosure_refused_when_the_service_did_not_allow_it(city, consented, soft_card):
    request, _ = signature_request_create(
        client=city.client,
        person=consented,
        given=given(disclose_name_allowed=False),
        idempotency_key="k1",
    )
    with pytest.raises(errors.DisclosureNotAllowed):
        sign(request, soft_card, disclose_name=True)


def test_the_person_signs_their_own_pdf(alice, soft_card):
    request = signature_request_own_create(person=alice, pdf=pdf_make(), title="Bail")
    assert request.client is None
    signed, _ = sign(request, soft_card)
    assert signed.status == SignatureRequestStatus.SIGNED
    assert not OidcClaimRelease.objects.exists()


def test_decline_cancel_and_expire(city, consented):
    endpoint_for(city.client)
    declined, _ = signature_request_create(
        client=city.client, person=consented, given=given(), idempotency_key="a"
    )
    signature_request_decline(request=declined, user=consented)
    cancelled, _ = signature_request_create(
        client=city.client, person=consented, given=given(), idempotency_key="b"
    )
    signature_request_cancel(request=cancelled, client=city.client)
    signature_request_cancel(request=cancelled, client=city.client)  # repeatable
    expiring, _ = signature_request_create(
        client=city.client, person=consented, given=given(), idempotency_key="c"
    )
    SignatureRequest.objects.filter(pk=expiring.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert signature_requests_expire() == 1
    statuses = dict(SignatureRequest.objects.values_list("idempotency_key", "status"))
    assert statuses == {"a": "declined", "b": "cancelled", "c": "expired"}
    events = sorted(ClientWebhookDelivery.objects.values_list("event_type", flat=True))
    assert events == [
        "signature_request.cancelled",
        "signature_request.declined",
        "signature_request.expired",
    ]


@pytest.mark.parametrize("pdf", [b"%PDF-1.7 garbage", b"GIF89a"])
def test_a_broken_pdf_is_refused(city, consented, pdf):
    with pytest.raises(errors.DocumentInvalid):
        signature_request_create(
            client=city.client, person=consented, given=given(pdf=pdf), idempotency_key="k"
        )


def test_a_pdf_over_the_limit_is_refused(city, consented, settings):
    settings.SIGNING_PDF_MAX_BYTES = 1000
    with pytest.raises(errors.DocumentTooLarge):
        signature_request_create(
            client=city.client, person=consented, given=given(), idempotency_key="k"
        )
