"""Fixtures of the JSON API's tests: a phone app registered with our OpenID Connect
provider, and its access tokens as the provider stores them (identity's token tables,
as identity's own tests make them)."""

import secrets
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from identity.models import OidcAccessToken, OidcAuthorizationCode, OidcClient, OidcGrant, User
from identity.oidc.services import digest, oidc_client_create
from identity.services import user_create

# The provider as a relying party finds it, for the tests of the real code flow.
from identity.tests.oidc.conftest import provider, register  # noqa: F401

PASSWORD = "correct horse battery staple"
APP_REDIRECT_URI = "https://app.example/callback"


@pytest.fixture(autouse=True)
def _throttles_empty() -> None:
    """The API's request counts live in the cache; each test starts with none spent."""
    cache.clear()


@pytest.fixture
def shopper(db) -> User:
    return user_create(
        email="lea@example.com", password=PASSWORD, given_name="Léa", family_name="Roy"
    )


@pytest.fixture
def phone_app(db) -> OidcClient:
    """The coop's phone app: a public client allowed the marketplace scope."""
    created = oidc_client_create(
        name="Uniqc mobile",
        redirect_uris=[APP_REDIRECT_URI],
        is_public=True,
        allowed_scopes="openid profile marketplace",
    )
    return created.client


def bearer_token(
    *,
    client: OidcClient,
    user: User | None,
    scope: str = "openid marketplace",
    acr: str | None = "low",
    signed_in_ago: timedelta = timedelta(minutes=1),
    expires_in: timedelta = timedelta(hours=1),
) -> str:
    """A live access token under a grant of its own, issued after a sign-in at `acr`
    (`signed_in_ago`; its authorization code as the provider keeps it; None: no code, as
    after pruning or for a client-credentials token). The token itself."""
    now = timezone.now()
    grant = OidcGrant.objects.create(client=client, user=user, scope=scope)
    if acr is not None and user is not None:
        signed_in_at = now - signed_in_ago
        OidcAuthorizationCode.objects.create(
            code_digest=digest(secrets.token_urlsafe(32)),
            grant=grant,
            client=client,
            user=user,
            redirect_uri=APP_REDIRECT_URI,
            scope=scope,
            acr=acr,
            amr=["pwd"],
            auth_time=signed_in_at,
            created_at=signed_in_at,
            expires_at=signed_in_at + timedelta(seconds=60),
            used_at=signed_in_at + timedelta(seconds=2),
        )
    token = secrets.token_urlsafe(32)
    OidcAccessToken.objects.create(
        token_digest=digest(token),
        grant=grant,
        client=client,
        user=user,
        scope=scope,
        created_at=now,
        expires_at=now + expires_in,
    )
    return token


def bearer(token: str) -> dict[str, str]:
    """The test client's keyword for the Authorization header."""
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def api() -> Client:
    """A program's client: asks for JSON, keeps no CSRF exemption."""
    return Client(HTTP_ACCEPT="application/json", enforce_csrf_checks=True)
