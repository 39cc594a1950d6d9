"""Passkeys in Chromium with its virtual authenticator: added after a card sign-in,
used for a usernameless sign-in at `substantial`, refused once their card is revoked
or when their sign count goes backwards."""

import logging
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import translation

from identity.assurance import SESSION_ACR, SESSION_AMR
from identity.card.services import card_revoke
from identity.models import CardRevocationReason, Passkey
from identity.passkeys import errors
from identity.tests.passkeys.conftest import (
    NO_AUTOFILL,
    VirtualAuthenticator,
    browser_session_key,
    session_client,
    session_data,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def passkey_add(page, live_server, *, alice, card, name: str) -> VirtualAuthenticator:
    """In a session signed in with `card`, add a passkey named `name` on a new authenticator."""
    authenticator = VirtualAuthenticator(page)
    client = session_client(alice, acr="high", card=card)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto("/compte/cles/")
    page.fill("#passkey-name", name)
    page.click("#passkey-add-button")
    page.locator("table.passkeys", has_text=name).wait_for()
    return authenticator


def passkey_sign_in(page) -> None:
    """Sign in with the passkey button, in a browser without passkey autofill."""
    page.add_init_script(NO_AUTOFILL)
    page.goto("/compte/connexion/?next=/compte/profil/")
    assert page.locator("#passkey-autofill").is_hidden()
    page.click("#passkey-sign-in")


@pytest.fixture
def registered(page, new_page, live_server, browser_settings, alice, card):
    """Alice's passkey, added in one context; the authenticator's copy of the credential."""
    authenticator = passkey_add(page, live_server, alice=alice, card=card, name="Mon portable")
    [credential] = authenticator.credentials()
    return credential


def sign_in_page(new_page, credential):
    """A fresh context whose authenticator holds `credential` (the same device, signed out)."""
    page = new_page()
    VirtualAuthenticator(page).credential_add(credential)
    return page


def test_passkey_added_after_card_sign_in_signs_in_usernameless_at_substantial(
    registered, new_page, alice, card
):
    passkey = Passkey.objects.get()
    assert (passkey.user, passkey.card, passkey.name) == (alice, card, "Mon portable")
    assert bytes(passkey.credential_id) == _b64url(registered["credentialId"])
    assert registered["isResidentCredential"] is True

    page = sign_in_page(new_page, registered)
    passkey_sign_in(page)
    page.wait_for_url(lambda url: urlsplit(url).path == "/compte/profil/")

    session = session_data(browser_session_key(page.context))
    assert session[SESSION_ACR] == "substantial"
    assert session[SESSION_AMR] == ["hwk", "user", "mfa"]
    assert session["_auth_user_id"] == str(alice.pk)
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    assert passkey.sign_count > 0

    # A passkey session is below `high`: it cannot add another passkey.
    page.goto("/compte/cles/")
    assert page.locator("#passkey-add-button").count() == 0
    assert page.locator("table.passkeys", has_text="Mon portable").is_visible()


def test_list_shows_the_passkey_and_removal_stops_it_signing_in(registered, page, new_page):
    row = page.locator("tr", has_text="Mon portable")
    assert row.locator("code").inner_text().startswith(Passkey.objects.get().card.serial_number[:8])
    row.locator("form[action$='/retirer/'] button").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/compte/cles/")
    assert page.locator("table.passkeys").count() == 0
    assert Passkey.objects.get().revoked_at is not None

    fresh = sign_in_page(new_page, registered)
    passkey_sign_in(fresh)
    status = fresh.locator("#passkey-status[data-error]")
    status.wait_for()
    assert status.get_attribute("data-error") == "passkey_revoked"


def test_passkey_of_a_revoked_card_is_refused_with_a_clear_message(
    registered, new_page, alice, card, caplog
):
    card_revoke(card=card, reason=CardRevocationReason.LOST, acting_user=alice)
    assert Passkey.objects.get().revoked_at is not None

    page = sign_in_page(new_page, registered)
    with caplog.at_level(logging.WARNING, logger="identity.security"):
        passkey_sign_in(page)
        status = page.locator("#passkey-status[data-error]")
        status.wait_for()
    assert status.get_attribute("data-error") == "passkey_card_revoked"
    with translation.override("fr-ca"):  # the page's language
        assert status.inner_text() == str(errors.PasskeyCardRevoked.message)
    assert urlsplit(page.url).path == "/compte/connexion/"
    assert SESSION_ACR not in session_data(browser_session_key(page.context))
    assert "reason=passkey_card_revoked" in caplog.text


def test_sign_count_going_backwards_is_refused_flagged_and_logged(registered, new_page, caplog):
    Passkey.objects.update(sign_count=1_000)

    page = sign_in_page(new_page, registered)
    with caplog.at_level(logging.WARNING, logger="identity.security"):
        passkey_sign_in(page)
        status = page.locator("#passkey-status[data-error]")
        status.wait_for()
    assert status.get_attribute("data-error") == "sign_count_regressed"
    passkey = Passkey.objects.get()
    assert passkey.sign_count_regressed_at is not None
    assert passkey.sign_count == 1_000
    assert "sign count went backwards" in caplog.text
    assert SESSION_ACR not in session_data(browser_session_key(page.context))


def test_autofill_signs_in_with_the_passkey_the_browser_offers(registered, new_page, alice):
    """Chromium offers passkey autofill: the page asks for a conditional request at once
    (the virtual authenticator picks the passkey as a person would from the list)."""
    page = sign_in_page(new_page, registered)
    page.goto("/compte/connexion/?next=/compte/profil/")
    page.wait_for_url(lambda url: urlsplit(url).path == "/compte/profil/")
    session = session_data(browser_session_key(page.context))
    assert session[SESSION_ACR] == "substantial"
    assert session["_auth_user_id"] == str(alice.pk)


def test_the_button_withdraws_a_pending_autofill_request_and_signs_in(registered, new_page, alice):
    """While the autofill request waits for the person (the authenticator answers nothing
    until presence is simulated), the button must abort it first: a browser runs one
    request at a time (without the abort, the button's request fails at once)."""
    page = new_page()
    authenticator = VirtualAuthenticator(page)
    authenticator.presence_simulation(enabled=False)
    authenticator.credential_add(registered)
    page.goto("/compte/connexion/?next=/compte/profil/")
    page.locator("#passkey-autofill").wait_for()  # shown: the browser offers autofill
    assert page.locator("#passkey-username").get_attribute("autocomplete") == "username webauthn"
    page.wait_for_timeout(500)  # the autofill request is pending
    assert urlsplit(page.url).path == "/compte/connexion/"
    authenticator.presence_simulation(enabled=True)
    page.click("#passkey-sign-in")
    page.wait_for_url(lambda url: urlsplit(url).path == "/compte/profil/")
    session = session_data(browser_session_key(page.context))
    assert session[SESSION_ACR] == "substantial"
    assert session["_auth_user_id"] == str(alice.pk)


def _b64url(text: str) -> bytes:
    import base64

    return base64.b64decode(text + "=" * (-len(text) % 4))
