"""The whole card sign-in in Chromium, nothing faked: the sign-in page -> the agent's bridge
-> pyscard -> pcscd -> vpcd -> the virtual card -> back to the server -> signed in at `high`.

The card is issued as a registrar's workstation issues it: a blank card generates its keys
(registrar mode; slot 9A to sign in, slot 9C to sign documents), the test CA certifies
them, the agent writes the certificates and the holder's PIN, and the card is registered.
The bridge runs in page PIN entry mode, the only mode in which a browser alone can type
the PIN. Like card_agent/tests, these tests fail (never skip) without pcscd and vpcd: see
card_agent/tests/pcsc_fixtures.py.
"""

import contextlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext

from card_agent import piv
from card_agent.emulator import DEFAULT_PIN, VirtualPivCard
from conftest import csp_violations_watch
from identity.assurance import SESSION_ACR, SESSION_AMR
from identity.card.ca import card_certificate_issue, card_signing_certificate_issue
from identity.card.services import card_register, card_revoke, identity_check_record
from identity.models import Card, CardRevocationReason, IdentityDocumentType, User
from identity.oidc.services import oidc_client_create
from identity.tests.card_fixtures import CA_PASSPHRASE
from identity.tests.oidc.conftest import REDIRECT_URI, Provider, Registered
from tests.browser.sessions import browser_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PIN = "20261123"  # the holder's own PIN, set at issuance in place of the transport PIN
PROFILE = "/compte/profil/"
# Screenshots for a person to look at (the signed-in page, the messages), overwritten each run.
SCREENSHOTS = Path("/tmp")  # noqa: S108 - nothing secret is in them


@dataclass
class Issued:
    person: User
    registrar: User
    card: Card
    virtual_card: VirtualPivCard


@pytest.fixture
def site(live_server) -> str:
    """The live server by its loopback address, as the bridge's default origins name it
    (the live server listens on 127.0.0.1; its `url` says localhost)."""
    return f"http://127.0.0.1:{urlsplit(live_server.url).port}"


@pytest.fixture
def page(chromium, site):
    """A fresh French browser context on `site` (replaces the root conftest's `page`)."""
    context = chromium.new_context(base_url=site, locale="fr-CA")
    context.set_default_timeout(15_000)
    violations = csp_violations_watch(context)
    page = context.new_page()
    yield page
    context.close()
    assert violations == []


@pytest.fixture
def card_settings(settings, card_ca_dir, site) -> None:
    settings.CARD_CA_DIR = card_ca_dir
    settings.CARD_CA_PASSPHRASE = CA_PASSPHRASE
    settings.SITE_URL = site  # the origin the card signs and the server expects
    cache.clear()  # nonce and token rate limits start unspent


@pytest.fixture
def issued(make_person, agent, vpcd_emulator, card_settings) -> Issued:
    """Issuance at a branch, through the agent and the real PC/SC stack."""
    registrar = make_person("registrar@example.com", "registrar")
    person = make_person("marie@example.com", "shopper", given_name="Marie", family_name="Gagnon")
    check = identity_check_record(
        person=person,
        document_type=IdentityDocumentType.DRIVERS_LICENCE,
        document_last4="7K3Q",
        branch="Desjardins, Plateau-Mont-Royal",
        registrar=registrar,
    )
    public_key = agent.generate_key(pin=None)  # GENERATE ASYMMETRIC KEY PAIR, on the card
    certificate = card_certificate_issue(public_key=public_key, user=person)
    agent.write_certificate(certificate.public_bytes(serialization.Encoding.DER), pin=None)
    # The document signature key, slot 9C, with its pseudonymous certificate.
    signing_key = agent.generate_key(pin=None, slot=piv.SLOT_SIGNATURE)
    signing_certificate = card_signing_certificate_issue(
        public_key=signing_key, pseudonym=secrets.token_hex(16)
    )
    agent.write_certificate(
        signing_certificate.public_bytes(serialization.Encoding.DER),
        pin=None,
        slot=piv.SLOT_SIGNATURE,
    )
    agent.change_pin(old_pin=DEFAULT_PIN, new_pin=PIN)  # CHANGE REFERENCE DATA
    card = card_register(
        person=person,
        certificate=certificate,
        identity_check=check,
        registrar=registrar,
        signing_certificate=signing_certificate,
    )
    virtual_card = vpcd_emulator.card
    assert virtual_card.registrar_mode is False  # the holder's PIN ended the blank state
    return Issued(person=person, registrar=registrar, card=card, virtual_card=virtual_card)


def card_sign_in(page, pin: str, *, next_url: str = PROFILE) -> None:
    """Open the sign-in page, type the PIN once the agent has asked for it, submit."""
    page.goto(f"/login/card?next={next_url}")
    page.locator("#card-pin").wait_for()  # shown once the bridge answers pinEntry "page"
    page.fill("#card-pin", pin)
    page.click("#card-submit")


def error_shown(page) -> str:
    status = page.locator("#card-status.error")
    status.wait_for()
    return status.text_content()


def french(message: str) -> str:
    """`message` as the French page shows it. The page's messages come from {% translate %},
    which doubles a `%` before looking the text up and restores it afterwards."""
    with translation.override("fr"):
        return gettext(message.replace("%", "%%")).replace("%%", "%")


def test_card_sign_in_through_the_whole_stack_is_high(page, issued, bridge):
    card_sign_in(page, PIN)
    page.wait_for_url(lambda url: urlsplit(url).path == PROFILE)

    session = browser_session(page)
    assert session["_auth_user_id"] == str(issued.person.pk)
    assert session[SESSION_ACR] == "high"
    assert session[SESSION_AMR] == ["sc", "pin"]
    assert issued.virtual_card.pin_tries_left == 3
    assert issued.virtual_card.pin_verified is False  # no PIN state outlives the signature
    page.screenshot(path=SCREENSHOTS / "card-signed-in.png", full_page=True)


def test_wrong_pin_shows_the_tries_left_then_the_right_pin_signs_in(page, issued, bridge):
    card_sign_in(page, "000000")
    template = french("Wrong PIN. Tries left before the card blocks: %(tries)s.")
    expected = template.replace("%(tries)s", "2")
    nbsp = "\N{NO-BREAK SPACE}"  # French typography, before the colon
    assert expected == f"NIP incorrect. Essais restants avant le blocage de la carte{nbsp}: 2."
    assert error_shown(page) == expected
    assert issued.virtual_card.pin_tries_left == 2
    assert page.locator("#card-pin").input_value() == ""  # the page forgets the wrong PIN
    page.screenshot(path=SCREENSHOTS / "card-wrong-pin.png", full_page=True)

    page.fill("#card-pin", PIN)
    page.click("#card-submit")
    page.wait_for_url(lambda url: urlsplit(url).path == PROFILE)
    assert browser_session(page)[SESSION_ACR] == "high"
    assert issued.virtual_card.pin_tries_left == 3


def test_revoked_card_is_refused_with_the_revoked_message(page, issued, bridge):
    card_revoke(card=issued.card, reason=CardRevocationReason.STOLEN, acting_user=issued.registrar)
    card_sign_in(page, PIN)
    assert error_shown(page) == french("This card is revoked. A registrar can issue a new one.")
    page.screenshot(path=SCREENSHOTS / "card-revoked.png", full_page=True)
    assert "_auth_user_id" not in browser_session(page)


def test_oidc_client_asking_for_high_gets_acr_high_after_a_card_sign_in(
    page, issued, bridge, site, monkeypatch
):
    card_sign_in(page, PIN)
    page.wait_for_url(lambda url: urlsplit(url).path == PROFILE)

    # The relying party's user agent carries the session the card sign-in opened.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    browser = requests.Session()
    for cookie in page.context.cookies():
        browser.cookies.set(cookie["name"], cookie["value"], domain=cookie["domain"])
    with contextlib.closing(browser):
        config = browser.get(site + "/.well-known/openid-configuration").json()
        provider = Provider(base_url=site, config=config, browser=browser)
        created = oidc_client_create(
            name="Ville de Québec", redirect_uris=[REDIRECT_URI], is_internal=True
        )
        registered = Registered(created.client.client_id, created.client_secret, created.client)
        token, _ = provider.code_flow(registered, acr_values="high", nonce="n-card")
        claims = provider.id_token_claims(token["id_token"])
        for session in provider.sessions:
            session.close()
    assert claims["acr"] == "high"
    assert claims["amr"] == ["sc", "pin"]
    assert claims["nonce"] == "n-card"
