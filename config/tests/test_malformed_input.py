"""Malformed input from outside is a 400, never a 500 (issue 8, the hunt for siblings).

PostgreSQL refuses a NUL character in any text (DataError): on SQLite, the embedded
default, these requests looked harmless, and on PostgreSQL each was a 500. Each test
below was a 500 there, or on both.
"""

import base64

import pytest
from django.test import Client
from django.urls import reverse

from core.jsonin import JsonInputError, json_parse
from identity.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def http() -> Client:
    """A client that answers a crash with the 500 a browser would get."""
    return Client(raise_request_exception=False)


def refused_for_nul(response) -> None:
    assert response.status_code == 400, response.content[:300]
    assert response.content == b"NUL character in the request."


def test_a_nul_in_the_authorization_requests_client_id_is_a_400(http):
    refused_for_nul(http.get(reverse("oidc:authorize"), {"client_id": "\x00"}, secure=True))


@pytest.mark.parametrize("content_type", ["urlencoded", "multipart"])
def test_a_nul_in_a_posted_client_id_is_a_400(http, content_type):
    """Authlib reads request.POST, whatever the body's encoding."""
    data = {"client_id": "a\x00b", "token": "x"}
    if content_type == "urlencoded":
        response = http.post(
            reverse("oidc:revoke"),
            "client_id=a%00b&token=x",
            content_type="application/x-www-form-urlencoded",
            secure=True,
        )
    else:
        response = http.post(reverse("oidc:revoke"), data, secure=True)
    refused_for_nul(response)


def test_a_nul_in_the_logout_requests_client_id_is_a_400(http):
    refused_for_nul(http.get(reverse("oidc:end_session"), {"client_id": "\x00"}, secure=True))


def test_a_nul_in_the_registrars_search_is_a_400(http, make_person, sign_in_at):
    sign_in_at(http, make_person("registrar@example.ca", Role.REGISTRAR), "high")
    refused_for_nul(http.get(reverse("card:registrar"), {"q": "tr\x00mblay"}))


def test_a_nul_in_the_path_is_a_400(http, make_person):
    http.force_login(make_person("alice@example.ca", Role.SHOPPER))
    url = reverse("identity:connected_service_revoke", args=["client"]).replace("client", "a%00b")
    refused_for_nul(http.post(url, {"confirm": "yes"}))


def test_a_json_endpoint_still_reads_a_small_multipart_body(http):
    """The check keeps the body in memory before parsing the form: a view that reads
    request.body afterwards still can (it answers its own 400, not a 500)."""
    http.post(reverse("card_login:nonce"))
    response = http.post(reverse("card_login:token"), {"token": "[" * 50})
    assert response.status_code == 400
    assert response.json()["error"] == "token_invalid"


@pytest.mark.parametrize("text", ['{"a": "\\u0000"}', '{"\\u0000": 1}', '{"a": ["x\\u0000y"]}'])
def test_json_with_a_nul_in_a_string_is_refused(text):
    with pytest.raises(JsonInputError) as refused:
        json_parse(text, max_bytes=1_000)
    assert refused.value.code == "json_invalid"


def test_json_with_an_escaped_backslash_before_u0000_is_read():
    assert json_parse('{"a": "\\\\u0000"}', max_bytes=1_000) == {"a": "\\u0000"}


@pytest.mark.parametrize("response_type", ["é", 'co"de', "code\\"])
def test_a_response_type_outside_printable_ascii_is_a_400(http, response_type):
    """Authlib quoted it in an error description, which must be printable ASCII: a 500."""
    response = http.get(
        reverse("oidc:authorize"),
        {"response_type": response_type, "client_id": "nobody", "scope": "openid"},
        secure=True,
    )
    assert response.status_code == 400
    assert b"invalid_request" in response.content


@pytest.mark.parametrize("path", ["oidc:token", "oidc:introspect", "oidc:revoke"])
@pytest.mark.parametrize("client_id", ["a\x00b", "a%00b"])
def test_a_nul_in_basic_client_credentials_is_a_400(http, path, client_id):
    """Authlib form-decodes the client id of Basic credentials, then looks it up."""
    credentials = base64.b64encode(f"{client_id}:secret".encode()).decode()
    response = http.post(
        reverse(path),
        "grant_type=client_credentials&token=x",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Basic {credentials}",
        secure=True,
    )
    refused_for_nul(response)


def test_basic_credentials_without_nul_reach_the_endpoint(http):
    credentials = base64.b64encode(b"nobody:secret").decode()
    response = http.post(
        reverse("oidc:token"),
        "grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Basic {credentials}",
        secure=True,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
