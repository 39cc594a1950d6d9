"""Who may call the JSON API: a bearer token from our OpenID Connect provider with the
`marketplace` scope, or the browser session with its CSRF token; one test per refusal."""

import json
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from identity.models import OidcAccessToken, OidcGrant
from marketplace.tests.api.conftest import PASSWORD, bearer, bearer_token

STORES = "/api/v1/stores/"
ECHO = "/api/test/echo/"
KEY = {"HTTP_IDEMPOTENCY_KEY": "b1f0c1de-0000-4000-8000-000000000001"}

pytestmark = [pytest.mark.django_db, pytest.mark.urls("marketplace.tests.api.urls")]


def problem_of(response) -> dict:
    assert response["Content-Type"] == "application/problem+json", response.content
    return json.loads(response.content)


def test_a_token_with_the_scope_is_accepted(api, phone_app, shopper):
    token = bearer_token(client=phone_app, user=shopper)
    response = api.post(ECHO, {"a": 1}, content_type="application/json", **bearer(token), **KEY)
    assert response.status_code == 200
    assert response.json()["user"] == "lea@example.com"
    # A token is not ambient: no CSRF token is needed with it.
    assert api.get(STORES, **bearer(token)).status_code == 200


def test_a_token_without_the_scope_is_refused(api, phone_app, shopper):
    token = bearer_token(client=phone_app, user=shopper, scope="openid profile")
    response = api.get(STORES, **bearer(token))
    assert response.status_code == 403
    assert problem_of(response)["code"] == "insufficient_scope"
    assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="marketplace"'


def _assert_invalid_token(response) -> None:
    assert response.status_code == 401
    assert problem_of(response)["code"] == "invalid_token"
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_an_expired_token_is_refused(api, phone_app, shopper):
    token = bearer_token(client=phone_app, user=shopper, expires_in=timedelta(seconds=-1))
    _assert_invalid_token(api.get(STORES, **bearer(token)))


def test_a_revoked_token_is_refused(api, phone_app, shopper):
    token = bearer_token(client=phone_app, user=shopper)
    OidcAccessToken.objects.update(revoked_at=timezone.now())
    _assert_invalid_token(api.get(STORES, **bearer(token)))


def test_a_token_of_a_revoked_grant_is_refused(api, phone_app, shopper):
    token = bearer_token(client=phone_app, user=shopper)
    OidcGrant.objects.update(revoked_at=timezone.now())
    _assert_invalid_token(api.get(STORES, **bearer(token)))


def test_a_token_of_a_deactivated_person_is_refused(api, phone_app, shopper):
    token = bearer_token(client=phone_app, user=shopper)
    shopper.is_active = False
    shopper.save(update_fields=["is_active"])
    _assert_invalid_token(api.get(STORES, **bearer(token)))


def test_a_token_of_a_deactivated_client_is_refused(api, phone_app, shopper):
    token = bearer_token(client=phone_app, user=shopper)
    phone_app.is_active = False
    phone_app.save(update_fields=["is_active"])
    _assert_invalid_token(api.get(STORES, **bearer(token)))


def test_a_client_credentials_token_names_no_person_and_is_refused(api, phone_app):
    token = bearer_token(client=phone_app, user=None, scope="marketplace")
    _assert_invalid_token(api.get(STORES, **bearer(token)))


@pytest.mark.parametrize(
    "credentials", ["garbage", "", "x" * 5000, "a\u00e9b", "Zm9v" * 3 + "=="], ids=repr
)
def test_an_unknown_or_malformed_token_is_refused(api, credentials):
    _assert_invalid_token(api.get(STORES, HTTP_AUTHORIZATION=f"Bearer {credentials}"))


def test_a_personal_endpoint_without_credentials_asks_for_them(api):
    response = api.post(ECHO, {}, content_type="application/json", **KEY)
    assert response.status_code == 401
    assert problem_of(response)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_public_endpoint_answers_anyone(api):
    assert api.get(STORES).status_code == 200


def test_a_session_get_is_accepted(api, shopper):
    api.force_login(shopper)
    assert api.get(STORES).status_code == 200


def test_a_session_post_without_the_csrf_token_is_refused(api, shopper):
    api.force_login(shopper)
    response = api.post(ECHO, {}, content_type="application/json", **KEY)
    assert response.status_code == 403
    assert problem_of(response)["code"] == "csrf_failed"


def test_a_session_post_with_the_csrf_token_is_accepted(api, shopper):
    api.force_login(shopper)
    api.get("/")  # the csrftoken cookie, as a page of the site sets it
    csrf = api.cookies["csrftoken"].value
    response = api.post(
        ECHO, {"a": 1}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf, **KEY
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "received": {"a": 1},
        "idempotency_key": KEY["HTTP_IDEMPOTENCY_KEY"],
        "user": "lea@example.com",
        "acr": "low",
    }


# The token's assurance level: the sign-in behind its authorization.


def _acr(api, token: str) -> str:
    response = api.post(ECHO, {}, content_type="application/json", **bearer(token), **KEY)
    return response.json()["acr"]


def test_a_token_carries_the_level_of_its_sign_in(api, phone_app, shopper):
    token = bearer_token(client=phone_app, user=shopper, acr="substantial")
    assert _acr(api, token) == "substantial"


def test_a_sign_in_older_than_a_day_counts_as_low(api, phone_app, shopper):
    token = bearer_token(
        client=phone_app, user=shopper, acr="high", signed_in_ago=timedelta(days=1, minutes=1)
    )
    assert _acr(api, token) == "low"


def test_a_token_whose_code_was_pruned_counts_as_low(api, phone_app, shopper):
    token = bearer_token(client=phone_app, user=shopper, acr=None)
    assert _acr(api, token) == "low"


def test_a_token_below_the_level_asked_is_challenged_to_step_up(api, phone_app, shopper):
    token = bearer_token(client=phone_app, user=shopper, acr="low")
    response = api.post("/api/test/assured/", {}, content_type="application/json", **bearer(token))
    assert response.status_code == 401
    assert problem_of(response)["code"] == "insufficient_user_authentication"
    assert response["WWW-Authenticate"] == (
        'Bearer error="insufficient_user_authentication", acr_values="substantial"'
    )


def test_a_token_at_the_level_asked_passes(api, phone_app, shopper):
    token = bearer_token(client=phone_app, user=shopper, acr="substantial")
    response = api.post("/api/test/assured/", {}, content_type="application/json", **bearer(token))
    assert response.status_code == 200


def test_a_session_below_the_level_asked_is_refused(api, shopper):
    api.force_login(shopper)
    api.get("/")
    response = api.post(
        "/api/test/assured/",
        {},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=api.cookies["csrftoken"].value,
    )
    assert response.status_code == 403
    assert problem_of(response)["code"] == "insufficient_user_authentication"


# The real flow: a phone app signs in with the code flow and PKCE, and calls the API.


@pytest.mark.django_db(transaction=True)
def test_a_token_from_the_code_flow_opens_the_api(provider, register, make_store, shopper):
    make_store(slug="epicerie")
    app = register(name="Uniqc mobile", is_public=True, allowed_scopes="openid marketplace")
    consent = provider.visit(
        provider.authorization_url(
            app, response_type="code", scope="openid marketplace", state="s"
        ),
        sign_in_as="lea@example.com",
        consent=None,
    )
    # The consent page says what the scope lets the app do.
    assert consent.status_code == 200
    assert 'class="permissions"' in consent.text
    token, _params = provider.code_flow(app, scope="openid marketplace")
    assert "marketplace" in token["scope"].split()
    answer = requests.get(
        provider.base_url + "/api/v1/stores/epicerie/",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["slug"] == "epicerie"


@pytest.mark.django_db(transaction=True)
def test_a_client_not_allowed_the_scope_gets_a_token_the_api_refuses(
    provider,
    register,
    shopper,
):
    partner = register(name="Partenaire", is_public=True)
    provider.sign_in("lea@example.com", PASSWORD)
    token, _params = provider.code_flow(partner, scope="openid marketplace")
    assert "marketplace" not in token["scope"].split()
    answer = requests.get(
        provider.base_url + "/api/v1/stores/",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=5,
    )
    assert answer.status_code == 403
    assert answer.json()["code"] == "insufficient_scope"
