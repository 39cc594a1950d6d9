"""oidc_tokens_prune and its hourly task: what can no longer be used goes, nothing else."""

import secrets
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from identity.models import OidcAccessToken, OidcAuthorizationCode, OidcGrant, OidcRefreshToken
from identity.oidc.services import digest, oidc_client_create, oidc_tokens_prune
from identity.tasks import prune_oidc_tokens

pytestmark = pytest.mark.django_db

NOW = timezone.now()
HOUR = timedelta(hours=1)


@pytest.fixture
def client_():
    return oidc_client_create(
        name="Ville de Québec", redirect_uris=["https://rp.example/cb"]
    ).client


@pytest.fixture
def grant(client_, alice):
    """Make a grant, `age` old, with the tokens and code asked for."""

    def make(*, age=2 * 24 * HOUR, access=(), refresh=(), code=None) -> OidcGrant:
        made = OidcGrant.objects.create(
            client=client_, user=alice, scope="openid", created_at=NOW - age
        )
        issued = {"grant": made, "client": client_, "user": alice, "scope": "openid"}
        for model, states in ((OidcAccessToken, access), (OidcRefreshToken, refresh)):
            for state in states:
                secret = digest(secrets.token_urlsafe(16))
                model.objects.create(token_digest=secret, created_at=NOW - age, **issued, **state)
        if code is not None:
            OidcAuthorizationCode.objects.create(
                code_digest=digest(secrets.token_urlsafe(16)),
                redirect_uri="https://rp.example/cb",
                auth_time=NOW - age,
                created_at=NOW - age,
                expires_at=NOW - age + timedelta(seconds=60),
                used_at=NOW - age,
                **issued,
            )
        return made

    return make


LIVE = {"expires_at": NOW + HOUR}
EXPIRED = {"expires_at": NOW - timedelta(seconds=1)}
REVOKED = {"expires_at": NOW + HOUR, "revoked_at": NOW - HOUR}
USED = {"expires_at": NOW + HOUR, "used_at": NOW - HOUR}


def test_expired_and_revoked_tokens_go_live_and_used_ones_stay(grant):
    # A grant has one live refresh token at most: the others are its predecessors.
    kept = grant(access=[LIVE, EXPIRED, REVOKED], refresh=[USED, LIVE, REVOKED])
    grant(refresh=[EXPIRED])
    counts = oidc_tokens_prune(now=NOW)
    assert counts["access_tokens"] == 2
    assert counts["refresh_tokens"] == 2
    assert list(OidcAccessToken.objects.values_list("expires_at", "revoked_at")) == [
        (NOW + HOUR, None)
    ]
    # A used refresh token stays until it expires: presenting it again is a replay.
    assert sorted(
        OidcRefreshToken.objects.values_list("used_at", flat=True), key=lambda used: used is None
    ) == [NOW - HOUR, None]
    assert OidcGrant.objects.filter(pk=kept.pk).exists()


def test_a_grant_left_empty_goes_once_it_is_a_day_old(grant):
    emptied_old = grant(access=[EXPIRED])
    emptied_new = grant(age=HOUR, access=[EXPIRED])
    counts = oidc_tokens_prune(now=NOW)
    assert counts["grants"] == 1
    assert not OidcGrant.objects.filter(pk=emptied_old.pk).exists()
    assert OidcGrant.objects.filter(pk=emptied_new.pk).exists()


def test_a_code_is_kept_a_day_past_its_expiry_to_recognise_a_replay(grant):
    recent = grant(age=HOUR, code=True)
    old = grant(age=3 * 24 * HOUR, code=True)
    counts = oidc_tokens_prune(now=NOW)
    assert counts["codes"] == 1
    assert OidcAuthorizationCode.objects.filter(grant=recent).exists()
    assert not OidcGrant.objects.filter(pk=old.pk).exists()


def test_a_grant_holding_a_live_token_or_code_is_never_taken(grant):
    with_refresh = grant(refresh=[USED, LIVE])
    with_code = grant(age=HOUR * 2, code=True)
    oidc_tokens_prune(now=NOW)
    assert OidcGrant.objects.filter(pk__in=[with_refresh.pk, with_code.pk]).count() == 2


def test_it_deletes_in_batches_until_nothing_is_left(grant):
    for _ in range(7):
        grant(access=[EXPIRED, EXPIRED])
    counts = oidc_tokens_prune(now=NOW, batch=3)
    assert counts == {"access_tokens": 14, "refresh_tokens": 0, "codes": 0, "grants": 7}
    assert not OidcGrant.objects.exists()
    assert oidc_tokens_prune(now=NOW, batch=3) == dict.fromkeys(counts, 0)


def test_the_hourly_task_prunes(grant):
    grant(access=[EXPIRED])
    assert prune_oidc_tokens.delay().get()["access_tokens"] == 1
    schedule = settings.CELERY_BEAT_SCHEDULE["identity-prune-oidc-tokens"]
    assert schedule["task"] == "identity.tasks.prune_oidc_tokens"
