"""Queries per request on the provider's hot endpoints, so that a regression shows.

On PostgreSQL each token grant writes in one statement (no BEGIN or COMMIT); elsewhere
the same steps run in a transaction, which adds its own statements (savepoints here).
"""

import pytest
from django.db import connection

from identity.models import OidcAccessToken, OidcGrant, OidcRefreshToken, OidcSigningKey
from identity.oidc import keys
from identity.oidc.services import digest, membership_status_set, oidc_client_secret_reset
from identity.tests.oidc.conftest import access_token_for, refresh_token_for, token_post

pytestmark = pytest.mark.django_db

ALL_SCOPES = "openid profile email address phone age locale"
ON_POSTGRESQL = connection.vendor == "postgresql"


def test_client_credentials(http, confidential, django_assert_max_num_queries):
    _client, basic = confidential
    # The first request reads the client row; this process keeps a copy of it.
    with django_assert_max_num_queries(2 if ON_POSTGRESQL else 6):
        assert (
            token_post(http, basic, "grant_type=client_credentials&scope=openid").status_code == 200
        )
    # Then one statement that checks the copy and stores the grant and its access token.
    with django_assert_max_num_queries(1 if ON_POSTGRESQL else 5):
        response = token_post(http, basic, "grant_type=client_credentials&scope=openid")
    assert response.status_code == 200, response.content
    assert OidcAccessToken.objects.get(token_digest=digest(response.json()["access_token"]))


def test_refresh_token(http, confidential, alice, django_assert_max_num_queries):
    client, basic = confidential
    assert token_post(http, basic, "grant_type=client_credentials&scope=openid").status_code == 200
    refresh = refresh_token_for(client, alice, "openid profile")
    # With the client's copy in this process, on PostgreSQL: one statement that checks the
    # token, its person and the client, claims it and stores its successors. Elsewhere:
    # the token with its person and client, then the claim and the inserts.
    with django_assert_max_num_queries(1 if ON_POSTGRESQL else 6):
        response = token_post(http, basic, f"grant_type=refresh_token&refresh_token={refresh}")
    assert response.status_code == 200, response.content
    assert OidcRefreshToken.objects.get(token_digest=digest(refresh)).used_at is not None
    new = OidcRefreshToken.objects.get(token_digest=digest(response.json()["refresh_token"]))
    assert new.used_at is None


def test_refresh_token_reuse_still_revokes_the_grant(http, confidential, alice):
    client, basic = confidential
    refresh = refresh_token_for(client, alice, "openid")
    first = token_post(http, basic, f"grant_type=refresh_token&refresh_token={refresh}")
    assert first.status_code == 200
    again = token_post(http, basic, f"grant_type=refresh_token&refresh_token={refresh}")
    assert again.json()["error"] == "invalid_grant"
    assert OidcGrant.objects.get().revoked_at is not None
    assert not OidcAccessToken.objects.filter(revoked_at__isnull=True).exists()


@pytest.mark.parametrize("scope", ["openid", ALL_SCOPES])
def test_userinfo_is_one_query_whatever_the_scope(
    http, confidential, alice, scope, django_assert_max_num_queries
):
    client, _basic = confidential
    token = access_token_for(client, alice, scope)
    with django_assert_max_num_queries(1):
        response = http.get("/oidc/userinfo", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["sub"]
    if scope == ALL_SCOPES:
        assert response.json()["email"] == alice.email


def test_userinfo_membership_claims_cost_one_more_query(
    http, confidential, alice, django_assert_max_num_queries
):
    client, _basic = confidential
    membership_status_set(user=alice, is_member=True, category="consumer")
    token = access_token_for(client, alice, "openid membership")
    with django_assert_max_num_queries(2):
        response = http.get("/oidc/userinfo", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.json()["member"] is True


def test_discovery_needs_no_query(http, django_assert_num_queries):
    http.get("/.well-known/openid-configuration")
    with django_assert_num_queries(0):
        response = http.get("/.well-known/openid-configuration")
    assert response.json()["issuer"]


def test_jwks_is_served_from_memory_between_key_reads(http, django_assert_num_queries):
    keys.jwks_forget()
    http.get("/.well-known/jwks.json")  # reads the keys (and makes the first ones)
    with django_assert_num_queries(0):
        response = http.get("/.well-known/jwks.json")
    assert len(response.json()["keys"]) == 2
    keys.jwks_forget()
    with django_assert_num_queries(1):
        http.get("/.well-known/jwks.json")


def test_jwks_shows_a_staged_key_in_this_process_at_once(http):
    keys.jwks_forget()
    http.get("/.well-known/jwks.json")
    new = keys.signing_key_stage(alg="ES256")
    published = {key["kid"] for key in http.get("/.well-known/jwks.json").json()["keys"]}
    assert new.kid in published


def test_jwks_shows_a_key_staged_in_another_process_within_the_recheck_time(http, monkeypatch):
    keys.jwks_forget()
    clock = [1000.0]
    monkeypatch.setattr(keys, "monotonic", lambda: clock[0])
    http.get("/.well-known/jwks.json")
    # Another process stages a key: this process hears nothing of it.
    monkeypatch.setattr(keys, "jwks_forget", lambda: None)
    new = keys.signing_key_stage(alg="ES256")
    clock[0] += keys.JWKS_RECHECK_SECONDS
    published = {key["kid"] for key in http.get("/.well-known/jwks.json").json()["keys"]}
    assert new.kid in published
    assert OidcSigningKey.objects.filter(promoted_at__isnull=True).count() == 1


@pytest.mark.parametrize("grants", [1, 25])
def test_a_secret_reset_ends_every_grant_in_the_same_number_of_queries(
    http, confidential, alice, grants, django_assert_max_num_queries
):
    client, basic = confidential
    for _ in range(grants):
        token_post(http, basic, "grant_type=client_credentials&scope=openid")
    refresh_token_for(client, alice, "openid")
    # Five are the reset's audit event (its full_clean reads the content type and checks
    # the constraint); the count does not grow with the grants.
    with django_assert_max_num_queries(11):
        oidc_client_secret_reset(client=client)
    assert not OidcGrant.objects.filter(client=client, revoked_at__isnull=True).exists()
    assert not OidcAccessToken.objects.filter(client=client, revoked_at__isnull=True).exists()
    assert not OidcRefreshToken.objects.filter(client=client, revoked_at__isnull=True).exists()
