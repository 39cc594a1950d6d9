"""Two token requests racing with one code or one refresh token, on PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import requests
from django.utils import timezone

from identity.models import OidcAccessToken, OidcGrant, OidcRefreshToken
from identity.oidc import server as server_module
from identity.oidc import token_store
from identity.tests.oidc.conftest import query_params

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def both_read_before_either_writes(monkeypatch, postgresql_only):
    """Arm: hold each token request after it has read the code or refresh token row, until
    the other has read it too; only the conditional UPDATE can then tell them apart."""

    def arm() -> None:
        barrier = threading.Barrier(2, timeout=10)
        state = threading.local()

        def now() -> object:
            # The first clock reading of a token request follows its read of the row.
            if not getattr(state, "waited", False):
                state.waited = True
                barrier.wait()
            return timezone.now()

        for module in (server_module, token_store):
            monkeypatch.setattr(module, "timezone", SimpleNamespace(now=now))

    return arm


def race(post) -> list[requests.Response]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda _n: post(), range(2)))


def test_one_code_redeemed_twice_at_once(provider, register, alice, both_read_before_either_writes):
    registered = register()
    provider.sign_in()
    url = provider.authorization_url(registered, response_type="code", scope="openid")
    code = query_params(provider.visit(url))["code"]
    both_read_before_either_writes()

    responses = race(lambda: provider.redeem(registered, code, timeout=15))

    assert sorted(response.status_code for response in responses) == [200, 400]
    assert OidcGrant.objects.get().revoked_at is not None
    assert not OidcAccessToken.objects.filter(revoked_at__isnull=True).exists()
    assert not OidcRefreshToken.objects.filter(revoked_at__isnull=True).exists()


def test_one_refresh_token_used_twice_at_once(
    provider, register, alice, both_read_before_either_writes
):
    registered = register()
    provider.sign_in()
    url = provider.authorization_url(registered, response_type="code", scope="openid")
    token = provider.redeem(
        registered, query_params(provider.visit(url))["code"], timeout=15
    ).json()
    both_read_before_either_writes()

    responses = race(
        lambda: provider.token_request(
            {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
            auth=registered.basic_auth,
            timeout=15,
        )
    )

    assert sorted(response.status_code for response in responses) == [200, 400]
    assert OidcGrant.objects.get().revoked_at is not None
    assert not OidcAccessToken.objects.filter(revoked_at__isnull=True).exists()
    assert not OidcRefreshToken.objects.filter(revoked_at__isnull=True).exists()
