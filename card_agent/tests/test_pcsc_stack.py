"""The agent through the real stack: pyscard -> pcscd -> vpcd -> the virtual card.

These tests fail (they do not skip) when pcscd or vpcd is missing; see pcsc_fixtures.py.
"""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from card_agent import piv
from card_agent.agent import CardAgent, NoCard, PcscCardSource, PinBlocked, WrongPin, fixed_pin
from card_agent.emulator import VirtualPivCard

from .conftest import PIN, VPCD_READER, card_certificate, certificate_for
from .signed_attributes import minimal
from .test_agent_softcard import server_verifies

ORIGIN = "https://uniqc.coop"
NONCE = base64.b64encode(b"\x2a" * 32).decode()


@pytest.fixture
def agent(pcsc_card) -> CardAgent:
    return CardAgent(PcscCardSource(reader=VPCD_READER))


def test_pyscard_sees_the_virtual_reader(pcsc_card):
    assert VPCD_READER in PcscCardSource().readers()


def test_the_certificate_over_256_bytes_is_read_through_get_response(agent, pcsc_card):
    certificate = card_certificate(pcsc_card).public_bytes(serialization.Encoding.DER)
    assert len(certificate) > 256
    assert agent.certificate() == certificate


def test_sign_produces_a_token_the_server_verifies(agent, pcsc_card):
    token = agent.sign(origin=ORIGIN, nonce=NONCE, pin_provider=fixed_pin(PIN))
    assert server_verifies(token, origin=ORIGIN, nonce=NONCE) == card_certificate(pcsc_card)
    assert pcsc_card.pin_verified is False  # pcscd powered the card off after the operation


def test_wrong_pin_decreases_tries_then_blocks(agent, pcsc_card):
    with pytest.raises(WrongPin) as first:
        agent.sign(origin=ORIGIN, nonce=NONCE, pin_provider=fixed_pin("000000"))
    with pytest.raises(WrongPin) as second:
        agent.sign(origin=ORIGIN, nonce=NONCE, pin_provider=fixed_pin("000000"))
    assert (first.value.tries_left, second.value.tries_left) == (2, 1)
    with pytest.raises(PinBlocked):
        agent.sign(origin=ORIGIN, nonce=NONCE, pin_provider=fixed_pin("000000"))
    with pytest.raises(PinBlocked):
        agent.sign(origin=ORIGIN, nonce=NONCE, pin_provider=fixed_pin(PIN))
    assert pcsc_card.pin_tries_left == 0


def test_issuance_through_pcsc(vpcd_emulator):
    """Blank card: generate the key, write a long certificate (command chaining), set the
    PIN, then sign with the new PIN."""
    vpcd_emulator.card = VirtualPivCard()
    agent = CardAgent(PcscCardSource(reader=VPCD_READER))
    public_key = agent.generate_key(pin="123456")
    certificate = certificate_for(public_key, padding=700)
    agent.write_certificate(certificate, pin="123456")
    agent.change_pin(old_pin="123456", new_pin="20261123")
    assert agent.certificate() == certificate
    token = agent.sign(origin=ORIGIN, nonce=NONCE, pin_provider=fixed_pin("20261123"))
    assert server_verifies(token, origin=ORIGIN, nonce=NONCE).public_key() == public_key


def test_an_empty_reader_is_no_card(pcsc_card):
    """vpcd's second reader (TCP 35964) has no emulator behind it."""
    agent = CardAgent(PcscCardSource(reader="Virtual PCD 00 01"))
    with pytest.raises(NoCard) as missing:
        agent.certificate()
    assert missing.value.code == "no_card"
    assert agent.status()["card"] is False


def test_console_script_readers_and_certificate(pcsc_card, capsys):
    from card_agent.agent import main

    assert main(["readers"]) == 0
    assert VPCD_READER in capsys.readouterr().out.splitlines()
    assert main(["--reader", VPCD_READER, "certificate"]) == 0
    assert "CN=uniqc:person:42" in capsys.readouterr().out


def test_sign_document_with_slot_9c_through_pcsc(agent, pcsc_card):
    """VERIFY then GENERAL AUTHENTICATE 9C in one card session, through pcscd: the slot's
    PIN-always rule holds on the real stack, and the card is powered off afterwards."""
    digest = hashlib.sha256(b"a document").digest()
    signed = minimal(digest)
    signature = agent.sign_document(
        origin=ORIGIN,
        title="Permis",
        signed_attributes=signed,
        document_digest=digest,
        pin_provider=fixed_pin(PIN),
    )
    signing_certificate = card_certificate(pcsc_card, piv.SLOT_SIGNATURE)
    signing_certificate.public_key().verify(signature, signed, ec.ECDSA(hashes.SHA256()))
    assert agent.signing_certificate() == signing_certificate.public_bytes(
        serialization.Encoding.DER
    )
    assert pcsc_card.pin_verified is False
