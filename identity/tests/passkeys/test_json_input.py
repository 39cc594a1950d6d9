"""Passkey registration and sign-in refuse nested or oversized JSON with their own 4xx,
never a 500 (15,000 `[` raised RecursionError in `json.loads`)."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from identity.passkeys.views import CREDENTIAL_REQUEST_MAX_BYTES
from identity.tests.passkeys.conftest import session_client

pytestmark = pytest.mark.django_db

REGISTER_OPTIONS = reverse("identity:passkeys:register_options")
REGISTER = reverse("identity:passkeys:register")
SIGN_IN_OPTIONS = reverse("identity:passkeys:sign_in_options")
SIGN_IN = reverse("identity:passkeys:sign_in")
DEEP = "[" * 15_000
OVERSIZED = json.dumps({"name": "x", "credential": {"id": "x" * CREDENTIAL_REQUEST_MAX_BYTES}})


@pytest.fixture
def card_client(alice, card) -> Client:
    client = session_client(alice, acr="high", card=card)
    client.raise_request_exception = False
    client.post(REGISTER_OPTIONS)
    return client


@pytest.fixture
def http() -> Client:
    client = Client(raise_request_exception=False)
    client.post(SIGN_IN_OPTIONS)
    return client


def refused(response, code: str, status: int = 400) -> None:
    assert response.status_code == status, response.content[:200]
    assert response.json()["error"] == code


def test_registration_refuses_a_deeply_nested_body(card_client):
    response = card_client.post(REGISTER, DEEP, content_type="application/json")
    refused(response, "registration_invalid")


def test_registration_refuses_a_deeply_nested_credential_text(card_client):
    body = json.dumps({"name": "Mon portable", "credential": DEEP})
    response = card_client.post(REGISTER, body, content_type="application/json")
    refused(response, "registration_invalid")


def test_registration_refuses_a_body_over_the_size_limit(card_client):
    response = card_client.post(REGISTER, OVERSIZED, content_type="application/json")
    refused(response, "registration_invalid")


def test_sign_in_refuses_a_deeply_nested_body(http):
    response = http.post(SIGN_IN, DEEP, content_type="application/json")
    refused(response, "sign_in_request_invalid")


def test_sign_in_refuses_a_deeply_nested_credential_text(http):
    body = json.dumps({"credential": DEEP})
    response = http.post(SIGN_IN, body, content_type="application/json")
    refused(response, "assertion_invalid", 401)


def test_sign_in_refuses_a_body_over_the_size_limit(http):
    response = http.post(SIGN_IN, OVERSIZED, content_type="application/json")
    refused(response, "sign_in_request_invalid")


def test_an_assertion_with_a_member_that_is_not_base64url_is_refused_not_a_500(http):
    """Found by the authentication fuzzer: a one-character userHandle made webauthn's
    base64url decoder raise binascii.Error, a 500."""
    credential = {
        "id": "AAAA",
        "rawId": "AAAA",
        "type": "public-key",
        "response": {
            "clientDataJSON": "e30",
            "authenticatorData": "AAAA",
            "signature": "AAAA",
            "userHandle": "0",
        },
    }
    body = json.dumps({"credential": credential})
    response = http.post(SIGN_IN, body, content_type="application/json")
    refused(response, "assertion_invalid", status=401)
