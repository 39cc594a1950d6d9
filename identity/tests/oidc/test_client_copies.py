"""The token endpoint's copies of clients (identity.oidc.clients): a change to a client,
made in this process or another, is never missed, and a copy found out of date stores
nothing before the request is answered again."""

import base64

import pytest
from django.db import connection

from identity.models import (
    OidcAccessToken,
    OidcAuthorizationCode,
    OidcClaimRelease,
    OidcClient,
    OidcGrant,
    OidcRefreshToken,
)
from identity.oidc import server
from identity.oidc.clients import ClientChanged
from identity.oidc.services import digest, oidc_client_secret_reset
from identity.tests.oidc.conftest import query_params, refresh_token_for, token_post

pytestmark = pytest.mark.django_db

CLIENT_CREDENTIALS = "grant_type=client_credentials&scope=openid"


def basic_auth(client: OidcClient, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client.client_id}:{secret}".encode()).decode()


@pytest.fixture
def copied(http, confidential):
    """A confidential client that this process holds a copy of: it has had a token."""
    client, basic = confidential
    assert token_post(http, basic, CLIENT_CREDENTIALS).status_code == 200
    return client, basic


def test_a_client_deactivated_elsewhere_gets_no_more_tokens(http, copied):
    client, basic = copied
    # Another process's change: nothing here hears of it.
    OidcClient.objects.filter(pk=client.pk).update(is_active=False)
    grants, tokens = OidcGrant.objects.count(), OidcAccessToken.objects.count()
    response = token_post(http, basic, CLIENT_CREDENTIALS)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert (OidcGrant.objects.count(), OidcAccessToken.objects.count()) == (grants, tokens)


def test_a_reset_secret_ends_the_old_one_at_once(http, copied):
    client, old_basic = copied
    new_secret = oidc_client_secret_reset(client=OidcClient.objects.get(pk=client.pk))
    refused = token_post(http, old_basic, CLIENT_CREDENTIALS)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    accepted = token_post(http, basic_auth(client, new_secret), CLIENT_CREDENTIALS)
    assert accepted.status_code == 200


def test_a_new_secret_works_at_once_after_a_reset(http, copied):
    client, old_basic = copied
    # The reset, as another process would make it: this process's copy has the old digest.
    new_secret = oidc_client_secret_reset(client=OidcClient.objects.get(pk=client.pk))
    accepted = token_post(http, basic_auth(client, new_secret), CLIENT_CREDENTIALS)
    assert accepted.status_code == 200, accepted.content
    refused = token_post(http, old_basic, CLIENT_CREDENTIALS)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    # The fresh read became this process's copy: the new secret costs no retry now.
    assert token_post(http, basic_auth(client, new_secret), CLIENT_CREDENTIALS).status_code == 200


def test_a_wrong_secret_is_refused_after_one_fresh_read(
    http, copied, django_assert_max_num_queries
):
    client, _basic = copied
    with django_assert_max_num_queries(1):
        refused = token_post(http, basic_auth(client, "not-the-secret"), CLIENT_CREDENTIALS)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"


def test_a_change_that_leaves_the_client_valid_costs_one_retry_and_stores_once(http, copied):
    client, basic = copied
    renamed = OidcClient.objects.get(pk=client.pk)
    renamed.name = "Ville de Québec — travaux publics"
    renamed.save()
    grants, tokens = OidcGrant.objects.count(), OidcAccessToken.objects.count()
    response = token_post(http, basic, CLIENT_CREDENTIALS)
    assert response.status_code == 200
    assert (OidcGrant.objects.count(), OidcAccessToken.objects.count()) == (grants + 1, tokens + 1)
    assert OidcAccessToken.objects.filter(
        token_digest=digest(response.json()["access_token"])
    ).exists()


def test_a_refresh_for_a_deactivated_client_neither_issues_nor_revokes(http, copied, alice):
    client, basic = copied
    refresh = refresh_token_for(client, alice, "openid")
    OidcClient.objects.filter(pk=client.pk).update(is_active=False)
    response = token_post(http, basic, f"grant_type=refresh_token&refresh_token={refresh}")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    row = OidcRefreshToken.objects.get(token_digest=digest(refresh))
    assert row.used_at is None
    assert row.grant.revoked_at is None


def test_a_refresh_after_a_harmless_change_rotates_once(http, copied, alice):
    client, basic = copied
    refresh = refresh_token_for(client, alice, "openid")
    OidcClient.objects.filter(pk=client.pk).update(logo_url="https://rp.example/logo.png")
    renamed = OidcClient.objects.get(pk=client.pk)
    renamed.save()  # moves updated_at
    response = token_post(http, basic, f"grant_type=refresh_token&refresh_token={refresh}")
    assert response.status_code == 200, response.content
    grant = OidcRefreshToken.objects.get(token_digest=digest(refresh)).grant
    assert grant.revoked_at is None
    assert grant.refresh_tokens.filter(used_at__isnull=True).count() == 1


def test_a_client_that_keeps_changing_during_the_request_is_refused(http, copied, monkeypatch):
    _client, basic = copied

    def always_changed(*, rows):
        raise ClientChanged(rows.client.client_id)

    monkeypatch.setattr(server, "tokens_store_for_client", always_changed)
    tokens = OidcAccessToken.objects.count()
    response = token_post(http, basic, CLIENT_CREDENTIALS)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert OidcAccessToken.objects.count() == tokens


@pytest.mark.django_db(transaction=True)
def test_a_code_redeemed_after_a_client_change_is_redeemed_once(provider, register, alice):
    registered = register()
    auth = registered.basic_auth
    warm = provider.token_request({"grant_type": "client_credentials"}, auth=auth)
    assert warm.status_code == 200
    provider.sign_in()
    url = provider.authorization_url(registered, response_type="code", scope="openid")
    code = query_params(provider.visit(url))["code"]
    client = OidcClient.objects.get(pk=registered.client.pk)
    client.terms_url = "https://rp.example/conditions"
    client.save()

    response = provider.redeem(registered, code)
    assert response.status_code == 200, response.content
    stored = OidcAuthorizationCode.objects.get(code_digest=digest(code))
    assert stored.used_at is not None
    assert OidcClaimRelease.objects.filter(client=client).count() == 1
    assert stored.grant.access_tokens.count() == 1
    assert stored.grant.refresh_tokens.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_token_statements_are_prepared_once_per_connection(http, copied):
    _client, basic = copied
    for _ in range(3):
        assert token_post(http, basic, CLIENT_CREDENTIALS).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements"
            " WHERE statement LIKE '%%INSERT INTO identity_oidcgrant%%'"
        )
        assert cursor.fetchone()[0] == 1
