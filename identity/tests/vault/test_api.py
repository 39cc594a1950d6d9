"""GET /api/v1/vault/documents/<uuid>: a service reads a document shared with it, with a
client-credentials token from our token endpoint; every refusal a problem document."""

import base64
import datetime

import pytest
from django.test import Client
from django.utils import timezone

from identity.models import OidcConsent, VaultAccess, VaultAction, VaultActorKind
from identity.oidc.services import oidc_client_create
from identity.tests.oidc.conftest import access_token_for
from identity.tests.vault.conftest import MARKER
from identity.vault.services import vault_document_delete, vault_share_grant, vault_share_revoke

DAY = datetime.timedelta(days=1)


@pytest.fixture
def http() -> Client:
    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture
def service(alice):
    """A city service allowed the `vault` scope, which alice signed in to."""
    created = oidc_client_create(
        name="Ville de Québec",
        redirect_uris=["https://ville.example/cb"],
        allowed_scopes="openid profile vault",
    )
    OidcConsent.objects.create(user=alice, client=created.client, claims_granted=["vault"])
    basic = f"{created.client.client_id}:{created.client_secret}".encode()
    return created.client, "Basic " + base64.b64encode(basic).decode()


def client_token(http: Client, basic: str, scope: str = "vault") -> str:
    response = http.post(
        "/oidc/token",
        f"grant_type=client_credentials&scope={scope}",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic,
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def shared(alice, service, deposit):
    client, _basic = service
    document = deposit(content=b"%PDF-1.7 permit " + MARKER)
    share = vault_share_grant(
        document=document, client=client, expires_at=timezone.now() + 7 * DAY, acting_user=alice
    )
    return document, share


def read(http: Client, document, token: str | None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return http.get(f"/api/v1/vault/documents/{document.public_id}", **headers)


def assert_problem(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code


def test_a_service_reads_a_document_shared_with_it(http, service, shared):
    document, _share = shared
    response = read(http, document, client_token(http, service[1]))
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 permit " + MARKER
    assert response["Content-Type"] == "application/pdf"
    assert response["Uniqc-Document-Sha256"] == document.sha256
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    logged = VaultAccess.objects.filter(document=document).first()
    assert (logged.action, logged.actor_kind, logged.actor_client) == (
        VaultAction.DOWNLOAD,
        VaultActorKind.CLIENT,
        service[0],
    )


def test_a_persons_token_for_the_service_reads_too(http, alice, service, shared):
    document, _share = shared
    token = access_token_for(service[0], alice, "openid vault")
    assert read(http, document, token).status_code == 200


def test_without_a_token_401(http, shared):
    response = read(http, shared[0], None)
    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"


def test_an_unknown_token_401(http, shared):
    response = read(http, shared[0], "not-a-token")
    assert_problem(response, 401, "invalid_token")
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_an_overlong_token_401(http, shared):
    assert_problem(read(http, shared[0], "x" * 5000), 401, "invalid_token")


def test_a_token_without_the_vault_scope_403(http, service, shared):
    token = client_token(http, service[1], scope="openid")
    assert_problem(read(http, shared[0], token), 403, "insufficient_scope")


def test_an_unknown_document_404(http, service):
    token = client_token(http, service[1])
    response = http.get(
        "/api/v1/vault/documents/00000000-0000-4000-8000-000000000000",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert_problem(response, 404, "vault_document_not_found")


def test_a_document_not_shared_403(http, service, deposit):
    token = client_token(http, service[1])
    assert_problem(read(http, deposit(), token), 403, "vault_share_missing")


def test_a_revoked_share_403_at_once(http, alice, service, shared):
    document, share = shared
    token = client_token(http, service[1])
    assert read(http, document, token).status_code == 200
    vault_share_revoke(share=share, acting_user=alice)
    assert_problem(read(http, document, token), 403, "vault_share_missing")


def test_an_expired_share_403(http, service, shared, move_time):
    document, _share = shared
    move_time(7 * DAY + datetime.timedelta(seconds=1))
    token = client_token(http, service[1])
    assert_problem(read(http, document, token), 403, "vault_share_missing")


def test_a_deleted_document_403(http, alice, service, shared):
    document, _share = shared
    vault_document_delete(document=document, acting_user=alice)
    assert_problem(read(http, document, client_token(http, service[1])), 403, "vault_share_missing")


def test_another_services_token_403(http, alice, shared):
    other = oidc_client_create(
        name="Autre", redirect_uris=["https://autre.example/cb"], allowed_scopes="openid vault"
    ).client
    token = access_token_for(other, alice, "openid vault")
    assert_problem(read(http, shared[0], token), 403, "vault_share_missing")


def test_post_405(http, service, shared):
    token = client_token(http, service[1])
    response = http.post(
        f"/api/v1/vault/documents/{shared[0].public_id}", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert_problem(response, 405, "method_not_allowed")
