"""The refresh grant's answers, the same whether one statement rotated the token
(PostgreSQL) or the general path did."""

from datetime import timedelta

import pytest
from django.utils import timezone

from identity.models import OidcAccessToken, OidcRefreshToken
from identity.oidc.services import digest
from identity.tests.oidc.conftest import refresh_token_for, token_post

pytestmark = pytest.mark.django_db


def refresh(http, basic, token: str, **extra: str):
    body = f"grant_type=refresh_token&refresh_token={token}"
    body += "".join(f"&{name}={value}" for name, value in extra.items())
    return token_post(http, basic, body)


def live_tokens() -> tuple[int, int]:
    return (
        OidcAccessToken.objects.filter(revoked_at__isnull=True).count(),
        OidcRefreshToken.objects.filter(used_at__isnull=True, revoked_at__isnull=True).count(),
    )


def test_a_rotation_answers_with_the_tokens_it_stored(http, confidential, alice):
    client, basic = confidential
    token = refresh_token_for(client, alice, "openid profile")
    response = refresh(http, basic, token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "openid profile"
    assert body["expires_in"] == 3600
    access = OidcAccessToken.objects.get(token_digest=digest(body["access_token"]))
    successor = OidcRefreshToken.objects.get(token_digest=digest(body["refresh_token"]))
    presented = OidcRefreshToken.objects.get(token_digest=digest(token))
    assert access.grant_id == successor.grant_id == presented.grant_id
    assert (access.user_id, successor.user_id) == (alice.pk, alice.pk)
    assert access.scope == successor.scope == "openid profile"
    assert presented.used_at is not None
    assert successor.used_at is None


def test_a_narrower_scope_is_granted_and_a_wider_one_refused(http, confidential, alice):
    client, basic = confidential
    wide = refresh_token_for(client, alice, "openid profile")
    narrowed = refresh(http, basic, wide, scope="openid")
    assert narrowed.status_code == 200, narrowed.content
    assert narrowed.json()["scope"] == "openid"
    token = refresh_token_for(client, alice, "openid")
    widened = refresh(http, basic, token, scope="openid%20email")
    assert widened.json()["error"] == "invalid_scope"
    assert OidcRefreshToken.objects.get(token_digest=digest(token)).used_at is None


def test_an_expired_token_is_invalid_grant_and_its_grant_lives_on(http, confidential, alice):
    client, basic = confidential
    token = refresh_token_for(client, alice, "openid")
    OidcRefreshToken.objects.filter(token_digest=digest(token)).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    before = live_tokens()
    response = refresh(http, basic, token)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert live_tokens() == before
    assert OidcRefreshToken.objects.get(token_digest=digest(token)).grant.revoked_at is None


def test_a_token_of_a_person_no_longer_active_is_not_rotated(http, confidential, alice):
    client, basic = confidential
    token = refresh_token_for(client, alice, "openid")
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    before = live_tokens()
    response = refresh(http, basic, token)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert live_tokens() == before


def test_an_unknown_or_missing_token_is_refused(http, confidential):
    _client, basic = confidential
    assert refresh(http, basic, "not-a-token").json()["error"] == "invalid_grant"
    missing = token_post(http, basic, "grant_type=refresh_token")
    assert missing.json()["error"] == "invalid_request"
