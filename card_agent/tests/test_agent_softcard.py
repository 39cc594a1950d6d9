"""The agent over the software demo card: the Web eID contract, PIN handling, issuance."""

import base64
import hashlib
import json

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

from card_agent import agent as agent_module
from card_agent import webeid
from card_agent.agent import (
    BadRequest,
    CardAgent,
    CardError,
    NotPersonalised,
    PinBlocked,
    WrongPin,
    fixed_pin,
)
from card_agent.emulator import VirtualPivCard
from card_agent.softcard import DEMO_READER, SoftCardSource

from .conftest import PIN, card_certificate, certificate_for

ORIGIN = "https://uniqc.coop"
NONCE = base64.b64encode(bytes(range(32))).decode()


def server_verifies(token: dict, *, origin: str, nonce: str) -> x509.Certificate:
    """What the server does with a token, per the contract: ECDSA(SHA-256) over the
    64 signed bytes with the certificate's public key, the signature rebuilt from R||S."""
    certificate = x509.load_der_x509_certificate(base64.b64decode(token["unverifiedCertificate"]))
    raw = base64.b64decode(token["signature"])
    assert len(raw) == 64
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    signed_data = hashlib.sha256(origin.encode()).digest() + hashlib.sha256(nonce.encode()).digest()
    certificate.public_key().verify(der, signed_data, ec.ECDSA(hashes.SHA256()))
    return certificate


@pytest.fixture
def agent(card) -> CardAgent:
    return CardAgent(SoftCardSource(card))


def test_token_verifies_as_the_server_checks_it(agent, card):
    token = agent.sign(origin=ORIGIN, nonce=NONCE, pin_provider=fixed_pin(PIN))
    assert token["algorithm"] == "ES256"
    assert token["format"] == "web-eid:1.0"
    assert token["appVersion"] == f"https://uniqc.coop/agent/{agent_module.AGENT_VERSION}"
    assert set(token) == {"unverifiedCertificate", "algorithm", "signature", "format", "appVersion"}
    assert server_verifies(token, origin=ORIGIN, nonce=NONCE) == card_certificate(card)
    assert 100 <= len(json.dumps(token)) <= 10_000


def test_token_does_not_verify_for_another_origin_or_nonce(agent):
    token = agent.sign(origin=ORIGIN, nonce=NONCE, pin_provider=fixed_pin(PIN))

    with pytest.raises(InvalidSignature):
        server_verifies(token, origin="https://evil.example", nonce=NONCE)
    other_nonce = base64.b64encode(b"\x01" * 32).decode()
    with pytest.raises(InvalidSignature):
        server_verifies(token, origin=ORIGIN, nonce=other_nonce)


def test_development_origin_on_loopback_is_signed(agent):
    origin = "http://127.0.0.1:8000"
    token = agent.sign(origin=origin, nonce=NONCE, pin_provider=fixed_pin(PIN))
    server_verifies(token, origin=origin, nonce=NONCE)


@pytest.mark.parametrize(
    "origin",
    ["https://uniqc.coop/", "http://uniqc.coop", "https://uniqc.coop/login", "uniqc.coop", ""],
)
def test_malformed_origins_are_refused_before_the_card(agent, origin):
    asked = []
    with pytest.raises(BadRequest):
        agent.sign(origin=origin, nonce=NONCE, pin_provider=asked.append)
    assert asked == []


@pytest.mark.parametrize(
    "nonce", ["", "abc", NONCE[:-4] + "!!!!", base64.b64encode(b"x" * 33).decode()]
)
def test_malformed_nonces_are_refused(agent, nonce):
    with pytest.raises(BadRequest):
        agent.sign(origin=ORIGIN, nonce=nonce, pin_provider=fixed_pin(PIN))


def test_wrong_pin_reports_tries_left_and_the_provider_hears_them(agent):
    requests = []

    def provider(request):
        requests.append(request)
        return "000000"

    with pytest.raises(WrongPin) as first:
        agent.sign(origin=ORIGIN, nonce=NONCE, pin_provider=provider)
    with pytest.raises(WrongPin) as second:
        agent.sign(origin=ORIGIN, nonce=NONCE, pin_provider=provider)
    assert (first.value.tries_left, second.value.tries_left) == (2, 1)
    assert [r.tries_left for r in requests] == [3, 2]
    assert requests[0].origin == ORIGIN
    assert first.value.as_json() == {
        "error": "wrong_pin",
        "message": "Wrong PIN; 2 tries left.",
        "triesLeft": 2,
    }


def test_third_wrong_pin_blocks_and_a_blocked_card_is_not_asked_for_a_pin(agent):
    for _ in range(2):
        with pytest.raises(WrongPin):
            agent.sign(origin=ORIGIN, nonce=NONCE, pin_provider=fixed_pin("000000"))
    with pytest.raises(PinBlocked):
        agent.sign(origin=ORIGIN, nonce=NONCE, pin_provider=fixed_pin("000000"))
    asked = []
    with pytest.raises(PinBlocked) as blocked:
        agent.sign(origin=ORIGIN, nonce=NONCE, pin_provider=asked.append)
    assert asked == []
    assert blocked.value.code == "pin_blocked"


def test_a_pin_that_is_not_six_to_eight_digits_is_refused_without_counting(agent, card):
    with pytest.raises(BadRequest):
        agent.sign(origin=ORIGIN, nonce=NONCE, pin_provider=fixed_pin("12ab"))
    assert card.pin_tries_left == 3


def test_the_card_is_powered_off_after_each_operation(agent, card):
    agent.sign(origin=ORIGIN, nonce=NONCE, pin_provider=fixed_pin(PIN))
    assert card.pin_verified is False


def test_certificate_and_status(agent, card):
    der = agent.certificate()
    assert der == card_certificate(card).public_bytes(serialization.Encoding.DER)
    assert agent.status() == {
        "version": agent_module.AGENT_VERSION,
        "demo": True,
        "readers": [DEMO_READER],
        "card": True,
        "signingKey": True,
    }


def test_status_of_a_card_issued_before_slot_9c_says_no_signing_key():
    from .conftest import personalised_card

    agent = CardAgent(SoftCardSource(personalised_card(signing=False)))
    status = agent.status()
    assert status["card"] is True and status["signingKey"] is False


def test_a_blank_card_has_no_certificate():
    agent = CardAgent(SoftCardSource(VirtualPivCard()))
    with pytest.raises(NotPersonalised) as missing:
        agent.certificate()
    assert missing.value.code == "card_not_personalised"


def test_registrar_operations_need_the_pin():
    agent = CardAgent(SoftCardSource(VirtualPivCard()))
    with pytest.raises(CardError):
        agent.generate_key(pin=None)
    with pytest.raises(WrongPin):
        agent.generate_key(pin="654321")


def test_issuance_generate_write_set_pin_then_sign(tmp_path):
    """The registrar's sequence on a blank card saved to a file: the card survives reloads."""
    path = tmp_path / "demo-card.json"
    registrar = CardAgent(SoftCardSource.from_file(path))
    public_key = registrar.generate_key(pin="123456")
    certificate = certificate_for(public_key)
    registrar.write_certificate(certificate, pin="123456")
    with pytest.raises(BadRequest):
        registrar.change_pin(old_pin="123456", new_pin="97531")
    registrar.change_pin(old_pin="123456", new_pin="975310")
    holder = CardAgent(SoftCardSource.from_file(path))
    assert holder.certificate() == certificate
    with pytest.raises(WrongPin):
        holder.sign(origin=ORIGIN, nonce=NONCE, pin_provider=fixed_pin("123456"))
    token = holder.sign(origin=ORIGIN, nonce=NONCE, pin_provider=fixed_pin("975310"))
    assert server_verifies(token, origin=ORIGIN, nonce=NONCE).public_key() == public_key
    assert json.loads(path.read_text())["pin_tries_left"] == 3


def test_the_new_key_proves_possession_as_a_piv_card_signs():
    """VERIFY PIN then GENERAL AUTHENTICATE (slot 9A) over the purpose-bound digest."""
    card = VirtualPivCard()
    agent = CardAgent(SoftCardSource(card))
    public_key = agent.generate_key(pin="123456")
    challenge = b"\x42" * 32
    signature = agent.prove_possession(challenge=challenge, pin="123456")
    public_key.verify(
        signature,
        hashlib.sha256(webeid.POSSESSION_CONTEXT + challenge).digest(),
        ec.ECDSA(Prehashed(hashes.SHA256())),
    )
    with pytest.raises(InvalidSignature):
        public_key.verify(signature, challenge, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(WrongPin):
        agent.prove_possession(challenge=challenge, pin="654321")
    with pytest.raises(BadRequest):
        agent.prove_possession(challenge=b"\x42" * 8, pin="123456")
    assert card.pin_tries_left == 2  # only the wrong PIN counted


def test_signed_data_is_the_two_hashes_and_the_card_gets_their_hash():
    data = webeid.signed_data(origin=ORIGIN, nonce=NONCE)
    assert (
        data == hashlib.sha256(ORIGIN.encode()).digest() + hashlib.sha256(NONCE.encode()).digest()
    )
    assert webeid.digest_to_sign(origin=ORIGIN, nonce=NONCE) == hashlib.sha256(data).digest()


def test_der_to_raw_pads_short_integers_to_32_bytes():
    raw = webeid.der_to_raw(encode_dss_signature(1, 2**255 + 7))
    assert raw == (1).to_bytes(32, "big") + (2**255 + 7).to_bytes(32, "big")


def test_the_agent_sends_the_piv_commands_byte_for_byte(card):
    """The APDUs of a sign-in, as SP 800-73-4 and the server contract write them."""
    sent = []
    process = card.process

    def recording(apdu: bytes) -> bytes:
        sent.append(apdu)
        return process(apdu)

    card.process = recording
    CardAgent(SoftCardSource(card)).sign(origin=ORIGIN, nonce=NONCE, pin_provider=fixed_pin(PIN))
    digest = webeid.digest_to_sign(origin=ORIGIN, nonce=NONCE)
    get_responses = [apdu for apdu in sent if apdu[:2] == b"\x00\xc0"]
    commands = [apdu for apdu in sent if apdu[:2] != b"\x00\xc0"]
    assert len(get_responses) >= 2  # the certificate is longer than 256 bytes
    assert commands == [
        bytes.fromhex("00A404000BA000000308000010000100"),  # SELECT
        bytes.fromhex("00CB3FFF055C035FC105"),  # GET DATA 9A certificate
        bytes.fromhex("00200080"),  # VERIFY, empty: tries left
        bytes.fromhex("0020008008") + PIN.encode() + b"\xff\xff",  # VERIFY
        bytes.fromhex("0087119A267C248200" + "8120") + digest,  # GENERAL AUTHENTICATE
        bytes.fromhex("0020FF80"),  # reset the PIN's security status
    ]
