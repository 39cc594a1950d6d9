"""Usernameless passkey sign-in: `substantial`, and one test per refusal."""

import json
import logging

import pytest
from django.test import Client
from django.urls import reverse

from identity.assurance import SESSION_ACR, SESSION_AMR
from identity.card.services import card_revoke
from identity.models import CardRevocationReason, CardStatus, Passkey, User
from identity.passkeys import services
from identity.tests.passkeys.authenticator import SoftAuthenticator
from identity.tests.passkeys.conftest import ORIGIN, session_client

OPTIONS = reverse("identity:passkeys:sign_in_options")
SIGN_IN = reverse("identity:passkeys:sign_in")
# The session; one query for the passkey with its card and holder; one conditional
# counter update; then `login`: a new session key, last_login, the session saved (9).
QUERIES_PER_SIGN_IN = 13


def post_json(client: Client, url: str, body: dict | None = None, **extra):
    return client.post(url, json.dumps(body or {}), content_type="application/json", **extra)


def sign_in(client: Client, authenticator: SoftAuthenticator, *, next_url="", **kw):
    options = post_json(client, OPTIONS).json()
    credential = authenticator.get(options, **kw)
    return post_json(client, SIGN_IN, {"credential": credential, "next": next_url})


@pytest.fixture
def authenticator(alice, card) -> SoftAuthenticator:
    """An authenticator holding a passkey of Alice's, added in a card session."""
    authenticator = SoftAuthenticator(origin=ORIGIN, rp_id="uniqc.test")
    client = session_client(alice, acr="high", card=card)
    options = post_json(client, reverse("identity:passkeys:register_options")).json()
    response = post_json(
        client,
        reverse("identity:passkeys:register"),
        {"name": "Mon portable", "credential": authenticator.create(options)},
    )
    assert response.status_code == 200, response.content
    return authenticator


def test_usernameless_sign_in_is_substantial_with_hwk(authenticator, alice):
    client = Client()
    options = post_json(client, OPTIONS).json()
    assert options["allowCredentials"] == []
    assert options["userVerification"] == "required"
    assert options["rpId"] == "uniqc.test"
    response = post_json(
        client, SIGN_IN, {"credential": authenticator.get(options), "next": "/compte/profil/"}
    )
    assert response.status_code == 200
    assert response.json() == {"redirect": "/compte/profil/"}
    assert client.session["_auth_user_id"] == str(alice.pk)
    assert client.session[SESSION_ACR] == "substantial"
    assert client.session[SESSION_AMR] == ["hwk", "user", "mfa"]
    passkey = Passkey.objects.get()
    assert passkey.sign_count == 1
    assert passkey.last_used_at is not None


def test_sign_in_costs_the_same_few_queries(authenticator, django_assert_max_num_queries):
    client = Client()
    options = post_json(client, OPTIONS).json()
    credential = authenticator.get(options)
    with django_assert_max_num_queries(QUERIES_PER_SIGN_IN):
        assert post_json(client, SIGN_IN, {"credential": credential}).status_code == 200


def test_a_synced_passkey_is_a_software_key(authenticator):
    authenticator.backup_eligible = True
    client = Client()
    assert sign_in(client, authenticator).status_code == 200
    assert client.session[SESSION_AMR] == ["swk", "user", "mfa"]


def test_next_to_another_site_is_ignored(authenticator):
    response = sign_in(Client(), authenticator, next_url="https://evil.example/")
    assert response.json()["redirect"] != "https://evil.example/"


def test_authenticator_without_a_counter_may_sign_in_again(authenticator):
    Passkey.objects.update(sign_count=0)
    assert sign_in(Client(), authenticator, sign_count=0).status_code == 200
    assert sign_in(Client(), authenticator, sign_count=0).status_code == 200


def refused(response, code: str, status: int) -> None:
    assert response.status_code == status, response.content
    assert response.json()["error"] == code
    assert response.json()["message"]


def test_without_options_first_is_refused(authenticator):
    credential = authenticator.get({"challenge": "AAAA"})
    refused(post_json(Client(), SIGN_IN, {"credential": credential}), "challenge_missing", 400)


def test_challenge_serves_once(authenticator):
    client = Client()
    options = post_json(client, OPTIONS).json()
    credential = authenticator.get(options)
    assert post_json(client, SIGN_IN, {"credential": credential}).status_code == 200
    refused(post_json(client, SIGN_IN, {"credential": credential}), "challenge_missing", 400)


def test_expired_challenge_is_refused(authenticator, monkeypatch):
    monkeypatch.setattr(services, "CHALLENGE_LIFETIME", -1)
    refused(sign_in(Client(), authenticator), "challenge_expired", 400)


def test_challenge_of_another_session_is_refused(authenticator):
    options = post_json(Client(), OPTIONS).json()
    other = Client()
    post_json(other, OPTIONS)
    response = post_json(other, SIGN_IN, {"credential": authenticator.get(options)})
    refused(response, "assertion_invalid", 401)


def test_unknown_passkey_is_refused(authenticator, db):
    stranger = SoftAuthenticator(origin=ORIGIN, rp_id="uniqc.test")
    refused(sign_in(Client(), stranger), "passkey_unknown", 401)


def test_wrong_origin_is_refused(authenticator):
    refused(
        sign_in(Client(), authenticator, origin="https://evil.example"), "assertion_invalid", 401
    )


def test_bad_signature_is_refused(authenticator):
    refused(sign_in(Client(), authenticator, tamper=True), "assertion_invalid", 401)


def test_without_user_verification_is_refused(authenticator):
    refused(sign_in(Client(), authenticator, uv=False), "assertion_invalid", 401)


def test_user_handle_of_another_person_is_refused(authenticator):
    authenticator.user_handle = b"\x01" * 16
    refused(sign_in(Client(), authenticator), "assertion_invalid", 401)


def test_malformed_body_is_refused(authenticator):
    client = Client()
    post_json(client, OPTIONS)
    refused(
        client.post(SIGN_IN, "not json", content_type="application/json"),
        "sign_in_request_invalid",
        400,
    )


def test_passkey_of_a_revoked_card_is_refused(authenticator, alice, card, caplog):
    card_revoke(card=card, reason=CardRevocationReason.LOST, acting_user=alice)
    client = Client()
    with caplog.at_level(logging.WARNING, logger="identity.security"):
        refused(sign_in(client, authenticator), "passkey_card_revoked", 403)
    assert "_auth_user_id" not in client.session
    assert "reason=passkey_card_revoked" in caplog.text


def test_passkey_of_a_suspended_card_is_refused(authenticator, card, caplog):
    type(card).objects.filter(pk=card.pk).update(status=CardStatus.SUSPENDED)
    client = Client()
    with caplog.at_level(logging.WARNING, logger="identity.security"):
        refused(sign_in(client, authenticator), "passkey_card_suspended", 403)
    assert "_auth_user_id" not in client.session
    assert "reason=passkey_card_suspended" in caplog.text


def test_passkey_works_again_once_its_card_is_active(authenticator, card):
    type(card).objects.filter(pk=card.pk).update(status=CardStatus.SUSPENDED)
    refused(sign_in(Client(), authenticator), "passkey_card_suspended", 403)
    type(card).objects.filter(pk=card.pk).update(status=CardStatus.ACTIVE)
    assert sign_in(Client(), authenticator).status_code == 200


def test_removed_passkey_is_refused(authenticator, alice):
    services.passkey_remove(passkey=Passkey.objects.get(), acting_user=alice)
    refused(sign_in(Client(), authenticator), "passkey_revoked", 403)


@pytest.mark.parametrize("received", [5, 4, 0])
def test_sign_count_not_going_forward_is_refused_flagged_and_logged(
    authenticator, received, caplog
):
    Passkey.objects.update(sign_count=5)
    client = Client()
    with caplog.at_level(logging.WARNING, logger="identity.security"):
        refused(sign_in(client, authenticator, sign_count=received), "sign_count_regressed", 403)
    passkey = Passkey.objects.get()
    assert passkey.sign_count_regressed_at is not None
    assert passkey.sign_count == 5
    assert "sign count went backwards" in caplog.text
    assert "_auth_user_id" not in client.session
    # Flagged, the passkey stays blocked even with a count that goes forward again.
    refused(sign_in(Client(), authenticator, sign_count=100), "sign_count_regressed", 403)


def test_sign_in_attempts_are_limited_per_address(authenticator):
    limit = services.PASSKEY_SIGN_IN_CLIENT_LIMIT.limit
    client = Client()
    for _ in range(limit):
        refused(sign_in(client, authenticator, tamper=True), "assertion_invalid", 401)
    response = sign_in(client, authenticator)
    refused(response, "passkey_sign_in_throttled", 429)
    assert int(response["Retry-After"]) > 0
    other_address = Client(REMOTE_ADDR="192.0.2.7")
    assert sign_in(other_address, authenticator).status_code == 200


def test_passkey_of_a_closed_account_is_refused(authenticator, alice, caplog):
    """Django's login() takes an inactive person; the card sign-in already refused one."""
    User.objects.filter(pk=alice.pk).update(is_active=False)
    client = Client()
    with caplog.at_level(logging.WARNING, logger="identity.security"):
        refused(sign_in(client, authenticator), "passkey_unknown", 401)
    assert "_auth_user_id" not in client.session
    assert "account closed" in caplog.text
