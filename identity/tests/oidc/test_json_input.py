"""The `claims` authorization parameter: nested or oversized JSON is an invalid_request
sent back to the relying party, never a 500 (15,000 `[` raised RecursionError)."""

import json

import pytest
from django.test import Client

from identity.oidc.claims import CLAIMS_REQUEST_MAX_BYTES
from identity.tests.oidc.conftest import REDIRECT_URI, query_params

pytestmark = pytest.mark.django_db


@pytest.fixture
def http() -> Client:
    return Client(raise_request_exception=False)


def authorize_with_claims(http: Client, registered, claims: str):
    # POSTed (OIDC Core 3.1.2.1): a URL this long would not pass a front server.
    return http.post(
        "/oidc/authorize",
        {
            "client_id": registered.client_id,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": "openid",
            "state": "s1",
            "claims": claims,
        },
        secure=True,
    )


def refused_as_invalid_request(response) -> None:
    assert response.status_code == 302, response.content[:200]
    location = response["Location"]
    assert location.startswith(REDIRECT_URI)
    params = query_params(location)
    assert params["error"] == "invalid_request"
    assert params["state"] == "s1"


def test_deeply_nested_claims_are_an_invalid_request(http, register):
    refused_as_invalid_request(authorize_with_claims(http, register(), "[" * 15_000))


def test_deeply_nested_claims_object_is_an_invalid_request(http, register):
    claims = '{"id_token": {"email": ' + "[" * 5_000 + "]" * 5_000 + "}}"
    refused_as_invalid_request(authorize_with_claims(http, register(), claims))


def test_claims_over_the_size_limit_are_an_invalid_request(http, register):
    claims = json.dumps({"id_token": {"email": {"values": ["x" * CLAIMS_REQUEST_MAX_BYTES]}}})
    refused_as_invalid_request(authorize_with_claims(http, register(), claims))


@pytest.mark.django_db
def test_an_authorization_request_over_plain_http_is_a_400_not_a_500(client, monkeypatch):
    # Authlib refuses http outright (InsecureTransportError) when the transport is not
    # declared insecure: that refusal is an error page, like any other bad request.
    monkeypatch.delenv("AUTHLIB_INSECURE_TRANSPORT", raising=False)
    response = client.get("/oidc/authorize?response_type=code&client_id=x")
    assert response.status_code == 400
    assert b"insecure_transport" in response.content
