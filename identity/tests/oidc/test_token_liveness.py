"""When a token is dead: its grant revoked, its person or its client deactivated. Userinfo,
introspection and the refresh grant all say so (identity.oidc.token_store)."""

import base64

import pytest
from django.utils import timezone

from identity.models import OidcAccessToken, OidcClient, OidcGrant, OidcRefreshToken, User
from identity.oidc.services import digest, oidc_client_create, oidc_grant_revoke
from identity.oidc.token_store import TokenRows, tokens_store
from identity.tests.oidc.conftest import access_token_for, refresh_token_for, token_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def resource_server():
    """An internal service that introspects any token (a resource server)."""
    created = oidc_client_create(
        name="Registre municipal", redirect_uris=["https://rs.example/cb"], is_internal=True
    )
    basic = f"{created.client.client_id}:{created.client_secret}".encode()
    return "Basic " + base64.b64encode(basic).decode()


def userinfo(http, token: str):
    return http.get("/oidc/userinfo", HTTP_AUTHORIZATION=f"Bearer {token}")


def introspect(http, basic: str, token: str) -> dict:
    response = http.post(
        "/oidc/introspect",
        f"token={token}",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic,
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_a_live_token_is_served(http, confidential, alice, resource_server):
    client, basic = confidential
    token = access_token_for(client, alice, "openid")
    assert userinfo(http, token).status_code == 200
    assert introspect(http, basic, token)["active"] is True
    assert introspect(http, resource_server, token)["active"] is True


def test_userinfo_refuses_the_token_of_a_deactivated_person(http, confidential, alice):
    client, _basic = confidential
    token = access_token_for(client, alice, "openid email")
    User.objects.filter(pk=alice.pk).update(is_active=False)
    response = userinfo(http, token)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_token"}


def test_introspection_says_inactive_for_a_deactivated_person(http, confidential, alice):
    client, basic = confidential
    token = access_token_for(client, alice, "openid")
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert introspect(http, basic, token) == {"active": False}


def test_userinfo_refuses_the_token_of_a_deactivated_client(http, confidential, alice):
    client, _basic = confidential
    token = access_token_for(client, alice, "openid email")
    OidcClient.objects.filter(pk=client.pk).update(is_active=False)
    assert userinfo(http, token).status_code == 401


def test_introspection_says_inactive_for_a_deactivated_client(
    http, confidential, alice, resource_server
):
    client, _basic = confidential
    token = access_token_for(client, alice, "openid")
    OidcClient.objects.filter(pk=client.pk).update(is_active=False)
    assert introspect(http, resource_server, token) == {"active": False}


def _leftover_of_a_revoked_grant(client, alice) -> tuple[str, str, OidcGrant]:
    """An access and a refresh token left live under a grant already revoked, as a
    revocation racing a rotation could leave them before the grant was the truth."""
    access = access_token_for(client, alice, "openid")
    refresh = refresh_token_for(client, alice, "openid")
    grant = OidcAccessToken.objects.get(token_digest=digest(access)).grant
    OidcRefreshToken.objects.filter(token_digest=digest(refresh)).update(grant=grant)
    OidcGrant.objects.filter(pk=grant.pk).update(revoked_at=timezone.now())
    return access, refresh, grant


def test_a_token_of_a_revoked_grant_is_dead_everywhere(http, confidential, alice):
    client, basic = confidential
    access, refresh, _grant = _leftover_of_a_revoked_grant(client, alice)
    assert userinfo(http, access).status_code == 401
    assert introspect(http, basic, access) == {"active": False}
    assert introspect(http, basic, refresh) == {"active": False}
    response = token_post(http, basic, f"grant_type=refresh_token&refresh_token={refresh}")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    # Presenting it ended what the grant had left.
    assert not OidcAccessToken.objects.filter(revoked_at__isnull=True).exists()
    assert not OidcRefreshToken.objects.filter(revoked_at__isnull=True).exists()


def test_revoking_again_ends_the_live_tokens_of_a_revoked_grant(confidential, alice):
    client, _basic = confidential
    _access, _refresh, grant = _leftover_of_a_revoked_grant(client, alice)
    revoked_at = OidcGrant.objects.get(pk=grant.pk).revoked_at
    oidc_grant_revoke(grant=grant)
    assert OidcGrant.objects.get(pk=grant.pk).revoked_at == revoked_at
    assert not OidcAccessToken.objects.filter(revoked_at__isnull=True).exists()
    assert not OidcRefreshToken.objects.filter(revoked_at__isnull=True).exists()


def test_a_code_grants_tokens_are_not_stored_under_a_revoked_grant(confidential, alice):
    client, _basic = confidential
    grant = OidcGrant.objects.create(client=client, user=alice, scope="openid")
    oidc_grant_revoke(grant=grant)
    token = {"access_token": "a" * 43, "refresh_token": "r" * 43, "expires_in": 3600}
    rows = TokenRows.issued_now(token, client=client, user_id=alice.pk)
    assert tokens_store(grant_id=grant.pk, rows=rows) is False
    assert not OidcAccessToken.objects.exists()
    assert not OidcRefreshToken.objects.exists()
    live = OidcGrant.objects.create(client=client, user=alice, scope="openid")
    assert tokens_store(grant_id=live.pk, rows=rows) is True
    assert OidcAccessToken.objects.get().grant_id == live.pk
    assert OidcRefreshToken.objects.get().grant_id == live.pk
