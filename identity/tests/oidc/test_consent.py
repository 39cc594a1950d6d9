"""Consent: asked once per client, per claim, remembered, and logged per release."""

import json

import pytest
import requests
from authlib.integrations.requests_client import OAuthError
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from identity.models import OidcClaimRelease, OidcConsent, OidcGrant
from identity.oidc import pending
from identity.oidc.services import oidc_consent_revoke
from identity.tests.oidc.conftest import REDIRECT_URI, ConsentForm, query_params

pytestmark = pytest.mark.django_db(transaction=True)


def userinfo(provider, token) -> dict:
    return requests.get(
        provider.config["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=5,
    ).json()


def consent_page(provider, registered, **params):
    url = provider.authorization_url(registered, response_type="code", **params)
    return provider.visit(url, consent=None)


def consent_post(provider, fields: list[tuple[str, str]]) -> requests.Response:
    """Submit a consent answer as the browser would, without following the redirect."""
    return provider.browser.post(
        provider.base_url + "/oidc/authorize/consent", data=fields, allow_redirects=False
    )


def asks_consent(provider, registered, **params) -> bool:
    """True when the person is shown the consent page, False when sent back with a code."""
    result = consent_page(provider, registered, **params)
    if isinstance(result, str):
        assert "code" in query_params(result), result
        return False
    assert ConsentForm(result.text).found, result.text
    return True


def test_consent_page_shows_client_and_a_preview_of_each_claim(provider, register, alice):
    registered = register(
        logo_url="https://ville.example/logo.png",
        policy_url="https://ville.example/vie-privee",
        terms_url="https://ville.example/conditions",
    )
    provider.sign_in()
    page = consent_page(provider, registered, scope="openid email locale")
    assert page.status_code == 200
    assert "Ville de Québec" in page.text
    assert "https://ville.example/logo.png" in page.text
    assert "https://ville.example/vie-privee" in page.text
    assert "https://ville.example/conditions" in page.text
    assert alice.email in page.text
    assert "fr-CA" in page.text
    form = ConsentForm(page.text)
    assert form.claims == ["email", "email_verified", "locale"]


def test_consent_is_remembered_per_client(provider, register, alice):
    registered = register()
    provider.sign_in()
    provider.code_flow(registered, scope="openid email")
    assert not asks_consent(provider, registered, scope="openid email")
    assert asks_consent(provider, register(name="Other"), scope="openid email")


def test_more_claims_are_asked_again(provider, register, alice):
    registered = register()
    provider.sign_in()
    provider.code_flow(registered, scope="openid email")
    assert asks_consent(provider, registered, scope="openid email phone")


def test_unticked_claims_are_not_released_and_essential_ones_cannot_be_unticked(
    provider, register, alice
):
    registered = register()
    provider.sign_in()
    claims_request = json.dumps({"userinfo": {"given_name": {"essential": True}}})
    page = consent_page(provider, registered, scope="openid email", claims=claims_request)
    assert 'value="given_name" checked disabled' in page.text
    token, _ = provider.code_flow(
        registered, scope="openid email", claims=claims_request, untick=("email", "given_name")
    )
    released = userinfo(provider, token)
    assert "email" not in released
    assert released["given_name"] == "Alice"
    assert released["email_verified"] is False


def test_prompt_consent_asks_again(provider, register, alice):
    registered = register()
    provider.sign_in()
    provider.code_flow(registered)
    assert asks_consent(provider, registered, scope="openid", prompt="consent")


def test_prompt_none_without_consent_is_consent_required(provider, register, alice):
    registered = register()
    provider.sign_in()
    url = provider.authorization_url(
        registered, response_type="code", scope="openid", prompt="none", state="s4"
    )
    params = query_params(provider.visit(url, consent=None))
    assert params["error"] == "consent_required"
    assert params["state"] == "s4"
    assert params["iss"] == provider.base_url


def test_refusing_consent_is_access_denied(provider, register, alice):
    registered = register()
    provider.sign_in()
    url = provider.authorization_url(registered, response_type="code", scope="openid", state="s5")
    params = query_params(provider.visit(url, consent="deny"))
    assert params["error"] == "access_denied"
    assert params["state"] == "s5"
    assert params["iss"] == provider.base_url


def test_internal_clients_are_not_asked(provider, register, alice):
    registered = register(is_internal=True)
    provider.sign_in()
    assert not asks_consent(provider, registered, scope="openid email")


def test_each_release_is_logged_with_the_claim_names(provider, register, alice):
    registered = register()
    provider.sign_in()
    provider.code_flow(registered, scope="openid age")
    provider.code_flow(registered, scope="openid age")
    releases = OidcClaimRelease.objects.filter(user=alice, client=registered.client)
    assert [release.claims for release in releases] == [["age_over_18"], ["age_over_18"]]


def test_revoking_consent_ends_the_clients_tokens(provider, register, alice):
    registered = register()
    provider.sign_in()
    token, _ = provider.code_flow(registered)
    oidc_consent_revoke(user=alice, client=registered.client)
    with pytest.raises(OAuthError, match="invalid_grant"):
        provider.relying_party(registered).refresh_token(
            provider.config["token_endpoint"], refresh_token=token["refresh_token"]
        )
    assert asks_consent(provider, registered, scope="openid")


# Finding 5: the answer is the person's ticks on the request the server keeps, nothing else.


def test_a_claim_parameter_in_the_authorization_url_is_not_consent(provider, register, alice):
    """A relying party adds claim=email to its URL; the person unticks email."""
    registered = register()
    provider.sign_in()
    token, _ = provider.code_flow(
        registered, scope="openid email", untick=("email",), claim="email"
    )
    assert "email" not in userinfo(provider, token)
    consent = OidcConsent.objects.get(user=alice, client=registered.client)
    assert "email" not in consent.claims_granted


def test_the_consent_form_carries_only_the_request_id(provider, register, alice):
    registered = register()
    provider.sign_in()
    page = consent_page(
        provider, registered, scope="openid email", state="s6", nonce="n6", claim="email"
    )
    form = ConsentForm(page.text)
    assert sorted(name for name, _ in form.hidden) == ["csrfmiddlewaretoken", "request"]


def test_fields_added_to_the_consent_answer_change_nothing(provider, register, alice):
    registered = register()
    provider.sign_in()
    form = ConsentForm(consent_page(provider, registered, scope="openid", state="s7").text)
    added = [
        ("claims", json.dumps({"userinfo": {"email": None}})),
        ("claim", "email"),
        ("redirect_uri", "https://evil.example/callback"),
    ]
    response = consent_post(provider, [*added, *form.answer("allow")])
    params = query_params(response.headers["Location"])
    assert params["code"]
    assert params["state"] == "s7"
    grant = OidcGrant.objects.get(client=registered.client)
    assert grant.claims == {}
    assert grant.released_claims == []


def test_ticks_for_claims_not_asked_are_ignored(provider, register, alice):
    registered = register()
    provider.sign_in()
    form = ConsentForm(consent_page(provider, registered, scope="openid email").text)
    not_asked = [("claim", "phone_number"), ("claim", "address")]
    response = consent_post(provider, [*not_asked, *form.answer("allow")])
    assert query_params(response.headers["Location"])["code"]
    grant = OidcGrant.objects.get(client=registered.client)
    assert grant.released_claims == ["email", "email_verified"]
    consent = OidcConsent.objects.get(user=alice, client=registered.client)
    assert consent.claims_granted == ["email", "email_verified"]


def test_a_consent_answer_is_used_once(provider, register, alice):
    registered = register()
    provider.sign_in()
    form = ConsentForm(consent_page(provider, registered, scope="openid").text)
    assert query_params(consent_post(provider, form.answer("allow")).headers["Location"])["code"]
    again = consent_post(provider, form.answer("allow"))
    assert again.status_code == 400
    assert "Location" not in again.headers
    assert OidcGrant.objects.filter(client=registered.client).count() == 1


@pytest.mark.parametrize("request_id", ["", "unknown", "x" * 5000])
def test_a_consent_answer_for_an_unknown_request_is_an_error_page(
    provider, register, alice, request_id
):
    provider.sign_in()
    csrf = provider.browser.cookies["csrftoken"]
    response = consent_post(
        provider,
        [("csrfmiddlewaretoken", csrf), ("request", request_id), ("decision", "allow")],
    )
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_a_consent_answer_for_an_expired_request_is_an_error_page(
    provider, register, alice, monkeypatch
):
    registered = register()
    provider.sign_in()
    form = ConsentForm(consent_page(provider, registered, scope="openid").text)
    monkeypatch.setattr(pending, "PENDING_LIFETIME_SECONDS", -1)
    response = consent_post(provider, form.answer("allow"))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert not OidcGrant.objects.filter(client=registered.client).exists()


def test_a_request_id_is_only_good_in_the_session_that_made_it(
    provider, register, alice, make_user
):
    make_user("bob@example.com", given_name="Bob")
    registered = register()
    provider.sign_in()
    form = ConsentForm(consent_page(provider, registered, scope="openid").text)
    request_id = dict(form.hidden)["request"]
    provider.browser.cookies.clear()
    provider.sign_in("bob@example.com")
    csrf = provider.browser.cookies["csrftoken"]
    response = consent_post(
        provider, [("csrfmiddlewaretoken", csrf), ("request", request_id), ("decision", "allow")]
    )
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_a_request_posted_to_the_endpoint_is_kept_for_the_consent_answer(provider, register, alice):
    registered = register()
    provider.sign_in()
    page = provider.browser.post(
        provider.config["authorization_endpoint"],
        data={
            "client_id": registered.client_id,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": "openid email",
            "state": "s-post",
            "code_challenge": create_s256_code_challenge(provider.code_verifier),
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
    )
    form = ConsentForm(page.text)
    assert form.claims == ["email", "email_verified"]
    params = query_params(
        consent_post(provider, form.answer("allow", ("email",))).headers["Location"]
    )
    assert params["state"] == "s-post"
    assert params["code"]
    grant = OidcGrant.objects.get(client=registered.client)
    assert grant.released_claims == ["email_verified"]
