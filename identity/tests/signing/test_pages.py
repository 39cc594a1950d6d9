"""The person's signing pages: the request page, the JSON steps around the card agent
(with a software key standing in for the card), declining, the own-PDF upload and the
public verification page."""

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from identity.assurance import SESSION_ACR
from identity.models import SignatureRequest, SignatureRequestStatus
from identity.signing.services import signature_request_own_create
from identity.tests.signing.pdfs import pdf_make

pytestmark = pytest.mark.django_db


def signed_in(user, acr: str = "substantial") -> Client:
    browser = Client()
    browser.force_login(user)
    session = browser.session
    session[SESSION_ACR] = acr
    session.save()
    return browser


def post_json(browser: Client, url: str, payload: dict):
    return browser.post(url, json.dumps(payload), content_type="application/json")


@pytest.fixture
def own_request(alice) -> SignatureRequest:
    return signature_request_own_create(person=alice, pdf=pdf_make(), title="Bail 2027")


def test_the_request_page_shows_the_document_and_the_card_button(alice, own_request):
    response = signed_in(alice).get(reverse("signing:request", args=[own_request.public_id]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bail 2027" in page
    assert reverse("signing:document", args=[own_request.public_id]) in page
    assert 'sandbox="allow-same-origin"' in page
    assert 'id="signing-submit"' in page
    assert own_request.document_sha256 in page
    assert "identity/signing.js" in page


def test_a_password_session_is_sent_to_sign_in_again(alice, own_request):
    response = signed_in(alice, acr="low").get(
        reverse("signing:request", args=[own_request.public_id])
    )
    page = response.content.decode()
    assert 'id="signing-assurance"' in page
    assert 'id="signing-submit"' not in page


def test_another_person_gets_404(alice, make_user, own_request):
    bob = make_user("bob@example.com")
    for name in ("request", "document"):
        response = signed_in(bob).get(reverse(f"signing:{name}", args=[own_request.public_id]))
        assert response.status_code == 404
    response = post_json(
        signed_in(bob), reverse("signing:prepare", args=[own_request.public_id]), {}
    )
    assert response.status_code == 404


def test_the_document_frame_headers(alice, own_request):
    response = signed_in(alice).get(reverse("signing:document", args=[own_request.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == "inline"
    assert response.content.startswith(b"%PDF-")


def test_prepare_then_finish_signs(alice, soft_card, own_request):
    browser = signed_in(alice)
    certificate = soft_card.signing_certificate.public_bytes(serialization.Encoding.DER)
    prepared = post_json(
        browser,
        reverse("signing:prepare", args=[own_request.public_id]),
        {"certificate": base64.b64encode(certificate).decode()},
    )
    assert prepared.status_code == 200, prepared.content
    steps = prepared.json()
    assert steps["title"] == "Bail 2027"
    attributes = base64.b64decode(steps["signedAttributes"])
    assert len(base64.b64decode(steps["documentDigest"])) == 32
    finish = {
        "session": steps["session"],
        "signature": base64.b64encode(soft_card.sign(attributes)).decode(),
        "discloseName": True,
    }
    done = post_json(browser, reverse("signing:finish", args=[own_request.public_id]), finish)
    assert done.status_code == 200, done.content
    own_request.refresh_from_db()
    assert own_request.status == SignatureRequestStatus.SIGNED
    assert done.json()["redirect"] == reverse(
        "vault:document", args=[own_request.signed_document.public_id]
    )
    again = post_json(browser, reverse("signing:finish", args=[own_request.public_id]), finish)
    assert again.status_code == 200
    assert again.json()["redirect"] == done.json()["redirect"]


def test_prepare_refuses_a_password_session(alice, soft_card, own_request):
    certificate = soft_card.signing_certificate.public_bytes(serialization.Encoding.DER)
    response = post_json(
        signed_in(alice, acr="low"),
        reverse("signing:prepare", args=[own_request.public_id]),
        {"certificate": base64.b64encode(certificate).decode()},
    )
    assert response.status_code == 403
    assert response.json()["error"] == "signing_access_denied"


def test_prepare_refuses_another_certificate(
    alice, soft_card, soft_card_issue, make_user, own_request
):
    other = soft_card_issue(make_user("bob@example.com"))
    certificate = other.signing_certificate.public_bytes(serialization.Encoding.DER)
    response = post_json(
        signed_in(alice),
        reverse("signing:prepare", args=[own_request.public_id]),
        {"certificate": base64.b64encode(certificate).decode()},
    )
    assert response.status_code == 403
    assert response.json()["error"] == "certificate_not_signing"


def test_prepare_refuses_without_a_card(alice, own_request):
    response = post_json(
        signed_in(alice),
        reverse("signing:prepare", args=[own_request.public_id]),
        {"certificate": base64.b64encode(b"not a certificate").decode()},
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "payload", [{}, {"certificate": 5}, {"certificate": "%%%"}, {"session": "x", "signature": ""}]
)
def test_bad_json_bodies_are_4xx(alice, own_request, payload):
    browser = signed_in(alice)
    for name in ("prepare", "finish"):
        response = post_json(
            browser, reverse(f"signing:{name}", args=[own_request.public_id]), payload
        )
        assert 400 <= response.status_code < 500


def test_decline(alice, own_request):
    response = signed_in(alice).post(reverse("signing:decline", args=[own_request.public_id]))
    assert response.status_code == 302
    own_request.refresh_from_db()
    assert own_request.status == SignatureRequestStatus.DECLINED


def test_own_upload(alice):
    browser = signed_in(alice)
    assert browser.get(reverse("signing:own")).status_code == 200
    upload = SimpleUploadedFile("bail.pdf", pdf_make(), content_type="application/pdf")
    response = browser.post(reverse("signing:own"), {"title": "Bail", "document": upload})
    assert response.status_code == 302
    created = SignatureRequest.objects.get()
    assert response["Location"] == reverse("signing:request", args=[created.public_id])
    bad = SimpleUploadedFile("x.pdf", b"nope", content_type="application/pdf")
    response = browser.post(reverse("signing:own"), {"title": "X", "document": bad})
    assert response.status_code == 400


def test_the_verify_page(client, soft_card, own_request):
    assert client.get(reverse("signing:verify")).status_code == 200
    upload = SimpleUploadedFile("x.pdf", pdf_make(), content_type="application/pdf")
    response = client.post(reverse("signing:verify"), {"document": upload})
    assert response.status_code == 200
    assert 'id="verify-none"' in response.content.decode()
    bad = SimpleUploadedFile("x.pdf", b"nope", content_type="application/pdf")
    assert client.post(reverse("signing:verify"), {"document": bad}).status_code == 400
