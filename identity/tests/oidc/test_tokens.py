"""The token, userinfo, introspection and revocation endpoints."""

import pytest
import requests
from authlib.integrations.requests_client import OAuthError

from identity.models import OidcAccessToken, OidcRefreshToken
from identity.oidc.services import digest
from identity.tests.oidc.conftest import query_params

pytestmark = pytest.mark.django_db(transaction=True)


def userinfo_status(provider, access_token: str) -> int:
    response = requests.get(
        provider.config["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=5,
    )
    return response.status_code


def test_userinfo_by_get_post_header_and_post_body(provider, register, alice):
    provider.sign_in()
    token, _ = provider.code_flow(register(), scope="openid email")
    endpoint = provider.config["userinfo_endpoint"]
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    by_get = requests.get(endpoint, headers=bearer, timeout=5)
    by_post_header = requests.post(endpoint, headers=bearer, timeout=5)
    by_post_body = requests.post(endpoint, data={"access_token": token["access_token"]}, timeout=5)
    sub = provider.id_token_claims(token["id_token"])["sub"]
    for response in (by_get, by_post_header, by_post_body):
        assert response.status_code == 200
        assert response.json() == {"sub": sub, "email": alice.email, "email_verified": False}


def test_userinfo_refuses_an_unknown_token(provider):
    response = requests.get(
        provider.config["userinfo_endpoint"], headers={"Authorization": "Bearer nope"}, timeout=5
    )
    assert response.status_code == 401
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def _authorization_code(provider, registered) -> str:
    url = provider.authorization_url(registered, response_type="code", scope="openid")
    return query_params(provider.visit(url))["code"]


def test_code_used_twice_is_invalid_grant_and_revokes_its_tokens(provider, register, alice):
    registered = register()
    provider.sign_in()
    code = _authorization_code(provider, registered)
    first = provider.redeem(registered, code)
    assert first.status_code == 200
    assert userinfo_status(provider, first.json()["access_token"]) == 200

    second = provider.redeem(registered, code)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    assert userinfo_status(provider, first.json()["access_token"]) == 401
    refresh = provider.token_request(
        {"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]},
        auth=registered.basic_auth,
    )
    assert refresh.json()["error"] == "invalid_grant"


def test_code_is_stored_only_as_a_digest(provider, register, alice):
    from identity.models import OidcAuthorizationCode

    registered = register()
    provider.sign_in()
    code = _authorization_code(provider, registered)
    stored = OidcAuthorizationCode.objects.get()
    assert stored.code_digest == digest(code)
    assert (stored.expires_at - stored.created_at).total_seconds() <= 60
    token = provider.redeem(registered, code).json()
    assert OidcAccessToken.objects.filter(token_digest=digest(token["access_token"])).exists()
    assert OidcRefreshToken.objects.filter(token_digest=digest(token["refresh_token"])).exists()


def test_code_of_another_client_is_invalid_grant(provider, register, alice):
    registered, other = register(), register(name="Other")
    provider.sign_in()
    code = _authorization_code(provider, registered)
    assert provider.redeem(other, code).json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_invalid_client(provider, register, alice):
    registered = register()
    provider.sign_in()
    code = _authorization_code(provider, registered)
    registered.client_secret = "wrong"
    response = provider.redeem(registered, code)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_refresh_token_is_rotated(provider, register, alice):
    registered = register()
    provider.sign_in()
    token, _ = provider.code_flow(registered)
    rp = provider.relying_party(registered)
    refreshed = rp.refresh_token(
        provider.config["token_endpoint"], refresh_token=token["refresh_token"]
    )
    assert refreshed["refresh_token"] != token["refresh_token"]
    assert userinfo_status(provider, refreshed["access_token"]) == 200


def test_reused_refresh_token_revokes_the_whole_grant(provider, register, alice):
    registered = register()
    provider.sign_in()
    token, _ = provider.code_flow(registered)
    rp = provider.relying_party(registered)
    refreshed = rp.refresh_token(
        provider.config["token_endpoint"], refresh_token=token["refresh_token"]
    )
    with pytest.raises(OAuthError, match="invalid_grant"):
        rp.refresh_token(provider.config["token_endpoint"], refresh_token=token["refresh_token"])
    assert userinfo_status(provider, token["access_token"]) == 401
    assert userinfo_status(provider, refreshed["access_token"]) == 401
    with pytest.raises(OAuthError, match="invalid_grant"):
        rp.refresh_token(
            provider.config["token_endpoint"], refresh_token=refreshed["refresh_token"]
        )


def test_refresh_token_is_bound_to_its_client(provider, register, alice):
    registered, other = register(), register(name="Other")
    provider.sign_in()
    token, _ = provider.code_flow(registered)
    with pytest.raises(OAuthError, match="invalid_grant"):
        provider.relying_party(other).refresh_token(
            provider.config["token_endpoint"], refresh_token=token["refresh_token"]
        )
    # The rightful client can still use it: a wrong client does not burn it.
    refreshed = provider.relying_party(registered).refresh_token(
        provider.config["token_endpoint"], refresh_token=token["refresh_token"]
    )
    assert refreshed["access_token"]


def test_client_credentials_for_a_confidential_client(provider, register):
    registered = register()
    rp = provider.relying_party(registered, scope="profile")
    token = rp.fetch_token(provider.config["token_endpoint"], grant_type="client_credentials")
    assert token["access_token"]
    assert "refresh_token" not in token


def test_client_credentials_without_a_scope_gives_a_token_with_none(provider, register):
    registered = register()
    response = provider.token_request(
        {"grant_type": "client_credentials"}, auth=registered.basic_auth
    )
    assert response.status_code == 200, response.content
    assert "scope" not in response.json()
    stored = OidcAccessToken.objects.get(token_digest=digest(response.json()["access_token"]))
    assert stored.scope == ""


def test_token_and_userinfo_responses_are_never_stored(provider, register, alice):
    registered = register()
    provider.sign_in()
    token, _ = provider.code_flow(registered, scope="openid")
    userinfo = requests.get(
        provider.config["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=5,
    )
    refused = provider.token_request(
        {"grant_type": "client_credentials"}, auth=(registered.client_id, "wrong")
    )
    for response in (userinfo, refused):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Pragma"] == "no-cache"


def test_client_credentials_refused_to_a_public_client(provider, register):
    registered = register(is_public=True)
    response = provider.token_request(
        {"grant_type": "client_credentials", "client_id": registered.client_id}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


@pytest.mark.parametrize("grant_type", ["password", "implicit"])
def test_password_and_implicit_grants_do_not_exist(provider, register, grant_type):
    registered = register()
    response = provider.token_request(
        {"grant_type": grant_type, "username": "a", "password": "b"},
        auth=registered.basic_auth,
    )
    assert response.json()["error"] == "unsupported_grant_type"


def test_introspection_of_own_token_and_refusal_without_secret(provider, register, alice):
    registered = register()
    provider.sign_in()
    token, _ = provider.code_flow(registered)
    endpoint = provider.config["introspection_endpoint"]
    response = requests.post(
        endpoint,
        data={"token": token["access_token"]},
        auth=registered.basic_auth,
        timeout=5,
    )
    body = response.json()
    assert body["active"] is True
    assert body["sub"] == provider.id_token_claims(token["id_token"])["sub"]
    assert body["client_id"] == registered.client_id
    anonymous = requests.post(
        endpoint, data={"token": token["access_token"], "client_id": registered.client_id}
    )
    assert anonymous.status_code == 401


def test_revoking_a_refresh_token_ends_the_grant(provider, register, alice):
    registered = register()
    provider.sign_in()
    token, _ = provider.code_flow(registered)
    response = requests.post(
        provider.config["revocation_endpoint"],
        data={"token": token["refresh_token"], "token_type_hint": "refresh_token"},
        auth=registered.basic_auth,
        timeout=5,
    )
    assert response.status_code == 200
    assert userinfo_status(provider, token["access_token"]) == 401
    introspected = requests.post(
        provider.config["introspection_endpoint"],
        data={"token": token["refresh_token"]},
        auth=registered.basic_auth,
        timeout=5,
    ).json()
    assert introspected == {"active": False}


def test_a_public_client_revokes_its_own_refresh_token_with_its_id(provider, register, alice):
    # RFC 7009 section 5: a client without a secret identifies itself by client_id.
    registered = register(is_public=True)
    provider.sign_in()
    token, _ = provider.code_flow(registered)
    revocation = provider.config["revocation_endpoint"]
    response = requests.post(
        revocation,
        data={"token": token["refresh_token"], "client_id": registered.client_id},
        timeout=5,
    )
    assert response.status_code == 200, response.content
    assert userinfo_status(provider, token["access_token"]) == 401
    refreshed = provider.token_request(
        {
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": registered.client_id,
        }
    )
    assert refreshed.json()["error"] == "invalid_grant"


def test_a_public_client_cannot_introspect(provider, register, alice):
    registered = register(is_public=True)
    provider.sign_in()
    token, _ = provider.code_flow(registered)
    response = requests.post(
        provider.config["introspection_endpoint"],
        data={"token": token["access_token"], "client_id": registered.client_id},
        timeout=5,
    )
    assert response.status_code == 401
