"""The account hub (/compte/): only for the signed-in, where sign-in lands, the one next
step for each person's state, the card's state, the panels other apps register, and a
bounded number of queries."""

import datetime
import json
import re

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from identity import account_panels
from identity.account import card_state
from identity.account_panels import AccountPanel, panels_for
from identity.card.services import card_declare_lost, card_revoke
from identity.models import Card, CardRevocationReason, CardStatus, OidcClaimRelease
from identity.oidc.services import oidc_client_create, oidc_consent_record
from identity.tests.card.conftest import card_key, issue_card, registrar  # noqa: F401
from identity.tests.conftest import PASSWORD
from identity.tests.passkeys.authenticator import SoftAuthenticator
from identity.tests.passkeys.conftest import ORIGIN, session_client

HUB = reverse("identity:account")


@pytest.fixture(autouse=True)
def _card_settings(card_settings) -> None:
    """Every test here runs against the test card CA (card_fixtures.card_settings)."""


@pytest.fixture
def verified(make_user):
    return make_user("marie@example.com", given_name="Marie", email_verified=True)


@pytest.fixture
def card(verified, card_key, issue_card) -> Card:  # noqa: F811
    return issue_card(verified, card_key)


def passkey_add(user, card) -> None:
    """Add a passkey as the browser does, through the endpoints, in a card session."""
    client = session_client(user, acr="high", card=card)
    authenticator = SoftAuthenticator(origin=ORIGIN, rp_id="uniqc.test")
    options = client.post(
        reverse("identity:passkeys:register_options"), "{}", content_type="application/json"
    ).json()
    body = {"name": "Mon portable", "credential": authenticator.create(options)}
    response = client.post(
        reverse("identity:passkeys:register"), json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200, response.content


def next_action(client: Client) -> str:
    response = client.get(HUB)
    assert response.status_code == 200
    found = re.search(r'id="next-action" data-next-action="([a-z_]+)"', response.content.decode())
    assert found, "no next action on the hub"
    return found.group(1)


def signed_in(user, acr: str = "low") -> Client:
    return session_client(user, acr=acr)


# --- Who may see it, and where sign-in lands ------------------------------------------


def test_a_visitor_is_sent_to_sign_in_and_brought_back(client):
    response = client.get(HUB)
    assert response.status_code == 302
    assert response.url == reverse("identity:login") + "?next=" + HUB


def test_password_sign_in_lands_on_the_hub(client, verified):
    assert reverse(django_settings.LOGIN_REDIRECT_URL) == HUB
    response = client.post(
        reverse("identity:login"), {"email": verified.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == HUB


def test_the_hub_answers_get_only(verified):
    assert signed_in(verified).post(HUB).status_code == 405


# --- The next useful action, one state each ----------------------------------------------


def test_next_action_is_verify_email_first(make_user, card_key, issue_card):  # noqa: F811
    unverified = make_user("new@example.com")
    issue_card(unverified, card_key)  # even with a card: the address comes first
    assert next_action(signed_in(unverified)) == "verify_email"


def test_next_action_is_get_a_card_when_the_email_is_verified(verified):
    assert next_action(signed_in(verified)) == "get_card"


def test_next_action_is_get_a_card_again_once_the_card_is_lost(verified, card):
    card_declare_lost(user=verified)
    client = signed_in(verified)
    assert next_action(client) == "get_card"
    assert 'data-state="lost"' in client.get(HUB).content.decode()


def test_next_action_is_add_a_passkey_with_a_card_and_none(verified, card):
    assert next_action(signed_in(verified)) == "add_passkey"


def test_next_action_is_shop_local_once_all_is_set(verified, card):
    passkey_add(verified, card)
    client = signed_in(verified, acr="substantial")
    assert next_action(client) == "shop_local"
    page = client.get(HUB).content.decode()
    assert f'href="{reverse("marketplace:store_list")}"' in page
    assert 'id="passkey-count">1<' in page


# --- What the hub says ---------------------------------------------------------------------


def test_hub_shows_the_session_level_proof_and_card(verified, card):
    page = session_client(verified, acr="high", card=card).get(HUB).content.decode()
    assert 'data-level="high"' in page
    assert 'data-proven="true"' in page
    assert 'data-state="active"' in page
    assert reverse("identity:card") + "#declare-lost" in page


def test_hub_of_a_new_person_says_not_proven_and_no_card(verified):
    page = signed_in(verified).get(HUB).content.decode()
    assert 'data-level="low"' in page
    assert 'data-proven="false"' in page
    assert 'data-state="none"' in page
    assert "#declare-lost" not in page


@pytest.mark.parametrize(
    ("status", "reason", "days_left", "expected"),
    [
        (CardStatus.ACTIVE, "", 365, "active"),
        (CardStatus.ACTIVE, "", 30, "expiring"),
        (CardStatus.REVOKED, CardRevocationReason.LOST, 365, "lost"),
        (CardStatus.REVOKED, CardRevocationReason.STOLEN, 365, "lost"),
        (CardStatus.REVOKED, CardRevocationReason.REPLACED, 365, "revoked"),
        (CardStatus.SUSPENDED, "", 365, "suspended"),
    ],
)
def test_card_state(status, reason, days_left, expected):
    now = timezone.now()
    card = Card(
        status=status, revocation_reason=reason, not_after=now + datetime.timedelta(days=days_left)
    )
    assert card_state(card, now=now) == expected
    assert card_state(None, now=now) == "none"


def test_hub_lists_each_connected_service_with_its_latest_release(verified):
    client_row = oidc_client_create(name="Ville de Québec", redirect_uris=["https://v.example/cb"])
    service = client_row.client
    oidc_consent_record(
        user=verified, client=service, claims_asked=["email"], claims_granted=["email"]
    )
    OidcClaimRelease.objects.create(user=verified, client=service, claims=["email"])
    page = signed_in(verified).get(HUB).content.decode()
    link = reverse("identity:connected_services") + f"#service-{service.pk}-name"
    assert f'href="{link}"' in page
    assert "Ville de Québec" in page


# --- Panels of the apps above identity -----------------------------------------------------


@pytest.fixture
def fake_panels():
    """Two panels of a made-up app, removed after the test."""
    added = []

    def add(key: str, order: int, context):
        account_panels.register(
            AccountPanel(
                key=key,
                title=key,
                order=order,
                template_name="components/empty_state.html",
                context=context,
            )
        )
        added.append(key)

    yield add
    for key in added:
        account_panels.unregister(key)


def test_a_panel_whose_context_is_none_is_hidden_and_panels_come_in_order(
    fake_panels, verified, rf
):
    fake_panels("zz_late", -1, lambda request: {"title": "late"})
    fake_panels("zz_hidden", -3, lambda request: None)
    fake_panels("zz_early", -2, lambda request: {"title": "early"})
    request = rf.get(HUB)
    request.user = verified
    keys = [shown.panel.key for shown in panels_for(request)]
    assert "zz_hidden" not in keys
    assert keys[:2] == ["zz_early", "zz_late"]
    page = signed_in(verified).get(HUB).content.decode()
    assert page.index('id="panel-zz_early"') < page.index('id="panel-zz_late"')
    assert 'id="panel-zz_hidden"' not in page


def test_registering_a_key_again_replaces_the_panel(fake_panels, verified, rf):
    fake_panels("zz_twice", -1, lambda request: None)
    fake_panels("zz_twice", -1, lambda request: {"title": "second"})
    request = rf.get(HUB)
    request.user = verified
    assert [s.context for s in panels_for(request) if s.panel.key == "zz_twice"] == [
        {"title": "second"}
    ]


# --- Cost ----------------------------------------------------------------------------------


def test_hub_queries_do_not_grow_with_services_or_cards(verified, card, registrar):  # noqa: F811
    passkey_add(verified, card)

    def add_services(count: int, start: int) -> None:
        for n in range(start, start + count):
            service = oidc_client_create(
                name=f"Service {n}", redirect_uris=[f"https://s{n}.example/cb"]
            ).client
            oidc_consent_record(
                user=verified, client=service, claims_asked=["email"], claims_granted=["email"]
            )
            OidcClaimRelease.objects.create(user=verified, client=service, claims=["email"])

    def queries() -> int:
        client = signed_in(verified, acr="substantial")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(HUB).status_code == 200
        return len(captured)

    add_services(1, 0)
    one = queries()
    add_services(4, 1)
    card_revoke(card=card, reason=CardRevocationReason.LOST, acting_user=registrar)
    five = queries()
    assert one == five
    assert one <= 15
