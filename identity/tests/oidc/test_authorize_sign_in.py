"""When the authorization endpoint sends the person to sign in: prompt=login, max_age,
acr_values and id_token_hint, with freshness known only from the server's own session."""

import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.conf import settings
from django.test import Client
from joserfc import jwt
from joserfc.jwk import ECKey

from identity.assurance import SESSION_ACR, SESSION_AMR, SESSION_AUTH_TIME
from identity.models import OidcAuthorizationCode, OidcGrant
from identity.oidc.keys import ID_TOKEN_LIFETIME_SECONDS, signing_key_active
from identity.oidc.services import oidc_client_create
from identity.oidc.subjects import subject_for
from identity.tests.conftest import PASSWORD
from identity.tests.oidc.conftest import query_params

REDIRECT = "https://rp.example/cb"
SIGN_IN = "/compte/connexion/"
CARD_SIGN_IN = "/login/card"
# Every client registered here requires PKCE (the default): requests carry a challenge.
CODE_VERIFIER = "v" * 50


@pytest.fixture
def browser(monkeypatch) -> Client:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture
def service(db):
    """An internal client: never asks consent, so a granted request answers with a code."""
    return oidc_client_create(
        name="Service de la ville", redirect_uris=[REDIRECT], is_internal=True
    ).client


@pytest.fixture
def rp(db):
    return oidc_client_create(name="Ville de Québec", redirect_uris=[REDIRECT]).client


def sign_in(browser: Client, user: Any, *, seconds_ago: int = 0, acr: str = "low") -> None:
    """Sign `user` in on the browser's session, `seconds_ago` seconds ago."""
    browser.force_login(user)
    session = browser.session
    session[SESSION_ACR] = acr
    session[SESSION_AMR] = ["pwd"]
    session[SESSION_AUTH_TIME] = int(time.time()) - seconds_ago
    session.save()


def authorize(browser: Client, client: Any, **params: str):
    query = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid",
        "state": "st",
        "code_challenge": create_s256_code_challenge(CODE_VERIFIER),
        "code_challenge_method": "S256",
        **params,
    }
    return browser.get("/oidc/authorize?" + urlencode(query))


def sent_to(response, path: str) -> str:
    """The resume address of a redirect to the sign-in page at `path`."""
    assert response.status_code == 302, response.content
    location = response["Location"]
    assert urlsplit(location).path.rstrip("/") == path.rstrip("/"), location
    return parse_qs(urlsplit(location).query)["next"][0]


def answer(response) -> dict[str, str]:
    """The parameters of a redirect to the relying party."""
    assert response.status_code == 302, response.content
    assert response["Location"].startswith(REDIRECT), response["Location"]
    return query_params(response["Location"])


# Finding 6: a request parameter never says the person signed in again.


@pytest.mark.parametrize("forged", ["0", "1"])
def test_prompt_login_with_a_forged_login_after_still_sends_to_sign_in(
    browser, service, alice, forged
):
    sign_in(browser, alice, seconds_ago=5)
    response = authorize(browser, service, prompt="login", uniqc_login_after=forged)
    sent_to(response, SIGN_IN)


def test_max_age_with_a_forged_login_after_still_sends_to_sign_in(browser, service, alice):
    sign_in(browser, alice, seconds_ago=100)
    response = authorize(browser, service, max_age="10", uniqc_login_after="0")
    sent_to(response, SIGN_IN)


def test_acr_step_up_with_a_forged_login_after_still_sends_to_the_card(browser, service, alice):
    sign_in(browser, alice)
    response = authorize(browser, service, acr_values="high", uniqc_login_after="0")
    sent_to(response, CARD_SIGN_IN)


def test_prompt_login_is_met_by_a_sign_in_after_the_endpoint_asked_for_it(browser, service, alice):
    sign_in(browser, alice, seconds_ago=5)
    resume = sent_to(authorize(browser, service, prompt="login"), SIGN_IN)
    sign_in(browser, alice)
    assert answer(browser.get(resume))["code"]


def test_coming_back_without_signing_in_again_sends_to_sign_in_again(browser, service, alice):
    sign_in(browser, alice, seconds_ago=5)
    resume = sent_to(authorize(browser, service, prompt="login"), SIGN_IN)
    assert sent_to(browser.get(resume), SIGN_IN) == resume


def test_max_age_is_met_by_a_sign_in_after_the_endpoint_asked_for_it(browser, service, alice):
    sign_in(browser, alice, seconds_ago=100)
    resume = sent_to(authorize(browser, service, max_age="10"), SIGN_IN)
    assert sent_to(browser.get(resume), SIGN_IN) == resume
    sign_in(browser, alice)
    assert answer(browser.get(resume))["code"]


def test_a_fresh_sign_in_below_the_level_asked_is_unmet(browser, service, alice):
    sign_in(browser, alice)
    resume = sent_to(authorize(browser, service, acr_values="high"), CARD_SIGN_IN)
    sign_in(browser, alice, acr="substantial")
    params = answer(browser.get(resume))
    assert params["error"] == "unmet_authentication_requirements"
    assert params["state"] == "st"


def test_the_card_sign_in_meets_the_level_asked(browser, service, alice):
    sign_in(browser, alice)
    resume = sent_to(authorize(browser, service, acr_values="high"), CARD_SIGN_IN)
    sign_in(browser, alice, acr="high")
    assert answer(browser.get(resume))["code"]
    assert OidcAuthorizationCode.objects.get(client=service).acr == "high"


def test_a_resumed_request_is_the_kept_one(browser, service, alice):
    """Parameters added to the way back are ignored: the request is the one kept."""
    sign_in(browser, alice, seconds_ago=5)
    resume = sent_to(authorize(browser, service, prompt="login", state="kept"), SIGN_IN)
    sign_in(browser, alice)
    added = urlencode(
        {"state": "added", "scope": "openid email", "redirect_uri": "https://x.example/"}
    )
    params = answer(browser.get(resume + "?" + added))
    assert params["state"] == "kept"
    assert OidcGrant.objects.get(client=service).scope == "openid"


def test_a_resumed_request_is_used_once(browser, service, alice):
    sign_in(browser, alice, seconds_ago=5)
    resume = sent_to(authorize(browser, service, prompt="login"), SIGN_IN)
    sign_in(browser, alice)
    assert answer(browser.get(resume))["code"]
    again = browser.get(resume)
    assert again.status_code == 400
    assert not again.has_header("Location")


def test_an_unknown_resume_id_is_an_error_page(browser, alice):
    sign_in(browser, alice)
    response = browser.get("/oidc/authorize/resume/unknown")
    assert response.status_code == 400
    assert not response.has_header("Location")


def test_a_signed_out_person_comes_back_to_the_request(browser, service, alice):
    resume = sent_to(authorize(browser, service), SIGN_IN)
    sign_in(browser, alice)
    assert answer(browser.get(resume))["code"]


def test_an_oversized_request_is_invalid_request(browser, service):
    params = answer(authorize(browser, service, nonce="n" * 20_000))
    assert params["error"] == "invalid_request"


# id_token_hint (OIDC Core 3.1.2.1).


def id_token(client: Any, user: Any, **claims: Any) -> str:
    """An ID token as the provider signs it."""
    key = signing_key_active(client.id_token_alg)
    now = int(time.time())
    payload = {
        "iss": settings.SITE_URL,
        "sub": subject_for(user=user, client=client),
        "aud": client.client_id,
        "iat": now,
        "exp": now + ID_TOKEN_LIFETIME_SECONDS,
        **claims,
    }
    header = {"alg": client.id_token_alg, "kid": key.kid}
    return jwt.encode(header, payload, key, [client.id_token_alg])


def test_a_hint_naming_the_signed_in_person_is_accepted(browser, service, alice):
    sign_in(browser, alice)
    assert answer(authorize(browser, service, id_token_hint=id_token(service, alice)))["code"]


def test_an_expired_hint_naming_the_signed_in_person_is_accepted(browser, service, alice):
    sign_in(browser, alice)
    expired = id_token(service, alice, iat=0, exp=1)
    assert answer(authorize(browser, service, id_token_hint=expired))["code"]


def test_a_hint_naming_someone_else_sends_to_sign_in(browser, service, alice, make_user):
    bob = make_user("bob@example.com", given_name="Bob")
    sign_in(browser, alice)
    sent_to(authorize(browser, service, id_token_hint=id_token(service, bob)), SIGN_IN)


def test_a_hint_naming_someone_else_with_prompt_none_is_login_required(
    browser, service, alice, make_user
):
    bob = make_user("bob@example.com", given_name="Bob")
    sign_in(browser, alice)
    hint = id_token(service, bob)
    params = answer(authorize(browser, service, id_token_hint=hint, prompt="none"))
    assert params["error"] == "login_required"
    assert params["state"] == "st"


def test_a_hint_when_signed_out_with_prompt_none_is_login_required(browser, service, alice):
    hint = id_token(service, alice)
    params = answer(authorize(browser, service, id_token_hint=hint, prompt="none"))
    assert params["error"] == "login_required"


def test_a_hint_still_naming_someone_else_after_signing_in_is_login_required(
    browser, service, alice, make_user
):
    bob = make_user("bob@example.com", given_name="Bob")
    sign_in(browser, alice)
    resume = sent_to(authorize(browser, service, id_token_hint=id_token(service, bob)), SIGN_IN)
    sign_in(browser, alice)
    assert answer(browser.get(resume))["error"] == "login_required"


def test_a_hint_for_the_person_signing_in_is_met_after_sign_in(browser, service, alice):
    resume = sent_to(authorize(browser, service, id_token_hint=id_token(service, alice)), SIGN_IN)
    sign_in(browser, alice)
    assert answer(browser.get(resume))["code"]


def _forged(client: Any, _other: Any, user: Any) -> str:
    """Our claims and our key's id, signed with another key."""
    key = ECKey.generate_key("P-256", parameters={"kid": signing_key_active("ES256").kid})
    now = int(time.time())
    payload = {
        "iss": settings.SITE_URL,
        "sub": subject_for(user=user, client=client),
        "aud": client.client_id,
        "iat": now,
        "exp": now + 60,
    }
    return jwt.encode({"alg": "ES256", "kid": key.kid}, payload, key, ["ES256"])


@pytest.mark.parametrize(
    "make_hint",
    [
        pytest.param(lambda service, rp, user: "not-a-token", id="not-a-jwt"),
        pytest.param(_forged, id="signed-by-another-key"),
        pytest.param(lambda service, rp, user: id_token(rp, user), id="issued-to-another-client"),
        pytest.param(
            lambda service, rp, user: id_token(service, user, iss="https://other.example"),
            id="another-issuer",
        ),
        pytest.param(
            lambda service, rp, user: id_token(service, user, sub=""), id="without-subject"
        ),
    ],
)
def test_an_invalid_hint_is_invalid_request(browser, service, rp, alice, make_hint):
    sign_in(browser, alice)
    hint = make_hint(service, rp, alice)
    params = answer(authorize(browser, service, id_token_hint=hint))
    assert params["error"] == "invalid_request"
    assert params["state"] == "st"
    assert params["iss"] == settings.SITE_URL


def test_a_sign_in_in_another_browser_does_not_make_this_one_fresh(browser, service, alice):
    """Freshness is this session's: not the person's last sign-in anywhere."""
    browser.force_login(alice)  # a session with no sign-in time of its own
    resume = sent_to(authorize(browser, service, prompt="login"), SIGN_IN)
    elsewhere = Client(HTTP_HOST="127.0.0.1")
    response = elsewhere.post(SIGN_IN, {"email": alice.email, "password": PASSWORD})
    assert response.status_code == 302
    assert sent_to(browser.get(resume), SIGN_IN) == resume


def test_max_age_counts_from_this_sessions_sign_in(browser, service, alice):
    browser.force_login(alice)  # last_login is now, but this session has no sign-in time
    sent_to(authorize(browser, service, max_age="3600"), SIGN_IN)
