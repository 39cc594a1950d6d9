"""Discovery, the JWKS and signing-key rotation."""

import pytest
import requests
from django.core.management import call_command
from joserfc import jws

from identity.models import OidcSigningKey

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


def test_rotation_keeps_the_old_public_key_and_signs_with_the_new(provider, register, alice):
    provider.sign_in()
    registered = register()
    before, _ = provider.code_flow(registered)
    old_kid = jws.extract_compact(before["id_token"].encode()).protected["kid"]

    call_command("oidc_keys", "rotate", "--alg", "ES256")

    after, _ = provider.code_flow(registered)
    new_kid = jws.extract_compact(after["id_token"].encode()).protected["kid"]
    assert new_kid != old_kid
    published = {key["kid"] for key in provider.jwks().as_dict()["keys"]}
    assert {old_kid, new_kid} <= published
    # The token signed before rotation still verifies against the published JWKS.
    assert provider.id_token_claims(before["id_token"])["sub"]
    retired = OidcSigningKey.objects.get(kid=old_kid)
    assert retired.retired_at is not None
    assert retired.not_after > retired.retired_at


def test_keys_past_their_publication_end_leave_the_jwks(provider):
    call_command("oidc_keys", "rotate")
    OidcSigningKey.objects.filter(retired_at__isnull=False).update(not_after="2000-01-01T00:00Z")
    keys = requests.get(provider.config["jwks_uri"], timeout=5).json()["keys"]
    assert len(keys) == 2
