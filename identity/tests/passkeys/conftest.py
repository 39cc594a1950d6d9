"""A card for Alice, sessions signed in at a chosen level, and Chromium's virtual
authenticator (CDP WebAuthn) for passkey ceremonies in the browser."""

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from conftest import csp_violations_watch
from identity.assurance import SESSION_ACR, SESSION_AMR, SESSION_AUTH_TIME, SESSION_CARD_ID
from identity.models import Card, User
from identity.tests.card.conftest import card_key, issue_card, registrar  # noqa: F401
from identity.tests.card_fixtures import CA_PASSPHRASE

ORIGIN = "https://uniqc.test"

# A browser that offers no passkey autofill (conditional mediation), so that the button
# alone signs in. Chromium's virtual authenticator answers an autofill request at once,
# without anyone picking the passkey: the autofill path has its own tests (test_browser.py).
NO_AUTOFILL = "PublicKeyCredential.isConditionalMediationAvailable = async () => false;"


@pytest.fixture(autouse=True)
def _passkey_settings(settings, card_ca_dir) -> None:
    settings.CARD_CA_DIR = card_ca_dir
    settings.CARD_CA_PASSPHRASE = CA_PASSPHRASE
    settings.SITE_URL = ORIGIN


@pytest.fixture
def card(alice, card_key, issue_card) -> Card:  # noqa: F811
    return issue_card(alice, card_key)


def session_client(user: User, *, acr: str, card: Card | None = None) -> Client:
    """A test client whose session is signed in at `acr`, as `session_sign_in` leaves it;
    at `high` it also names the card, as the card sign-in does."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_ACR] = acr
    session[SESSION_AMR] = ["sc", "pin"] if acr == "high" else ["pwd"]
    session[SESSION_AUTH_TIME] = int(time.time())
    if card is not None:
        session[SESSION_CARD_ID] = card.pk
    session.save()
    return client


def session_data(session_key: str) -> dict[str, Any]:
    return SessionStore(session_key=session_key).load()


def browser_session_key(context) -> str:
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    return cookies[django_settings.SESSION_COOKIE_NAME]


@pytest.fixture
def browser_settings(settings, live_server) -> None:
    """WebAuthn's origin is the live server's: http://localhost:<port>, a secure context
    (Chromium refuses an IP address as an RP ID)."""
    settings.SITE_URL = live_server.url


class VirtualAuthenticator:
    """A CTAP2 platform authenticator with resident keys and user verification, attached
    to one page through the Chrome DevTools Protocol."""

    def __init__(self, page) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("WebAuthn.enable")
        self.id = self.cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )["authenticatorId"]

    def credentials(self) -> list[dict[str, Any]]:
        return self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.id})["credentials"]

    def presence_simulation(self, *, enabled: bool) -> None:
        """Whether the authenticator answers by itself; off, a request waits."""
        self.cdp.send(
            "WebAuthn.setAutomaticPresenceSimulation",
            {"authenticatorId": self.id, "enabled": enabled},
        )

    def credential_add(self, credential: dict[str, Any]) -> None:
        self.cdp.send(
            "WebAuthn.addCredential", {"authenticatorId": self.id, "credential": credential}
        )


@pytest.fixture
def new_page(chromium, live_server) -> Callable[[], Any]:
    """Open pages in fresh browser contexts (no cookies), closed after the test; the test
    fails if a page breaks its Content-Security-Policy."""
    contexts = []
    violations: list[list[str]] = []

    def make():
        context = chromium.new_context(base_url=live_server.url, locale="fr-CA")
        context.set_default_timeout(10_000)
        contexts.append(context)
        violations.append(csp_violations_watch(context))
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    assert [text for seen in violations for text in seen] == []
