"""Card sign-in over HTTP: a nonce bound to the session, a Web eID token, session at high.

One test per refused case, each through the endpoints a browser uses.
"""

import datetime
import json
import logging

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse

from identity.assurance import SESSION_ACR, SESSION_AMR
from identity.card import services
from identity.card.ca import card_certificate_issue, issuing_ca
from identity.card.services import card_register, card_revoke
from identity.models import CardRevocationReason
from identity.tests.card.conftest import ORIGIN, card_certificate, certificate_forge, token_make

pytestmark = pytest.mark.django_db

NONCE_URL = "/login/card/nonce"
TOKEN_URL = "/login/card/token"


def nonce_get(client) -> str:
    response = client.post(NONCE_URL)
    assert response.status_code == 200, response.content
    return response.json()["nonce"]


def token_post(client, token, **extra):
    return client.post(
        TOKEN_URL, data=json.dumps({"token": token, **extra}), content_type="application/json"
    )


def refused(response, code: str, status: int = 403) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"] == code
    assert body["message"]
    assert "_auth_user_id" not in response.wsgi_request.session


def test_urls_are_named():
    assert reverse("card_login:sign_in") == "/login/card"
    assert reverse("card_login:nonce") == NONCE_URL
    assert reverse("card_login:token") == TOKEN_URL


def test_nonce_is_32_random_bytes_in_base64_kept_in_the_session(client):
    first, second = nonce_get(client), nonce_get(client)
    assert len(first) == 44 and first.endswith("=")
    assert first != second
    assert client.session[services.SESSION_NONCE]["value"] == second  # the new one replaces


def test_nonce_needs_post(client):
    assert client.get(NONCE_URL).status_code == 405


def test_card_sign_in_gives_a_high_session(client, card, card_key, alice):
    nonce = nonce_get(client)
    session_before = client.session.session_key
    token = token_make(key=card_key, certificate=card_certificate(card), nonce=nonce)
    response = token_post(client, token, next="/compte/profil/")
    assert response.status_code == 200, response.content
    assert response.json() == {"redirect": "/compte/profil/"}
    session = client.session
    assert session["_auth_user_id"] == str(alice.pk)
    assert session[SESSION_ACR] == "high"
    assert session[SESSION_AMR] == ["sc", "pin"]
    assert session.session_key != session_before
    assert services.SESSION_NONCE not in session


def test_next_to_another_site_goes_to_the_account_hub(client, card, card_key):
    token = token_make(key=card_key, certificate=card_certificate(card), nonce=nonce_get(client))
    response = token_post(client, token, next="https://evil.example/")
    assert response.json() == {"redirect": reverse("identity:account")}


def test_es384_card_signs_in(client, alice, issue_card):
    key = ec.generate_private_key(ec.SECP384R1())
    card = issue_card(alice, key)
    token = token_make(
        key=key, certificate=card_certificate(card), nonce=nonce_get(client), algorithm="ES384"
    )
    assert token_post(client, token).status_code == 200


def test_form_encoded_token_is_accepted(client, card, card_key):
    token = token_make(key=card_key, certificate=card_certificate(card), nonce=nonce_get(client))
    assert client.post(TOKEN_URL, {"token": token}).status_code == 200


# --- Refusals -------------------------------------------------------------------------


def test_replayed_nonce_is_refused(client, card, card_key):
    token = token_make(key=card_key, certificate=card_certificate(card), nonce=nonce_get(client))
    assert token_post(client, token).status_code == 200
    client.logout()
    refused(token_post(client, token), "nonce_missing", 400)


def test_nonce_is_spent_by_a_failed_attempt(client, card, card_key):
    nonce = nonce_get(client)
    bad = token_make(key=card_key, certificate=card_certificate(card), nonce=nonce, tamper=True)
    refused(token_post(client, bad), "signature_invalid")
    good = token_make(key=card_key, certificate=card_certificate(card), nonce=nonce)
    refused(token_post(client, good), "nonce_missing", 400)


def test_expired_nonce_is_refused(client, card, card_key, monkeypatch):
    nonce = nonce_get(client)
    token = token_make(key=card_key, certificate=card_certificate(card), nonce=nonce)
    now = services.time.time()
    monkeypatch.setattr(services.time, "time", lambda: now + services.NONCE_LIFETIME + 1)
    refused(token_post(client, token), "nonce_expired", 400)


def test_nonce_of_another_session_is_refused(client, django_user_model, card, card_key):
    from django.test import Client

    nonce = nonce_get(client)
    token = token_make(key=card_key, certificate=card_certificate(card), nonce=nonce)
    other = Client()
    refused(token_post(other, token), "nonce_missing", 400)
    nonce_get(other)  # the other browser has a nonce of its own: still not this one
    refused(token_post(other, token), "signature_invalid")
    # The nonce's own session can still use it: the other browser did not spend it.
    assert token_post(client, token).status_code == 200


def test_wrong_origin_is_refused(client, card, card_key):
    token = token_make(
        key=card_key,
        certificate=card_certificate(card),
        nonce=nonce_get(client),
        origin="https://uniqc.test.evil.example",
    )
    refused(token_post(client, token), "signature_invalid")


def test_origin_with_trailing_slash_is_another_origin(client, card, card_key):
    token = token_make(
        key=card_key,
        certificate=card_certificate(card),
        nonce=nonce_get(client),
        origin=ORIGIN + "/",
    )
    refused(token_post(client, token), "signature_invalid")


def test_certificate_from_another_ca_with_the_same_name_is_refused(client, alice, card_key):
    impostor_key = ec.generate_private_key(ec.SECP256R1())
    certificate = certificate_forge(
        public_key=card_key.public_key(),
        issuer_key=impostor_key,
        issuer_name=issuing_ca().certificate.subject,
        subject_cn=str(alice.public_id),
    )
    token = token_make(key=card_key, certificate=certificate, nonce=nonce_get(client))
    refused(token_post(client, token), "certificate_untrusted")


def test_certificate_from_another_named_ca_is_refused(client, alice, card_key):
    from cryptography import x509

    impostor_key = ec.generate_private_key(ec.SECP256R1())
    certificate = certificate_forge(
        public_key=card_key.public_key(),
        issuer_key=impostor_key,
        issuer_name=x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Some CA")]),
        subject_cn=str(alice.public_id),
    )
    token = token_make(key=card_key, certificate=certificate, nonce=nonce_get(client))
    refused(token_post(client, token), "certificate_untrusted")


def _registered_forgery(alice, registrar, card_key, card, **forge):
    """A certificate our issuing CA signed, registered as alice's card."""
    ca = issuing_ca()
    certificate = certificate_forge(
        public_key=card_key.public_key(),
        issuer_key=ca.private_key,
        issuer_name=ca.certificate.subject,
        subject_cn=str(alice.public_id),
        **forge,
    )
    card_register(
        person=alice,
        certificate=certificate,
        identity_check=card.identity_check,
        registrar=registrar,
    )
    return certificate


def test_expired_certificate_is_refused(client, alice, registrar, card_key, card):
    now = datetime.datetime.now(tz=datetime.UTC)
    certificate = _registered_forgery(
        alice,
        registrar,
        card_key,
        card,
        not_before=now - datetime.timedelta(days=400),
        not_after=now - datetime.timedelta(days=1),
    )
    token = token_make(key=card_key, certificate=certificate, nonce=nonce_get(client))
    refused(token_post(client, token), "card_expired")


def test_certificate_not_yet_valid_is_refused(client, alice, registrar, card_key, card):
    now = datetime.datetime.now(tz=datetime.UTC)
    certificate = _registered_forgery(
        alice, registrar, card_key, card, not_before=now + datetime.timedelta(days=1)
    )
    token = token_make(key=card_key, certificate=certificate, nonce=nonce_get(client))
    refused(token_post(client, token), "card_expired")


def test_certificate_without_client_auth_is_refused(client, alice, registrar, card_key, card):
    certificate = _registered_forgery(
        alice, registrar, card_key, card, eku=[x509_oid().ExtendedKeyUsageOID.SERVER_AUTH]
    )
    token = token_make(key=card_key, certificate=certificate, nonce=nonce_get(client))
    refused(token_post(client, token), "certificate_purpose_invalid")


def x509_oid():
    from cryptography.x509 import oid

    return oid


def test_revoked_card_is_refused(client, card, card_key, alice):
    card_revoke(card=card, reason=CardRevocationReason.STOLEN, acting_user=alice)
    token = token_make(key=card_key, certificate=card_certificate(card), nonce=nonce_get(client))
    refused(token_post(client, token), "card_revoked")


def test_unknown_card_is_refused(client, alice, card_key):
    certificate = card_certificate_issue(public_key=card_key.public_key(), user=alice)
    token = token_make(key=card_key, certificate=certificate, nonce=nonce_get(client))
    refused(token_post(client, token), "card_unknown")


def test_bad_signature_is_refused(client, card, card_key):
    token = token_make(
        key=card_key, certificate=card_certificate(card), nonce=nonce_get(client), tamper=True
    )
    refused(token_post(client, token), "signature_invalid")


def test_signature_by_another_key_is_refused(client, card):
    other_key = ec.generate_private_key(ec.SECP256R1())
    token = token_make(key=other_key, certificate=card_certificate(card), nonce=nonce_get(client))
    refused(token_post(client, token), "signature_invalid")


def test_token_under_100_characters_is_refused(client):
    nonce_get(client)
    refused(token_post(client, '{"format": "web-eid:1.0"}'), "token_invalid", 400)


def test_token_over_10000_characters_is_refused(client, card, card_key):
    token = json.loads(
        token_make(key=card_key, certificate=card_certificate(card), nonce=nonce_get(client))
    )
    token["padding"] = "x" * 10_000
    refused(token_post(client, json.dumps(token)), "token_invalid", 400)


def test_unsupported_format_version_is_refused(client, card, card_key):
    token = token_make(
        key=card_key,
        certificate=card_certificate(card),
        nonce=nonce_get(client),
        token_format="web-eid:2.0",
    )
    refused(token_post(client, token), "token_format_unsupported", 400)


def test_token_that_is_not_json_is_refused(client):
    nonce_get(client)
    refused(token_post(client, "x" * 200), "token_invalid", 400)


def test_failures_are_logged_with_their_reason(client, card, card_key, caplog):
    token = token_make(
        key=card_key,
        certificate=card_certificate(card),
        nonce=nonce_get(client),
        origin="https://other.example",
    )
    with caplog.at_level(logging.WARNING, logger="identity.security"):
        token_post(client, token)
    assert any(
        "code=signature_invalid" in record.getMessage() and record.name == "identity.security"
        for record in caplog.records
    )


# --- Rate limits ----------------------------------------------------------------------


def test_nonces_are_rate_limited_per_client(client):
    for _ in range(services.CARD_NONCE_CLIENT_LIMIT.limit):
        nonce_get(client)
    response = client.post(NONCE_URL)
    assert response.status_code == 429
    assert response.json()["error"] == "card_sign_in_throttled"
    assert int(response["Retry-After"]) > 0


def test_tokens_are_rate_limited_per_client(client):
    for _ in range(services.CARD_TOKEN_CLIENT_LIMIT.limit):
        refused(token_post(client, "x" * 200), "nonce_missing", 400)
    response = token_post(client, "x" * 200)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_tokens_are_rate_limited_per_card(client, card, card_key, monkeypatch):
    # Each attempt from a different address: only the card's own limit applies.
    limit = services.CARD_TOKEN_CARD_LIMIT.limit
    for attempt in range(limit):
        token = token_make(
            key=card_key, certificate=card_certificate(card), nonce=nonce_get(client), tamper=True
        )
        response = client.post(
            TOKEN_URL,
            data=json.dumps({"token": token}),
            content_type="application/json",
            REMOTE_ADDR=f"10.0.0.{attempt}",
        )
        assert response.status_code == 403
    token = token_make(key=card_key, certificate=card_certificate(card), nonce=nonce_get(client))
    response = client.post(
        TOKEN_URL,
        data=json.dumps({"token": token}),
        content_type="application/json",
        REMOTE_ADDR="10.0.1.1",
    )
    assert response.status_code == 429
    assert response.json()["error"] == "card_sign_in_throttled"


def test_a_success_gives_its_attempts_back(client, card, card_key):
    for _ in range(services.CARD_TOKEN_CLIENT_LIMIT.limit * 2):
        token = token_make(
            key=card_key, certificate=card_certificate(card), nonce=nonce_get(client)
        )
        assert token_post(client, token).status_code == 200
        client.logout()
        services.CARD_NONCE_CLIENT_LIMIT.reset("127.0.0.1")


# --- The page -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text"),
    [("fr", "Se connecter avec votre carte"), ("en", "Sign in with your Uniqc card")],
)
def test_sign_in_page_talks_to_the_agent(client, settings, language, text):
    settings.CARD_AGENT_URL = "http://127.0.0.1:34567"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/login/card?next=/compte/profil/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "http://127.0.0.1:34567" in body
    assert NONCE_URL in body and TOKEN_URL in body
    assert "/compte/profil/" in body
    for code in ("no_agent", "no_reader", "no_card", "wrong_pin", "pin_blocked"):
        assert f'"{code}"' in body
    if language == "en":
        assert text in body


def test_token_check_costs_a_fixed_number_of_queries(
    client, card, card_key, django_assert_max_num_queries
):
    token = token_make(key=card_key, certificate=card_certificate(card), nonce=nonce_get(client))
    with django_assert_max_num_queries(12) as queries:
        assert token_post(client, token).status_code == 200
    assert sum("identity_card" in q["sql"] for q in queries.captured_queries) == 1


def test_suspended_card_is_refused(client, card, card_key):
    type(card).objects.filter(pk=card.pk).update(status="suspended")
    token = token_make(key=card_key, certificate=card_certificate(card), nonce=nonce_get(client))
    refused(token_post(client, token), "card_revoked")


def test_nonce_and_token_need_the_csrf_token(card, card_key):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    assert browser.post(NONCE_URL).status_code == 403
    page = browser.get("/login/card")
    csrf = page.cookies["csrftoken"].value
    nonce = browser.post(NONCE_URL, HTTP_X_CSRFTOKEN=csrf).json()["nonce"]
    token = token_make(key=card_key, certificate=card_certificate(card), nonce=nonce)
    body = json.dumps({"token": token})
    assert browser.post(TOKEN_URL, body, content_type="application/json").status_code == 403
    response = browser.post(TOKEN_URL, body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200
