"""The signature-request API as a city's server uses it, and the verification endpoint."""

import base64
import hashlib
import json

import pytest
from django.test import Client

from identity.models import (
    OidcConsent,
    SignatureRequest,
    SignatureRequestStatus,
    VaultAccess,
    VaultAction,
)
from identity.oidc.subjects import subject_for
from identity.signing.services import signature_request_sign, signing_session_start
from identity.tests.signing.conftest import service_make
from identity.tests.signing.pdfs import pdf_make

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/signature-requests/"


def token(service, scope: str = "signature_requests") -> str:
    basic = base64.b64encode(f"{service.client.client_id}:{service.secret}".encode()).decode()
    response = Client(HTTP_HOST="127.0.0.1").post(
        "/oidc/token",
        f"grant_type=client_credentials&scope={scope}",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200, response.content
    return "Bearer " + response.json()["access_token"]


def body(person, service, **fields) -> dict:
    values = {
        "sub": subject_for(user=person, client=service.client),
        "title": "Permis de rénovation 2026-0412",
        "message": "Merci de signer.",
        "document": base64.b64encode(pdf_make()).decode(),
        "expires_in": 86400,
        "disclose_name_allowed": True,
    }
    values.update(fields)
    return values


def create(service, payload, *, key="k-1", bearer=None):
    return Client(HTTP_HOST="127.0.0.1").post(
        REQUESTS,
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=bearer or token(service),
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_create_read_sign_download(city, consented, soft_card):
    response = create(city, body(consented, city))
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "pending"
    assert created["sign_url"].endswith(f"/coffre/signatures/{created['id']}/")
    again = create(city, body(consented, city))
    assert again.status_code == 200
    assert again.json()["id"] == created["id"]
    assert again["Idempotent-Replayed"] == "true"

    bearer = token(city)
    read = Client(HTTP_HOST="127.0.0.1").get(REQUESTS + created["id"], HTTP_AUTHORIZATION=bearer)
    assert read.status_code == 200
    assert read.json()["status"] == "pending"
    early = Client(HTTP_HOST="127.0.0.1").get(
        REQUESTS + created["id"] + "/document", HTTP_AUTHORIZATION=bearer
    )
    assert early.status_code == 409
    assert early.json()["code"] == "not_signed"

    request = SignatureRequest.objects.get(public_id=created["id"])
    started = signing_session_start(
        request=request,
        user=consented,
        assurance="substantial",
        certificate=soft_card.signing_certificate,
    )
    signature_request_sign(
        request=request,
        user=consented,
        assurance="substantial",
        session_public_id=started.session.public_id,
        signature=soft_card.sign(started.signed_attributes),
        disclose_name=False,
    )
    read = Client(HTTP_HOST="127.0.0.1").get(REQUESTS + created["id"], HTTP_AUTHORIZATION=bearer)
    assert read.json()["status"] == "signed"
    assert read.json()["signed_at"]
    download = Client(HTTP_HOST="127.0.0.1").get(
        REQUESTS + created["id"] + "/document", HTTP_AUTHORIZATION=bearer
    )
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert VaultAccess.objects.filter(
        actor_client=city.client, action=VaultAction.DOWNLOAD
    ).exists()

    verified = Client(HTTP_HOST="127.0.0.1").post(
        "/api/v1/signatures/verify",
        download.content,
        content_type="application/pdf",
        HTTP_AUTHORIZATION=bearer,
    )
    assert verified.status_code == 200
    report = verified.json()["signatures"][0]
    assert report["valid"] is True
    assert report["level"] == "B-LT"
    assert report["signer"] == {"sub": subject_for(user=consented, client=city.client)}


def test_without_consent_403(city, alice):
    OidcConsent.objects.create(
        user=alice, client=city.client, claims_asked=["openid"], claims_granted=["openid"]
    )
    response = create(city, body(alice, city))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "consent_missing"


def test_an_unknown_sub_is_consent_missing(city, consented):
    response = create(city, body(consented, city, sub="nobody"))
    assert response.status_code == 403
    assert response.json()["code"] == "consent_missing"


def test_a_token_without_the_scope_is_refused(city, consented):
    response = create(city, body(consented, city), bearer=token(city, scope="openid"))
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"


def test_no_token_is_401():
    response = Client(HTTP_HOST="127.0.0.1").post(REQUESTS, "{}", content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_the_idempotency_key_is_required(city, consented):
    response = Client(HTTP_HOST="127.0.0.1").post(
        REQUESTS,
        json.dumps(body(consented, city)),
        content_type="application/json",
        HTTP_AUTHORIZATION=token(city),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"


def test_the_same_key_for_another_request_is_a_conflict(city, consented):
    assert create(city, body(consented, city)).status_code == 201
    response = create(city, body(consented, city, title="Autre"))
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"title": ""}, "title", "invalid"),
        ({"document": "%%%"}, "document", "invalid"),
        ({"document_sha256": "ab"}, "document", "document_or_digest"),
        ({"expires_in": 10}, "expires_in", "out_of_range"),
        ({"expires_in": 31 * 86400}, "expires_in", "out_of_range"),
        ({"disclose_name_allowed": "yes"}, "disclose_name_allowed", "invalid"),
        ({"colour": "blue"}, "colour", "unknown_field"),
    ],
)
def test_invalid_fields(city, consented, fields, field, code):
    response = create(city, body(consented, city, **fields))
    assert response.status_code == 400
    assert response.json()["error_codes"][field] == code


def test_a_digest_request(city, consented):
    payload = body(consented, city, document_sha256=hashlib.sha256(b"x").hexdigest())
    del payload["document"]
    response = create(city, payload)
    assert response.status_code == 201
    assert SignatureRequest.objects.get().mode == "cades_digest"


def test_a_broken_pdf_is_a_400(city, consented):
    payload = body(consented, city, document=base64.b64encode(b"%PDF-1.7 junk").decode())
    response = create(city, payload)
    assert response.status_code == 400
    assert response.json()["code"] == "document_invalid"


def test_another_client_cannot_read_or_cancel(city, consented):
    created = create(city, body(consented, city)).json()
    other = service_make("Ville de Lévis", "levis.example")
    bearer = token(other)
    for path in ("", "/document"):
        response = Client(HTTP_HOST="127.0.0.1").get(
            REQUESTS + created["id"] + path, HTTP_AUTHORIZATION=bearer
        )
        assert response.status_code == 404
        assert response.json()["code"] == "signature_request_not_found"
    response = Client(HTTP_HOST="127.0.0.1").post(
        REQUESTS + created["id"] + "/cancel", HTTP_AUTHORIZATION=bearer
    )
    assert response.status_code == 404


def test_cancel(city, consented):
    created = create(city, body(consented, city)).json()
    bearer = token(city)
    for _ in range(2):
        response = Client(HTTP_HOST="127.0.0.1").post(
            REQUESTS + created["id"] + "/cancel", HTTP_AUTHORIZATION=bearer
        )
        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
    assert SignatureRequest.objects.get().status == SignatureRequestStatus.CANCELLED


def test_anonymous_verification_and_its_rate_limit(settings):
    response = Client(HTTP_HOST="127.0.0.1").post(
        "/api/v1/signatures/verify", pdf_make(), content_type="application/pdf"
    )
    assert response.status_code == 200
    assert response.json() == {"signatures": []}
    garbage = Client(HTTP_HOST="127.0.0.1").post(
        "/api/v1/signatures/verify", b"junk", content_type="application/pdf"
    )
    assert garbage.status_code == 400
    assert garbage.json()["code"] == "document_invalid"
    wrong_type = Client(HTTP_HOST="127.0.0.1").post(
        "/api/v1/signatures/verify", b"{}", content_type="application/json"
    )
    assert wrong_type.status_code == 415


def test_verification_is_rate_limited_per_address(monkeypatch):
    from identity.ratelimit import RateLimit
    from identity.signing import api

    monkeypatch.setattr(api, "VERIFY_LIMIT", RateLimit("test-verify", limit=1, window=60))
    first = Client(HTTP_HOST="127.0.0.1").post(
        "/api/v1/signatures/verify", pdf_make(), content_type="application/pdf"
    )
    assert first.status_code == 200
    second = Client(HTTP_HOST="127.0.0.1").post(
        "/api/v1/signatures/verify", pdf_make(), content_type="application/pdf"
    )
    assert second.status_code == 429
    assert second.json()["code"] == "too_many_requests"


def test_a_bad_token_on_verify_is_401():
    response = Client(HTTP_HOST="127.0.0.1").post(
        "/api/v1/signatures/verify",
        pdf_make(),
        content_type="application/pdf",
        HTTP_AUTHORIZATION="Bearer nope",
    )
    assert response.status_code == 401


def test_too_large_is_413(settings):
    settings.SIGNING_PDF_MAX_BYTES = 100
    response = Client(HTTP_HOST="127.0.0.1").post(
        "/api/v1/signatures/verify", pdf_make(), content_type="application/pdf"
    )
    assert response.status_code == 413


def test_bodies_over_djangos_default_limit_are_read(city, consented, settings):
    # Django refuses request.body over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default);
    # our limits are 10 MB of PDF.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = create(city, body(consented, city))
    assert response.status_code == 201, response.content
    verified = Client(HTTP_HOST="127.0.0.1").post(
        "/api/v1/signatures/verify", pdf_make(), content_type="application/pdf"
    )
    assert verified.status_code == 200
