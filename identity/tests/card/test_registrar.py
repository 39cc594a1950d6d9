"""The registrar's counter: who may use it, the identity check, and card issuance through
HTTP (a software key stands in for the card, and proves it holds its key as a card does)
and in Chromium (the softcard behind the agent's bridge in registrar mode)."""

import base64
import contextlib
import threading
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from card_agent import piv
from card_agent.agent import CardAgent
from card_agent.bridge import bridge_create
from card_agent.emulator import VirtualPivCard
from card_agent.softcard import SoftCardSource, card_personalised
from card_agent.webeid import possession_digest
from identity.card.issuance import SESSION_ISSUANCE
from identity.card.validation import certificate_fingerprint
from identity.models import Card, CardRevocationReason, CardStatus, IdentityCheck
from identity.roles import Role

BRANCH = "Caisse Desjardins du Plateau"


@pytest.fixture
def registrar_client(client, registrar, sign_in_at) -> Client:
    """The registrar, signed in with their own card (a `high` session)."""
    sign_in_at(client, registrar, "high")
    return client


def _spki_b64(key) -> str:
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def _check_record(client: Client, person, **fields) -> IdentityCheck:
    data = {"document_type": "passport", "document_last4": "ab12", "branch": BRANCH, **fields}
    response = client.post(reverse("card:registrar_person", args=[person.public_id]), data)
    check = IdentityCheck.objects.filter(person=person).first()  # the newest
    assert response.status_code == 302
    assert response["Location"] == reverse("card:registrar_issue", args=[check.pk])
    return check


def _challenge(client: Client, check: IdentityCheck) -> bytes:
    response = client.post(reverse("card:registrar_challenge", args=[check.pk]))
    assert response.status_code == 200, response.content
    return base64.b64decode(response.json()["challenge"])


def _proof(key, challenge: bytes, slot: int = piv.SLOT_AUTHENTICATION) -> str:
    """What the card answers to GENERAL AUTHENTICATE over the challenge's digest."""
    signature = key.sign(possession_digest(challenge, slot), ec.ECDSA(Prehashed(hashes.SHA256())))
    return base64.b64encode(signature).decode()


def _certificate_request(
    client: Client,
    check: IdentityCheck,
    public_key: str,
    *,
    proof: str | None = None,
    signing_public_key: str | None = None,
    signing_proof: str | None = None,
):
    body = {
        "publicKey": public_key,
        "proof": proof,
        "signingPublicKey": signing_public_key,
        "signingProof": signing_proof,
    }
    body = {name: value for name, value in body.items() if value is not None}
    return client.post(
        reverse("card:registrar_certificate", args=[check.pk]),
        body,
        content_type="application/json",
    )


def _certified(client: Client, check: IdentityCheck, key, signing_key=None) -> dict:
    """Ask for a challenge, prove possession of `key` (slot 9A) and `signing_key` (slot
    9C, a new key if not given) and get their certificates."""
    signing_key = signing_key or ec.generate_private_key(ec.SECP256R1())
    challenge = _challenge(client, check)
    response = _certificate_request(
        client,
        check,
        _spki_b64(key.public_key()),
        proof=_proof(key, challenge),
        signing_public_key=_spki_b64(signing_key.public_key()),
        signing_proof=_proof(signing_key, challenge, piv.SLOT_SIGNATURE),
    )
    assert response.status_code == 200, response.content
    return response.json()


# -- access ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["card:registrar", "card:registrar_person", "card:registrar_certificate"]
)
def test_a_shopper_is_refused(client, make_person, alice, name):
    client.force_login(make_person("shop@example.com", Role.SHOPPER))
    args = {"card:registrar": [], "card:registrar_person": [alice.public_id]}.get(name, [1])
    response = (client.post if name.endswith("certificate") else client.get)(
        reverse(name, args=args)
    )
    assert response.status_code == 403


def test_a_shopper_gets_a_coded_403_from_the_endpoints(client, make_person, sign_in_at):
    sign_in_at(client, make_person("shop@example.com", Role.SHOPPER), "high")
    response = client.post(reverse("card:registrar_challenge", args=[1]))
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"


def test_a_visitor_is_sent_to_the_card_sign_in(client):
    response = client.get(reverse("card:registrar"))
    assert response.status_code == 302
    assert response["Location"] == reverse("card_login:sign_in") + "?next=%2Fcarte%2Fguichet%2F"


@pytest.mark.parametrize("acr", ["low", "substantial"])
def test_a_registrar_without_their_card_is_sent_to_the_card_sign_in(
    client, registrar, alice, sign_in_at, acr
):
    sign_in_at(client, registrar, acr)
    page = reverse("card:registrar_person", args=[alice.public_id])
    for response in (
        client.get(page),
        client.post(
            page, {"document_type": "passport", "document_last4": "AB12", "branch": BRANCH}
        ),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("card_login:sign_in") + "?next=")
    assert not IdentityCheck.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "card:registrar_challenge",
        "card:registrar_certificate",
        "card:registrar_confirm",
        "card:registrar_signing_key",
    ],
)
def test_the_registrar_endpoints_refuse_a_password_session(
    client, registrar, alice, card_key, sign_in_at, name
):
    """Finding 3: with a password session, the registrar got a certificate for anyone."""
    high = Client()
    sign_in_at(high, registrar, "high")
    check = _check_record(high, alice)
    # The same session, brought down to a password sign-in.
    sign_in_at(client, registrar, "low")
    session = client.session
    session[SESSION_ISSUANCE] = high.session[SESSION_ISSUANCE]
    session.save()
    response = client.post(
        reverse(name, args=[check.pk]),
        {"publicKey": _spki_b64(card_key.public_key()), "fingerprint": "00" * 32},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["error"] == "assurance_required"
    assert not Card.objects.exists()


def test_the_registrar_endpoints_refuse_a_visitor(client, registrar, alice):
    response = client.post(reverse("card:registrar_certificate", args=[1]), {})
    assert response.status_code == 403
    assert response.json()["error"] == "not_signed_in"


def test_a_registrar_finds_a_person_by_name_or_email(registrar_client, alice, make_user):
    make_user("bob@example.com", given_name="Bob", family_name="Gagnon")
    response = registrar_client.get(reverse("card:registrar"), {"q": "bob gag"})
    assert response.status_code == 200
    assert [person.email for person in response.context["people"]] == ["bob@example.com"]
    response = registrar_client.get(reverse("card:registrar"), {"q": "ALICE@example"})
    assert list(response.context["people"]) == [alice]


def test_the_navigation_leads_registrars_to_the_counter(registrar_client):
    nav = [item["url"] for item in registrar_client.get("/").context["nav_items"]]
    assert reverse("card:registrar") in nav


def test_the_counter_speaks_french_and_english(registrar_client, alice):
    url = reverse("card:registrar_person", args=[alice.public_id])
    french = registrar_client.get(url).content.decode()
    assert '<html lang="fr-CA">' in french and "Aller au contenu" in french
    registrar_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    english = registrar_client.get(url).content.decode()
    assert '<html lang="en-CA">' in english and "Check an identity document" in english


# -- the identity check ------------------------------------------------------------------


def test_the_identity_check_is_recorded_with_its_fields(registrar_client, registrar, alice):
    check = _check_record(registrar_client, alice, document_last4=" x9k2 ")
    assert check.document_type == "passport"
    assert check.document_last4 == "X9K2"
    assert check.branch == BRANCH
    assert check.registrar == registrar
    assert check.checked_at is not None
    assert registrar_client.session[SESSION_ISSUANCE] == {"check": check.pk}


def test_the_branch_is_prefilled_from_the_registrars_last_check(registrar_client, alice):
    _check_record(registrar_client, alice)
    response = registrar_client.get(reverse("card:registrar_person", args=[alice.public_id]))
    assert response.context["form"].initial["branch"] == BRANCH


def test_a_malformed_document_number_records_nothing(registrar_client, alice):
    response = registrar_client.post(
        reverse("card:registrar_person", args=[alice.public_id]),
        {"document_type": "passport", "document_last4": "12", "branch": BRANCH},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["document_last4"]
    assert not IdentityCheck.objects.exists()


# -- the certificate endpoint refuses ----------------------------------------------------


def test_no_certificate_without_an_identity_check_in_this_session(
    registrar_client, registrar, alice, card_key, sign_in_at
):
    check = _check_record(registrar_client, alice)
    other = Client()
    sign_in_at(other, registrar, "high")
    response = _certificate_request(other, check, _spki_b64(card_key.public_key()))
    assert response.status_code == 409
    assert response.json()["error"] == "identity_check_missing"


@pytest.mark.parametrize(
    "key",
    [
        ec.generate_private_key(ec.SECP384R1()),
        ec.generate_private_key(ec.SECP256K1()),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
    ],
    ids=["p384", "secp256k1", "rsa"],
)
def test_only_p256_keys_are_certified(registrar_client, alice, key):
    check = _check_record(registrar_client, alice)
    response = _certificate_request(registrar_client, check, _spki_b64(key.public_key()))
    assert response.status_code == 400
    assert response.json()["error"] == "public_key_invalid"
    p256 = _spki_b64(ec.generate_private_key(ec.SECP256R1()).public_key())
    response = _certificate_request(
        registrar_client, check, p256, signing_public_key=_spki_b64(key.public_key())
    )
    assert response.status_code == 400
    assert response.json()["error"] == "public_key_invalid"
    assert not Card.objects.exists()


def test_garbage_is_not_a_key(registrar_client, alice):
    check = _check_record(registrar_client, alice)
    response = _certificate_request(registrar_client, check, "not base64!")
    assert response.status_code == 400


# -- the whole issuance over HTTP --------------------------------------------------------


def test_issuance_through_http_replaces_the_previous_card(
    registrar_client, registrar, alice, issue_card
):
    previous = issue_card(alice, ec.generate_private_key(ec.SECP256R1()))
    card_key = ec.generate_private_key(ec.SECP256R1())
    check = _check_record(registrar_client, alice)
    pem = (
        card_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    signing_key = ec.generate_private_key(ec.SECP256R1())
    challenge = _challenge(registrar_client, check)
    issued = _certificate_request(
        registrar_client,
        check,
        pem,
        proof=_proof(card_key, challenge),
        signing_public_key=_spki_b64(signing_key.public_key()),
        signing_proof=_proof(signing_key, challenge, piv.SLOT_SIGNATURE),
    ).json()
    certificate = x509.load_der_x509_certificate(base64.b64decode(issued["certificate"]))
    assert certificate.public_key() == card_key.public_key()
    assert issued["fingerprint"] == certificate_fingerprint(certificate)
    # Signed, so recorded at once; pending until confirmed, and the old card still works.
    pending = Card.objects.get(fingerprint_sha256=issued["fingerprint"])
    assert pending.status == CardStatus.PENDING
    assert pending.serial_number == format(certificate.serial_number, "x")
    signing_certificate = x509.load_der_x509_certificate(
        base64.b64decode(issued["signingCertificate"])
    )
    assert signing_certificate.public_key() == signing_key.public_key()
    assert pending.signing_serial_number == format(signing_certificate.serial_number, "x")
    previous.refresh_from_db()
    assert previous.status == CardStatus.ACTIVE

    confirm = reverse("card:registrar_confirm", args=[check.pk])
    refused = registrar_client.post(
        confirm, {"fingerprint": "00" * 32}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "certificate_mismatch"

    response = registrar_client.post(
        confirm, {"fingerprint": issued["fingerprint"]}, content_type="application/json"
    )
    assert response.status_code == 200
    card = Card.objects.get(fingerprint_sha256=issued["fingerprint"])
    assert response.json()["redirect"] == reverse("card:registrar_card", args=[card.pk])
    assert card.pk == pending.pk
    assert card.status == CardStatus.ACTIVE
    assert card.identity_check == check
    assert card.issued_by == registrar
    previous.refresh_from_db()
    assert previous.status == CardStatus.REVOKED
    assert previous.revocation_reason == CardRevocationReason.REPLACED

    # A repeated confirmation answers with the same card and registers nothing more.
    again = registrar_client.post(
        confirm, {"fingerprint": issued["fingerprint"]}, content_type="application/json"
    )
    assert again.json() == response.json()
    assert Card.objects.filter(user=alice).count() == 2
    # The check is spent: no second certificate on it.
    response = _certificate_request(registrar_client, check, _spki_b64(card_key.public_key()))
    assert response.status_code == 409

    record = registrar_client.get(reverse("card:registrar_card", args=[card.pk]))
    assert record.status_code == 200
    body = record.content.decode()
    assert card.serial_number in body and card.fingerprint_sha256 in body


# -- the page in Chromium, with the softcard behind the agent's bridge -------------------


@contextlib.contextmanager
def _registrar_bridge(card: VirtualPivCard, origin: str) -> Iterator:
    server = bridge_create(
        CardAgent(SoftCardSource(card)),
        port=0,
        allowed_origins=(origin,),
        pin_entry="page",
        registrar=True,
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_registrar_issues_a_card_in_the_browser(
    page, live_server, settings, registrar, make_user, sign_in_at
):
    person = make_user("camille@example.com", given_name="Camille", family_name="Roy")
    blank = VirtualPivCard()  # transport PIN 123456
    with _registrar_bridge(blank, live_server.url) as bridge:
        settings.CARD_AGENT_URL = f"http://127.0.0.1:{bridge.port}"
        settings.SITE_URL = live_server.url
        signed_in = Client()
        sign_in_at(signed_in, registrar, "high")
        session = signed_in.cookies[django_settings.SESSION_COOKIE_NAME].value
        # English: the msgids are the page's source text, whatever the catalogue says.
        page.context.add_cookies(
            [
                {"name": name, "value": value, "url": live_server.url}
                for name, value in [
                    (django_settings.SESSION_COOKIE_NAME, session),
                    (django_settings.LANGUAGE_COOKIE_NAME, "en"),
                ]
            ]
        )
        page.goto(reverse("card:registrar"))
        page.get_by_label("Email or name of the person").fill("camille")
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name="Camille Roy").click()
        page.get_by_label("Identity document").select_option("drivers_licence")
        page.get_by_label("Last four characters of the document number").fill("R7Q2")
        page.get_by_label("Branch").fill(BRANCH)
        page.get_by_role("button", name="Record the check").click()

        page.locator("#registrar-current-pin").fill("123456")
        page.locator("#registrar-write").click()
        page.locator("#registrar-new-pin").fill("975310")
        page.locator("#registrar-new-pin-again").fill("975310")
        page.locator("#registrar-finish").click()
        page.wait_for_url("**/guichet/carte/**")
        assert page.locator("#card-status").inner_text().strip() == "Active"

    card = Card.objects.get(user=person)
    assert card.status == CardStatus.ACTIVE
    assert card.identity_check.document_last4 == "R7Q2"
    assert page.locator("#card-serial").inner_text() == card.serial_number
    # The card holds the certificate the coop registered, under the PIN the person chose.
    on_card = piv.tlv_find(blank.objects[piv.OBJECT_AUTHENTICATION_CERTIFICATE], 0x70)
    assert on_card == bytes(card.certificate_der)
    # And the signature key's certificate in slot 9C's object, for the key made on the card.
    signing_on_card = piv.tlv_find(blank.objects[piv.OBJECT_SIGNATURE_CERTIFICATE], 0x70)
    assert signing_on_card == bytes(card.signing_certificate_der)
    signing_certificate = x509.load_der_x509_certificate(signing_on_card)
    assert signing_certificate.public_key() == blank.keys[piv.SLOT_SIGNATURE].public_key()
    assert blank.to_state()["pin"] == "975310"
    assert blank.registrar_mode is False


def test_the_card_step_needs_this_sessions_identity_check(
    registrar_client, registrar, alice, sign_in_at
):
    check = _check_record(registrar_client, alice)
    assert registrar_client.get(reverse("card:registrar_issue", args=[check.pk])).status_code == 200
    other = Client()
    sign_in_at(other, registrar, "high")
    response = other.get(reverse("card:registrar_issue", args=[check.pk]))
    assert response.status_code == 409


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_registrar_adds_a_signature_key_to_an_older_card_in_the_browser(
    page, live_server, settings, registrar, make_user, sign_in_at, issue_card
):
    """A card issued before slot 9C, in the reader with its holder's PIN: the page proves
    it is that card, makes the 9C key, gets it certified and writes the certificate."""
    person = make_user("julie@example.com", given_name="Julie", family_name="Roy")
    card_key = ec.generate_private_key(ec.SECP256R1())
    card = issue_card(person, card_key, signing=False)
    holder_card = card_personalised(
        pin="975310",
        keys={piv.SLOT_AUTHENTICATION: card_key},
        certificates={piv.SLOT_AUTHENTICATION: bytes(card.certificate_der)},
    )
    with _registrar_bridge(holder_card, live_server.url) as bridge:
        settings.CARD_AGENT_URL = f"http://127.0.0.1:{bridge.port}"
        settings.SITE_URL = live_server.url
        signed_in = Client()
        sign_in_at(signed_in, registrar, "high")
        session = signed_in.cookies[django_settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [
                {"name": name, "value": value, "url": live_server.url}
                for name, value in [
                    (django_settings.SESSION_COOKIE_NAME, session),
                    (django_settings.LANGUAGE_COOKIE_NAME, "en"),
                ]
            ]
        )
        page.goto(reverse("card:registrar_person", args=[person.public_id]))
        assert (
            "issued before document signatures" in page.locator("#person-signing-key").inner_text()
        )
        page.get_by_label("Identity document").select_option("passport")
        page.get_by_label("Last four characters of the document number").fill("J4R1")
        page.get_by_label("Branch").fill(BRANCH)
        page.get_by_role("button", name="Record the check").click()

        page.locator("#registrar-holder-pin").fill("975310")
        page.locator("#registrar-add-signing-key").click()
        page.wait_for_url("**/guichet/carte/**")

    card.refresh_from_db()
    assert card.status == CardStatus.ACTIVE and card.has_signing_key
    assert page.locator("#card-signing-serial").inner_text() == card.signing_serial_number
    on_card = piv.tlv_find(holder_card.objects[piv.OBJECT_SIGNATURE_CERTIFICATE], 0x70)
    assert on_card == bytes(card.signing_certificate_der)
    signing_certificate = x509.load_der_x509_certificate(on_card)
    assert signing_certificate.public_key() == holder_card.keys[piv.SLOT_SIGNATURE].public_key()
    assert holder_card.keys[piv.SLOT_AUTHENTICATION] is card_key  # the same card
