"""Card sign-in refuses nested or oversized JSON with its own 400, never a 500.

`json.loads` recurses once per nesting level: 15,000 `[` raised RecursionError (a 500)
before any check of ours ran, in the request body and in the token inside it.
"""

import json

import pytest
from django.test import Client

from identity.card.views import TOKEN_REQUEST_MAX_BYTES
from identity.tests.card.test_sign_in import NONCE_URL, TOKEN_URL

pytestmark = pytest.mark.django_db

DEEP = "[" * 15_000


@pytest.fixture
def http() -> Client:
    """A client that answers a crash with the 500 a browser would get."""
    return Client(raise_request_exception=False)


def refused_as_token_invalid(response) -> None:
    assert response.status_code == 400, response.content[:200]
    assert response.json()["error"] == "token_invalid"


def test_deeply_nested_body_is_refused(http):
    http.post(NONCE_URL)
    refused_as_token_invalid(http.post(TOKEN_URL, DEEP, content_type="application/json"))


def test_deeply_nested_token_object_is_refused(http):
    http.post(NONCE_URL)
    body = '{"token": ' + "[" * 5_000 + "]" * 5_000 + "}"
    refused_as_token_invalid(http.post(TOKEN_URL, body, content_type="application/json"))


def test_deeply_nested_token_text_is_refused(http):
    # The token is a JSON text inside the body: only its own parse meets the nesting.
    http.post(NONCE_URL)
    body = json.dumps({"token": "[" * 9_000})
    refused_as_token_invalid(http.post(TOKEN_URL, body, content_type="application/json"))


def test_deeply_nested_form_token_is_refused(http):
    http.post(NONCE_URL)
    refused_as_token_invalid(http.post(TOKEN_URL, {"token": "[" * 9_000}))


def test_body_over_the_size_limit_is_refused(http):
    http.post(NONCE_URL)
    body = json.dumps({"token": "x" * TOKEN_REQUEST_MAX_BYTES})
    refused_as_token_invalid(http.post(TOKEN_URL, body, content_type="application/json"))
