"""Discovery, the JWKS and staged signing-key rotation (finding 11: a new key is published
at least one JWKS cache lifetime before it signs)."""

from datetime import timedelta
from io import StringIO

import pytest
import requests
from django.core.management import call_command
from joserfc import jws

from identity.errors import SigningKeyNotStaged, SigningKeyPromotionTooEarly
from identity.models import OidcSigningKey
from identity.oidc import keys

pytestmark = pytest.mark.django_db(transaction=True)


def test_discovery_describes_the_provider(provider):
    config = provider.config
    assert config["issuer"] == provider.base_url
    assert config["jwks_uri"] == provider.base_url + "/.well-known/jwks.json"
    assert "openid" in config["scopes_supported"]
    assert {"age", "membership", "locale"} <= set(config["scopes_supported"])
    assert config["response_types_supported"] == ["code"]
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert config["id_token_signing_alg_values_supported"] == ["ES256", "RS256"]
    assert config["acr_values_supported"] == ["low", "substantial", "high"]
    assert config["authorization_response_iss_parameter_supported"] is True
    assert config["subject_types_supported"] == ["pairwise", "public"]
    assert config["claims_parameter_supported"] is True
    for name in ("end_session_endpoint", "introspection_endpoint", "revocation_endpoint"):
        assert config[name].startswith(provider.base_url)


def test_jwks_publishes_one_key_per_algorithm_and_is_cacheable(provider):
    response = requests.get(provider.config["jwks_uri"], timeout=5)
    assert "max-age" in response.headers["Cache-Control"]
    keys = response.json()["keys"]
    assert sorted(key["alg"] for key in keys) == ["ES256", "RS256"]
    assert all("d" not in key for key in keys)


def kid_of(token: dict) -> str:
    return jws.extract_compact(token["id_token"].encode()).protected["kid"]


def published_kids(provider) -> set[str]:
    return {
        key["kid"] for key in requests.get(provider.config["jwks_uri"], timeout=5).json()["keys"]
    }


def stage_long_enough_ago(alg: str) -> OidcSigningKey:
    staged = keys.signing_key_stage(alg=alg)
    staged.created_at -= keys.SIGNING_KEY_STAGED_FOR
    staged.save(update_fields=["created_at"])
    return staged


def test_a_staged_key_is_published_at_once_but_does_not_sign(provider, register, alice):
    provider.sign_in()
    registered = register()
    before, _ = provider.code_flow(registered)

    call_command("oidc_keys", "stage", "--alg", "ES256", stdout=StringIO())

    staged = OidcSigningKey.objects.get(alg="ES256", promoted_at__isnull=True)
    assert staged.kid in published_kids(provider)
    after, _ = provider.code_flow(registered)
    assert kid_of(after) == kid_of(before) != staged.kid


def test_promotion_before_the_jwks_cache_lifetime_has_passed_is_refused(provider):
    staged = keys.signing_key_stage(alg="ES256")
    early = keys.signing_key_promotion_due(staged) - timedelta(seconds=1)
    assert keys.signing_key_promotion_due(staged) - staged.created_at >= timedelta(
        seconds=keys.JWKS_MAX_AGE_SECONDS
    )
    with pytest.raises(SigningKeyPromotionTooEarly):
        keys.signing_key_promote(alg="ES256", now=early)
    assert OidcSigningKey.objects.get(pk=staged.pk).promoted_at is None
    # The JWKS tells relying parties to cache it no longer than the staging delay covers.
    response = requests.get(provider.config["jwks_uri"], timeout=5)
    assert f"max-age={keys.JWKS_MAX_AGE_SECONDS}" in response.headers["Cache-Control"]


def test_promotion_without_a_staged_key_is_refused(provider):
    keys.signing_key_active("ES256")
    with pytest.raises(SigningKeyNotStaged):
        keys.signing_key_promote(alg="ES256")


def test_after_promotion_the_new_key_signs_and_the_old_stays_published_until_not_after(
    provider, register, alice
):
    provider.sign_in()
    registered = register()
    before, _ = provider.code_flow(registered)
    old_kid = kid_of(before)
    staged = stage_long_enough_ago("ES256")

    call_command("oidc_keys", "promote", "--alg", "ES256", stdout=StringIO())

    after, _ = provider.code_flow(registered)
    assert kid_of(after) == staged.kid
    assert {old_kid, staged.kid} <= published_kids(provider)
    # The token signed before the promotion still verifies against the published JWKS.
    assert provider.id_token_claims(before["id_token"])["sub"]
    retired = OidcSigningKey.objects.get(kid=old_kid)
    assert retired.not_after >= retired.retired_at + timedelta(
        seconds=keys.ID_TOKEN_LIFETIME_SECONDS
    )
    # Published until not_after, then gone; `retire` deletes it.
    keys.jwks_forget()
    OidcSigningKey.objects.filter(pk=retired.pk).update(not_after="2000-01-01T00:00Z")
    assert old_kid not in published_kids(provider)
    call_command("oidc_keys", "retire", stdout=StringIO())
    assert not OidcSigningKey.objects.filter(kid=old_kid).exists()
    assert (
        OidcSigningKey.objects.filter(promoted_at__isnull=False, retired_at__isnull=True).count()
        == 2
    )


def test_keys_past_their_publication_end_leave_the_jwks(provider):
    stage_long_enough_ago("ES256")
    stage_long_enough_ago("RS256")
    call_command("oidc_keys", "promote", stdout=StringIO())
    OidcSigningKey.objects.filter(retired_at__isnull=False).update(not_after="2000-01-01T00:00Z")
    keys.jwks_forget()
    published = requests.get(provider.config["jwks_uri"], timeout=5).json()["keys"]
    assert len(published) == 2
