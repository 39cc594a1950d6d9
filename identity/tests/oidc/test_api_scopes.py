"""Scopes that open one of the coop's JSON APIs (`marketplace`): granted to a client on
purpose, told to the person and agreed to like a claim, and read by the API through
`bearer_access`."""

import pytest

from identity.oidc.claims import claims_requested
from identity.oidc.policy import (
    AskConsent,
    ClientFlags,
    ConsentAnswer,
    Issue,
    SessionState,
    StoredConsent,
    authorization_decision,
    authorization_params,
)
from identity.oidc.selectors import bearer_access
from identity.oidc.services import oidc_client_create

NOW = 1_800_000_000
ALICE = SessionState(signed_in=True, acr="low", auth_time=NOW - 60, subject="sub")
APP = ClientFlags(is_internal=False, allowed_scopes=frozenset({"openid", "marketplace"}))


def decide(*, consent: StoredConsent | None, answer: ConsentAnswer | None = None):
    return authorization_decision(
        session=ALICE,
        params=authorization_params({}, scope="openid marketplace"),
        client=APP,
        consent=consent,
        answer=answer,
        sign_in_sent_at=None,
        now=NOW,
    )


@pytest.mark.django_db
def test_a_new_client_is_not_allowed_the_marketplace_scope_unless_asked():
    default = oidc_client_create(name="Ville", redirect_uris=["https://ville.example/cb"])
    assert "marketplace" not in default.client.allowed_scopes.split()
    app = oidc_client_create(
        name="App",
        redirect_uris=["https://app.example/cb"],
        allowed_scopes="openid marketplace",
    )
    assert app.client.allowed_scopes == "openid marketplace"


@pytest.mark.django_db
def test_discovery_lists_the_marketplace_scope(client):
    config = client.get("/.well-known/openid-configuration").json()
    assert "marketplace" in config["scopes_supported"]


def test_the_permission_is_asked_only_of_a_client_allowed_it():
    asked = claims_requested(
        scope="openid marketplace", claims_request={}, allowed_scopes={"openid", "marketplace"}
    )
    assert asked == ["marketplace"]
    assert (
        claims_requested(scope="openid marketplace", claims_request={}, allowed_scopes={"openid"})
        == []
    )


def test_the_person_is_asked_about_the_permission():
    assert decide(consent=None) == AskConsent(claims=("marketplace",), essential=frozenset())


def test_allowing_grants_the_permission_without_a_tick():
    decision = decide(consent=None, answer=ConsentAnswer(allowed=True))
    assert decision == Issue(
        released=("marketplace",), requested=("marketplace",), consent_given=True
    )


def test_a_consent_given_before_the_permission_existed_asks_again():
    before = StoredConsent(claims_asked=frozenset(), claims_granted=frozenset())
    assert isinstance(decide(consent=before), AskConsent)


@pytest.mark.parametrize("token", ["", " ", "x" * 513, "not-a-token"])
@pytest.mark.django_db
def test_bearer_access_refuses_what_is_not_a_live_token(token):
    assert bearer_access(token) is None
