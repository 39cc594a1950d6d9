"""RP-initiated logout."""

import pytest

from identity.tests.oidc.conftest import query_params

pytestmark = pytest.mark.django_db(transaction=True)

POST_LOGOUT = "https://rp.example/signed-out"


def signed_in(provider) -> bool:
    response = provider.browser.get(provider.base_url + "/compte/profil/", allow_redirects=False)
    return response.status_code == 200


def test_logout_with_id_token_hint_redirects_to_registered_uri_with_state(
    provider, register, alice
):
    registered = register(post_logout_redirect_uris=[POST_LOGOUT])
    provider.sign_in()
    token, _ = provider.code_flow(registered)
    assert signed_in(provider)
    response = provider.browser.get(
        provider.config["end_session_endpoint"],
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": POST_LOGOUT,
            "state": "bye",
        },
        allow_redirects=False,
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith(POST_LOGOUT)
    assert query_params(response.headers["Location"]) == {"state": "bye"}
    assert not signed_in(provider)


def test_unregistered_post_logout_uri_is_an_error_page(provider, register, alice):
    registered = register(post_logout_redirect_uris=[POST_LOGOUT])
    provider.sign_in()
    token, _ = provider.code_flow(registered)
    response = provider.browser.get(
        provider.config["end_session_endpoint"],
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": "https://evil.example/",
        },
        allow_redirects=False,
    )
    assert response.status_code == 400
    assert signed_in(provider)


def test_forged_id_token_hint_is_refused(provider, register, alice):
    registered = register(post_logout_redirect_uris=[POST_LOGOUT])
    provider.sign_in()
    token, _ = provider.code_flow(registered)
    header, payload, signature = token["id_token"].split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    response = provider.browser.get(
        provider.config["end_session_endpoint"],
        params={"id_token_hint": forged, "post_logout_redirect_uri": POST_LOGOUT},
        allow_redirects=False,
    )
    assert response.status_code == 400
    assert signed_in(provider)


def test_logout_without_hint_asks_the_person_to_confirm(provider, register, alice):
    provider.sign_in()
    response = provider.browser.get(provider.config["end_session_endpoint"])
    assert response.status_code == 200
    assert signed_in(provider)
    confirm = provider.browser.post(
        provider.base_url + "/oidc/logout/confirm",
        data={"csrfmiddlewaretoken": provider.browser.cookies["csrftoken"]},
        allow_redirects=False,
    )
    assert confirm.status_code == 200
    assert not signed_in(provider)


def test_the_confirmation_asked_for_a_hint_lets_its_form_reach_the_clients_uri(
    provider, register, alice, make_user
):
    """The confirmation's form ends in a redirect to the client's post-logout URI; the
    page's Content-Security-Policy form-action must allow it (the hint names the client)."""
    make_user("bob@example.com")
    registered = register(post_logout_redirect_uris=[POST_LOGOUT])
    provider.sign_in()
    token, _ = provider.code_flow(registered)
    provider.sign_in("bob@example.com")
    response = provider.browser.get(
        provider.config["end_session_endpoint"],
        params={"id_token_hint": token["id_token"], "post_logout_redirect_uri": POST_LOGOUT},
        allow_redirects=False,
    )
    assert response.status_code == 200
    form_action = next(
        part.split()[1:]
        for part in response.headers["Content-Security-Policy"].split(";")
        if part.split()[:1] == ["form-action"]
    )
    assert form_action == ["'self'", "https://rp.example"]
