"""The card sign-in page's script in Chromium, against a stand-in for the card agent.

The agent's bridge is faked at the HTTP boundary (Playwright routes its address); the
page, the nonce and token endpoints, and the validation are the real ones. The whole
stack with the real agent and the virtual card is tested on the card side.
"""

import json
from urllib.parse import urlsplit

import pytest
from django.utils import translation
from django.utils.translation import gettext

from identity.assurance import SESSION_ACR
from identity.tests.card.conftest import card_certificate, token_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AGENT = "http://127.0.0.1:34567"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
}


def agent_fake(page, *, sign, pin_entry="page", demo=False):
    """Answer the page's calls to the agent: /status ready, /sign through `sign(body)`."""
    status_body = json.dumps(
        {
            "version": "0.1.0",
            "demo": demo,
            "readers": ["Virtual PCD"],
            "card": True,
            "pinEntry": pin_entry,
        }
    )

    def handle(route, request):
        if request.method == "OPTIONS":
            route.fulfill(status=204, headers=CORS)
        elif request.url.endswith("/status"):
            route.fulfill(
                status=200, headers=CORS, content_type="application/json", body=status_body
            )
        else:
            status, body = sign(json.loads(request.post_data))
            route.fulfill(
                status=status, headers=CORS, content_type="application/json", body=json.dumps(body)
            )

    page.route(f"{AGENT}/**", handle)


@pytest.fixture
def page_settings(settings, live_server):
    settings.SITE_URL = live_server.url
    settings.CARD_AGENT_URL = AGENT


def test_card_sign_in_in_the_browser(page, page_settings, live_server, card, card_key, alice):
    seen = {}

    def sign(body):
        seen.update(body)
        token = token_make(
            key=card_key,
            certificate=card_certificate(card),
            nonce=body["nonce"],
            origin=live_server.url,
        )
        return 200, json.loads(token)

    agent_fake(page, sign=sign)
    page.goto("/login/card?next=/compte/profil/")
    page.fill("#card-pin", "123456")
    page.click("#card-submit")
    page.wait_for_url(lambda url: urlsplit(url).path == "/compte/profil/")
    assert seen["pin"] == "123456"
    assert len(seen["nonce"]) == 44
    from django.contrib.sessions.models import Session

    sessions = [s.get_decoded() for s in Session.objects.all()]
    assert any(s.get(SESSION_ACR) == "high" for s in sessions)


def test_wrong_pin_shows_tries_left(page, page_settings):
    agent_fake(page, sign=lambda body: (401, {"error": "wrong_pin", "triesLeft": 2}))
    page.goto("/login/card")
    page.fill("#card-pin", "000000")
    page.click("#card-submit")
    status = page.locator("#card-status")
    status.filter(has_text="2").wait_for()
    assert "2" in status.text_content()


def test_revoked_card_is_explained(page, page_settings, live_server, card, card_key, alice):
    from identity.card.services import card_declare_lost

    card_declare_lost(user=alice)

    def sign(body):
        token = token_make(
            key=card_key,
            certificate=card_certificate(card),
            nonce=body["nonce"],
            origin=live_server.url,
        )
        return 200, json.loads(token)

    agent_fake(page, sign=sign)
    page.goto("/login/card")
    page.fill("#card-pin", "123456")
    page.click("#card-submit")
    status = page.locator("#card-status.error")
    status.wait_for()
    assert "révoquée" in status.text_content() or "revoked" in status.text_content()


def test_no_agent_is_explained(page, page_settings):
    page.route(f"{AGENT}/**", lambda route, request: route.abort())
    page.goto("/login/card")
    page.click("#card-submit")
    status = page.locator("#card-status.error")
    status.wait_for()
    with translation.override("fr"):
        expected = gettext(
            "The Uniqc card agent is not running on this computer. Start it, then try again."
        )
    assert status.text_content() == expected


def test_agent_that_asks_for_the_pin_itself(page, page_settings, live_server, card, card_key):
    seen = {}

    def sign(body):
        seen.update(body)
        token = token_make(
            key=card_key,
            certificate=card_certificate(card),
            nonce=body["nonce"],
            origin=live_server.url,
        )
        return 200, json.loads(token)

    agent_fake(page, sign=sign, pin_entry="agent", demo=True)
    page.goto("/login/card")
    page.locator("#card-pin-agent").wait_for()
    assert page.locator("#card-pin-row").is_hidden()
    assert page.locator("#card-demo").is_visible()
    page.click("#card-submit")
    # No `next`: the account hub, where every sign-in lands.
    page.wait_for_url(lambda url: urlsplit(url).path == "/compte/")
    assert set(seen) == {"nonce"}


def test_status_error_is_explained_on_arrival(page, page_settings):
    def handle(route, request):
        route.fulfill(
            status=200,
            headers=CORS,
            content_type="application/json",
            body=json.dumps({"error": "no_reader", "pinEntry": "agent", "demo": False}),
        )

    page.route(f"{AGENT}/**", handle)
    page.goto("/login/card")
    status = page.locator("#card-status.error")
    status.wait_for()
    assert "lecteur" in status.text_content() or "reader" in status.text_content()
