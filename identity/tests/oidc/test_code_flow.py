"""The authorization endpoint, as a standard relying party library and a browser use it."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core.grants.util import create_half_hash
from django.core.exceptions import ValidationError
from joserfc import jws

from identity.tests.oidc.conftest import REDIRECT_URI, query_params

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_happy_path_with_each_client_authentication(provider, register, alice, auth_method):
    registered = register()
    provider.sign_in()
    token, response = provider.code_flow(
        registered, scope="openid profile", token_endpoint_auth_method=auth_method, nonce="n-1"
    )
    claims = provider.id_token_claims(token["id_token"])
    assert claims["iss"] == provider.base_url
    assert claims["aud"] == registered.client_id
    assert claims["nonce"] == "n-1"
    assert claims["acr"] == "low"
    assert claims["amr"] == ["pwd"]
    assert abs(claims["auth_time"] - time.time()) < 60
    assert claims["at_hash"] == create_half_hash(token["access_token"], "ES256").decode()
    assert response["iss"] == provider.base_url
    assert token["refresh_token"]


def test_scope_order_is_irrelevant(provider, register, alice):
    provider.sign_in()
    token, _ = provider.code_flow(register(), scope="email profile openid")
    assert set(token["scope"].split()) == {"openid", "profile", "email"}
    assert provider.id_token_claims(token["id_token"])["sub"]


def test_authorization_request_by_post(provider, register, alice):
    registered = register(is_internal=True)  # pre-consented: the POST alone answers
    provider.sign_in()
    response = provider.browser.post(
        provider.config["authorization_endpoint"],
        data={
            "client_id": registered.client_id,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": "openid",
            "state": "s-post",
            "code_challenge": create_s256_code_challenge(provider.code_verifier),
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
    )
    assert response.status_code == 302
    params = query_params(response.headers["Location"])
    assert params["code"]
    assert params["state"] == "s-post"
    assert params["iss"] == provider.base_url


def test_request_without_nonce_works_and_id_token_has_none(provider, register, alice):
    provider.sign_in()
    token, _ = provider.code_flow(register())
    assert "nonce" not in provider.id_token_claims(token["id_token"])


def test_unknown_and_optional_parameters_are_accepted(provider, register, alice):
    registered = register()
    provider.sign_in()
    first, _ = provider.code_flow(registered)
    token, _ = provider.code_flow(
        registered,
        display="page",
        login_hint="alice@example.com",
        ui_locales="fr-CA",
        claims_locales="fr-CA",
        acr_values="low",
        id_token_hint=first["id_token"],
        unknown_extension="whatever",
        uniqc_login_after="0",
    )
    assert token["id_token"]


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_id_token_signed_with_the_clients_algorithm_and_a_published_key(
    provider, register, alice, alg
):
    provider.sign_in()
    token, _ = provider.code_flow(register(id_token_alg=alg))
    header = jws.extract_compact(token["id_token"].encode()).protected
    assert header["alg"] == alg
    published = {key["kid"]: key for key in provider.jwks().as_dict()["keys"]}
    assert published[header["kid"]]["alg"] == alg
    assert provider.id_token_claims(token["id_token"])["sub"]


def test_missing_response_type_is_invalid_request_with_iss(provider, register, alice):
    registered = register()
    provider.sign_in()
    location = provider.visit(provider.authorization_url(registered, scope="openid", state="s1"))
    params = query_params(location)
    assert location.startswith(REDIRECT_URI)
    assert params["error"] == "invalid_request"
    assert params["state"] == "s1"
    assert params["iss"] == provider.base_url


def test_implicit_response_type_is_unsupported(provider, register, alice):
    registered = register()
    provider.sign_in()
    url = provider.authorization_url(registered, response_type="id_token token", scope="openid")
    params = query_params(provider.visit(url))
    assert params["error"] == "unsupported_response_type"
    assert params["iss"] == provider.base_url


def test_unknown_scope_is_invalid_scope(provider, register, alice):
    registered = register()
    provider.sign_in()
    url = provider.authorization_url(registered, response_type="code", scope="openid bogus")
    assert query_params(provider.visit(url))["error"] == "invalid_scope"


@pytest.mark.parametrize(
    "redirect_uri",
    ["https://evil.example/callback", REDIRECT_URI + "/", REDIRECT_URI + "?x=1", None],
)
def test_unregistered_redirect_uri_gets_an_error_page_never_a_redirect(
    provider, register, alice, redirect_uri
):
    registered = register()
    provider.sign_in()
    url = provider.authorization_url(
        registered, response_type="code", scope="openid", redirect_uri=redirect_uri
    )
    response = provider.browser.get(url, allow_redirects=False)
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_unknown_client_gets_an_error_page(provider, alice):
    url = provider.authorization_url(None, client_id="nobody", response_type="code")
    response = provider.browser.get(url, allow_redirects=False)
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_signed_out_person_is_sent_to_sign_in_then_back(provider, register, alice):
    registered = register()
    rp = provider.relying_party(registered, code_challenge_method="S256")
    url, state = rp.create_authorization_url(
        provider.config["authorization_endpoint"], code_verifier=provider.code_verifier
    )
    location = provider.visit(url, sign_in_as=alice.email)
    params = query_params(location)
    assert params["code"]
    assert params["state"] == state


def test_prompt_none_when_signed_out_is_login_required(provider, register, alice):
    registered = register()
    url = provider.authorization_url(
        registered, response_type="code", scope="openid", prompt="none", state="s2"
    )
    params = query_params(provider.visit(url))
    assert params["error"] == "login_required"
    assert params["state"] == "s2"
    assert params["iss"] == provider.base_url


def test_prompt_login_forces_a_new_sign_in(provider, register, alice):
    registered = register()
    provider.sign_in()
    url = provider.authorization_url(
        registered, response_type="code", scope="openid", prompt="login"
    )
    response = provider.browser.get(url, allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/compte/connexion/")
    location = provider.visit(url, sign_in_as=alice.email)
    assert query_params(location)["code"]


def test_max_age_forces_a_new_sign_in_and_auth_time_is_returned(provider, register, alice):
    registered = register()
    provider.sign_in()
    time.sleep(2.1)
    url = provider.authorization_url(registered, response_type="code", scope="openid", max_age="1")
    response = provider.browser.get(url, allow_redirects=False)
    assert response.headers["Location"].startswith("/compte/connexion/")
    before_sign_in = int(time.time())
    token, _ = provider.code_flow(registered, max_age="1", sign_in_as=alice.email)
    assert provider.id_token_claims(token["id_token"])["auth_time"] >= before_sign_in


def test_acr_values_high_sends_a_password_session_to_card_sign_in(provider, register, alice):
    registered = register()
    provider.sign_in()
    url = provider.authorization_url(
        registered, response_type="code", scope="openid", acr_values="high", state="s3"
    )
    response = provider.browser.get(url, allow_redirects=False)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login/card?next=")
    # Coming back after a fresh sign-in that is not the card's is not enough.
    next_url = parse_qs(urlsplit(location).query)["next"][0]
    provider.sign_in(alice.email)
    params = query_params(provider.visit(provider.base_url + next_url))
    assert params["error"] == "unmet_authentication_requirements"
    assert params["iss"] == provider.base_url
    assert params["state"] == "s3"


def test_acr_values_high_with_prompt_none_and_a_password_session_is_login_required(
    provider, register, alice
):
    registered = register()
    provider.sign_in()
    url = provider.authorization_url(
        registered, response_type="code", scope="openid", acr_values="high", prompt="none"
    )
    params = query_params(provider.visit(url))
    assert params["error"] == "login_required"


def test_acr_values_substantial_sends_to_sign_in_then_unmet(provider, register, alice):
    registered = register()
    provider.sign_in()
    url = provider.authorization_url(
        registered, response_type="code", scope="openid", acr_values="substantial"
    )
    response = provider.browser.get(url, allow_redirects=False)
    assert response.headers["Location"].startswith("/compte/connexion/")
    params = query_params(provider.visit(url, sign_in_as=alice.email))
    assert params["error"] == "unmet_authentication_requirements"


def test_public_client_without_pkce_is_refused(provider, register, alice):
    registered = register(is_public=True)
    provider.sign_in()
    url = provider.authorization_url(
        registered, response_type="code", scope="openid", code_challenge=None
    )
    params = query_params(provider.visit(url))
    assert params["error"] == "invalid_request"
    assert params["iss"] == provider.base_url


def test_confidential_client_without_pkce_is_refused_by_default(provider, register, alice):
    """OAuth 2.1: a secret does not stand in for PKCE (a stolen code is still redeemable
    by the client that leaked it, and injectable into its session)."""
    registered = register()
    assert registered.client.pkce_required is True
    provider.sign_in()
    url = provider.authorization_url(
        registered, response_type="code", scope="openid", code_challenge=None
    )
    params = query_params(provider.visit(url))
    assert params["error"] == "invalid_request"
    assert "code" not in params


def test_confidential_client_without_pkce_is_refused_when_pkce_is_required(
    provider, register, alice
):
    registered = register(pkce_required=True)
    provider.sign_in()
    with pytest.raises(AssertionError, match="invalid_request"):
        provider.code_flow(registered, pkce=False)


def test_confidential_client_exempted_from_pkce_gets_tokens_without_it(provider, register, alice):
    registered = register(pkce_required=False)
    provider.sign_in()
    token, _ = provider.code_flow(registered, pkce=False)
    assert provider.id_token_claims(token["id_token"])["aud"] == registered.client_id


def test_confidential_client_exempted_from_pkce_still_has_its_challenge_checked(
    provider, register, alice
):
    registered = register(pkce_required=False)
    provider.sign_in()
    url = provider.authorization_url(registered, response_type="code", scope="openid")
    code = query_params(provider.visit(url))["code"]
    response = provider.token_request(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        auth=registered.basic_auth,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"  # missing code_verifier
    assert "access_token" not in response.json()


def test_a_public_client_cannot_be_exempted_from_pkce(register, db):
    with pytest.raises(ValidationError, match="identity_oidcclient_public_requires_pkce"):
        register(is_public=True, pkce_required=False)


@pytest.mark.parametrize("method", ["plain", None])
def test_pkce_plain_is_refused(provider, register, alice, method):
    registered = register(is_public=True)
    provider.sign_in()
    url = provider.authorization_url(
        registered,
        response_type="code",
        scope="openid",
        code_challenge="a" * 43,
        code_challenge_method=method,
    )
    assert query_params(provider.visit(url))["error"] == "invalid_request"


def test_public_client_with_s256_gets_tokens_without_a_secret(provider, register, alice):
    registered = register(is_public=True)
    provider.sign_in()
    token, _ = provider.code_flow(registered)
    assert provider.id_token_claims(token["id_token"])["aud"] == registered.client_id


def test_confidential_client_pkce_is_verified_when_used(provider, register, alice):
    registered = register()
    provider.sign_in()
    rp = provider.relying_party(registered, code_challenge_method="S256")
    url, state = rp.create_authorization_url(
        provider.config["authorization_endpoint"], code_verifier="v" * 50
    )
    location = provider.visit(url)
    with pytest.raises(Exception, match="invalid_grant"):
        rp.fetch_token(
            provider.config["token_endpoint"],
            authorization_response=location,
            state=state,
            code_verifier="w" * 50,
        )
