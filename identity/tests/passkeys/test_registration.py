"""Adding a passkey: only in a session signed in with an active card, which vouches for
it; discoverable, user-verified, no attestation; each challenge serves once, briefly."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from identity.card.services import card_revoke
from identity.models import CardRevocationReason, Passkey
from identity.passkeys import errors, services
from identity.tests.passkeys.authenticator import SoftAuthenticator, b64url
from identity.tests.passkeys.conftest import ORIGIN, session_client

OPTIONS = reverse("identity:passkeys:register_options")
REGISTER = reverse("identity:passkeys:register")


def post_json(client: Client, url: str, body: dict | None = None, **extra):
    return client.post(url, json.dumps(body or {}), content_type="application/json", **extra)


def register(client: Client, authenticator: SoftAuthenticator, *, name="Mon portable", **kw):
    options = post_json(client, OPTIONS).json()
    return post_json(
        client, REGISTER, {"name": name, "credential": authenticator.create(options, **kw)}
    )


@pytest.fixture
def authenticator() -> SoftAuthenticator:
    return SoftAuthenticator(origin=ORIGIN, rp_id="uniqc.test")


@pytest.fixture
def card_client(alice, card) -> Client:
    return session_client(alice, acr="high", card=card)


def test_card_session_adds_a_passkey_vouched_for_by_its_card(
    card_client, authenticator, alice, card
):
    response = register(card_client, authenticator)
    assert response.status_code == 200
    assert response.json() == {"redirect": "/compte/cles/"}
    passkey = Passkey.objects.get()
    assert (passkey.user, passkey.card, passkey.name) == (alice, card, "Mon portable")
    assert bytes(passkey.credential_id) == authenticator.credential_id
    assert passkey.transports == ["internal"]
    assert passkey.aaguid == "00000000-0000-0000-0000-000000000000"
    page = card_client.get(reverse("identity:passkeys:list"))
    assert "Mon portable" in page.content.decode()


def test_options_ask_for_a_discoverable_user_verified_passkey_without_attestation(
    card_client, authenticator, alice
):
    register(card_client, authenticator)
    options = post_json(card_client, OPTIONS).json()
    assert options["rp"] == {"id": "uniqc.test", "name": "Uniqc"}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["requireResidentKey"] is True
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["attestation"] == "none"
    assert options["user"]["id"] == b64url(alice.public_id.bytes)
    assert [c["id"] for c in options["excludeCredentials"]] == [b64url(authenticator.credential_id)]


@pytest.mark.parametrize("acr", ["low", "substantial"])
def test_registration_below_high_is_forbidden_and_points_to_the_card(alice, card, acr):
    client = session_client(alice, acr=acr)
    for url in (OPTIONS, REGISTER):
        response = post_json(client, url, {"name": "x", "credential": {}})
        assert response.status_code == 403
        assert response.json()["error"] == "card_session_required"
        with translation.override(response["Content-Language"]):
            assert response.json()["message"] == str(errors.CardSessionRequired.message)
    page = client.get(reverse("identity:passkeys:list")).content.decode()
    assert 'id="passkey-add-button"' not in page
    assert reverse("card_login:sign_in") in page
    assert not Passkey.objects.exists()


def test_registration_by_a_visitor_is_forbidden():
    response = post_json(Client(), OPTIONS)
    assert response.status_code == 403
    assert response.json()["error"] == "card_session_required"


def test_high_session_without_a_card_is_forbidden(alice, card):
    response = post_json(session_client(alice, acr="high"), OPTIONS)
    assert response.status_code == 403
    assert response.json()["error"] == "card_session_required"


def test_card_revoked_since_the_sign_in_cannot_vouch(card_client, authenticator, alice, card):
    options = post_json(card_client, OPTIONS).json()
    card_revoke(card=card, reason=CardRevocationReason.STOLEN, acting_user=alice)
    response = post_json(
        card_client, REGISTER, {"name": "x", "credential": authenticator.create(options)}
    )
    assert response.status_code == 403
    assert response.json()["error"] == "card_not_active"
    assert not Passkey.objects.exists()


def test_another_persons_card_in_the_session_cannot_vouch(make_user, card):
    bob = make_user("bob@example.com")
    response = post_json(session_client(bob, acr="high", card=card), OPTIONS)
    assert response.status_code == 403


def test_registration_challenge_serves_once(card_client, authenticator):
    options = post_json(card_client, OPTIONS).json()
    credential = authenticator.create(options)
    first = post_json(card_client, REGISTER, {"name": "a", "credential": credential})
    assert first.status_code == 200
    again = post_json(card_client, REGISTER, {"name": "b", "credential": credential})
    assert again.status_code == 400
    assert again.json()["error"] == "challenge_missing"
    assert Passkey.objects.count() == 1


def test_registration_challenge_expires(card_client, authenticator, monkeypatch):
    options = post_json(card_client, OPTIONS).json()
    monkeypatch.setattr(services, "CHALLENGE_LIFETIME", -1)
    options = post_json(card_client, OPTIONS).json()
    response = post_json(
        card_client, REGISTER, {"name": "a", "credential": authenticator.create(options)}
    )
    assert response.json()["error"] == "challenge_expired"


def test_registration_without_user_verification_is_refused(card_client, authenticator):
    response = register(card_client, authenticator, uv=False)
    assert response.status_code == 400
    assert response.json()["error"] == "registration_invalid"
    assert not Passkey.objects.exists()


def test_registration_from_another_origin_is_refused(card_client, authenticator):
    response = register(card_client, authenticator, origin="https://evil.example")
    assert response.json()["error"] == "registration_invalid"


def test_the_same_credential_twice_is_refused(card_client, authenticator):
    assert register(card_client, authenticator).status_code == 200
    response = register(card_client, authenticator)
    assert response.status_code == 409
    assert response.json()["error"] == "passkey_already_registered"


@pytest.mark.parametrize("name", ["", "   ", "x" * 65])
def test_a_passkey_needs_a_name(card_client, authenticator, name):
    response = register(card_client, authenticator, name=name)
    assert response.json()["error"] == "passkey_name_invalid"
    assert not Passkey.objects.exists()


def test_the_add_passkey_script_runs_under_the_pages_nonce_with_no_inline_handler(alice, card):
    from tests.test_csp import Page, assert_strict_policy

    response = session_client(alice, acr="high", card=card).get(reverse("identity:passkeys:list"))
    assert_strict_policy(response)
    page = Page(response.content.decode())
    assert len(page.inline_scripts) == 1
    assert 'id="passkey-add"' in response.content.decode()


@pytest.mark.parametrize(
    "cose_key",
    [
        {1: 2, 3: -7, -1: 1, -2: bytes(32)},  # EC2 without y: a KeyError in webauthn
        {1: 2, 3: -7, -1: 1, -3: bytes(32)},  # without x
        {1: 2, 3: -7, -2: bytes(32), -3: bytes(32)},  # without the curve
        {1: 2, 3: -7, -1: 99, -2: bytes(32), -3: bytes(32)},  # an unknown curve
        {1: 2, 3: -7, -1: 1, -2: "x", -3: "y"},  # coordinates that are not bytes
        {1: 3, 3: -257, -1: bytes(4)},  # RSA without its exponent
        {1: 1, 3: -8, -1: 6},  # OKP without its key
        {3: -7},  # no key type
        {},
        [2, -7],  # a CBOR array where the map belongs: an IndexError in webauthn
    ],
)
def test_a_malformed_public_key_is_refused_not_a_500(
    card_client, authenticator, monkeypatch, cose_key
):
    """Found by the registration fuzzer: webauthn's COSE decoder raised a KeyError, and
    later an IndexError."""
    from identity.tests.passkeys import authenticator as soft

    monkeypatch.setattr(soft, "cose_public_key", lambda key: soft.encode_cbor(cose_key))
    card_client.raise_request_exception = False
    response = register(card_client, authenticator)
    assert response.status_code == 400, response.content[:200]
    assert response.json()["error"] == "registration_invalid"
    assert not Passkey.objects.exists()
