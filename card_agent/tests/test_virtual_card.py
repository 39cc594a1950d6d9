"""The virtual PIV card at the APDU level: each command, the PIN counter, chaining."""

import hashlib
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from card_agent import piv
from card_agent.emulator import ATR, VirtualPivCard

from .conftest import PIN, card_certificate, personalised_card

SELECT = bytes.fromhex("00A404000BA000000308000010000100")
SELECT_SHORT = bytes.fromhex("00A4040009A00000030800001000")
GET_CERTIFICATE = bytes.fromhex("00CB3FFF055C035FC10500")
GENERATE_9A = bytes.fromhex("0047009A05AC03800111")


def verify(pin: str) -> bytes:
    return bytes.fromhex("0020008008") + piv.pin_block(pin)


def sign_apdu(digest: bytes) -> bytes:
    template = piv.tlv(0x7C, piv.tlv(0x82, b"") + piv.tlv(0x81, digest))
    return bytes([0x00, 0x87, 0x11, 0x9A, len(template)]) + template


def sw(response: bytes) -> str:
    return response[-2:].hex().upper()


@pytest.fixture
def selected(card) -> VirtualPivCard:
    assert sw(card.process(SELECT)) == "9000"
    return card


def test_atr_announces_t1_and_has_a_valid_checksum():
    check = 0
    for byte in ATR[1:]:
        check ^= byte
    assert ATR[0] == 0x3B and check == 0
    assert b"UniqcPIV" in ATR


def test_select_returns_the_application_property_template(card):
    response = card.process(SELECT)
    assert sw(response) == "9000"
    template = piv.tlv_find(response[:-2], 0x61)
    assert piv.tlv_find(template, 0x4F) == bytes.fromhex("000010000100")


def test_select_accepts_the_truncated_aid(card):
    assert sw(card.process(SELECT_SHORT)) == "9000"


def test_select_of_another_application_is_not_found(card):
    assert sw(card.process(bytes.fromhex("00A4040007A0000000041010"))) == "6A82"


def test_commands_before_select_are_refused(card):
    assert sw(card.process(GET_CERTIFICATE)) == "6985"


def test_unknown_instruction_and_class(selected):
    assert sw(selected.process(bytes.fromhex("00FF000000"))) == "6D00"
    assert sw(selected.process(bytes.fromhex("80CB3FFF055C035FC10500"))) == "6E00"


def test_malformed_apdu_is_a_wrong_length(selected):
    assert sw(selected.process(bytes.fromhex("0020008008313233"))) == "6700"


def test_verify_right_pin_then_status_query_says_verified(selected):
    assert sw(selected.process(bytes.fromhex("00200080"))) == "63C3"
    assert sw(selected.process(verify(PIN))) == "9000"
    assert sw(selected.process(bytes.fromhex("00200080"))) == "9000"


def test_wrong_pin_counts_down_then_blocks_even_the_right_pin(selected):
    assert sw(selected.process(verify("111111"))) == "63C2"
    assert sw(selected.process(verify("111111"))) == "63C1"
    assert sw(selected.process(verify("111111"))) == "63C0"
    assert sw(selected.process(verify(PIN))) == "6983"
    assert sw(selected.process(bytes.fromhex("00200080"))) == "6983"
    assert selected.pin_tries_left == 0


def test_right_pin_restores_the_counter(selected):
    selected.process(verify("111111"))
    assert sw(selected.process(verify(PIN))) == "9000"
    assert selected.pin_tries_left == 3


def test_wrong_pin_clears_an_earlier_verification(selected):
    selected.process(verify(PIN))
    selected.process(verify("111111"))
    assert sw(selected.process(sign_apdu(b"\x00" * 32))) == "6982"


def test_verify_with_another_key_reference_is_not_found(selected):
    assert sw(selected.process(bytes.fromhex("0020008108") + piv.pin_block(PIN))) == "6A88"


def test_reset_drops_the_verification_but_keeps_the_counter(selected):
    selected.process(verify("111111"))
    selected.process(verify(PIN))
    selected.process(verify("111111"))
    selected.reset()
    selected.process(SELECT)
    assert sw(selected.process(bytes.fromhex("00200080"))) == "63C2"


def test_get_data_certificate_is_chained_with_get_response(selected):
    response = selected.process(GET_CERTIFICATE)
    assert len(response) == 258 and response[-2] == 0x61
    body = response[:-2]
    while response[-2] == 0x61:
        response = selected.process(bytes([0x00, 0xC0, 0x00, 0x00, response[-1]]))
        body += response[:-2]
    assert sw(response) == "9000"
    content = piv.tlv_find(body, 0x53)
    certificate = piv.tlv_find(content, 0x70)
    assert piv.tlv_find(content, 0x71) == b"\x00"
    assert piv.tlv_find(content, 0xFE) == b""
    assert certificate == card_certificate(selected).public_bytes(serialization.Encoding.DER)


def test_get_response_without_pending_data_is_refused(selected):
    assert sw(selected.process(bytes.fromhex("00C0000000"))) == "6985"


def test_another_command_discards_pending_response_data(selected):
    assert selected.process(GET_CERTIFICATE)[-2] == 0x61
    selected.process(bytes.fromhex("00200080"))
    assert sw(selected.process(bytes.fromhex("00C0000000"))) == "6985"


def test_extended_le_returns_everything_at_once(selected):
    extended = bytes.fromhex("00CB3FFF000005") + bytes.fromhex("5C035FC105") + b"\x00\x00"
    response = selected.process(extended)
    assert sw(response) == "9000" and len(response) > 600


def test_get_data_of_a_missing_object_is_not_found(selected):
    assert sw(selected.process(bytes.fromhex("00CB3FFF055C035FC10200"))) == "6A82"


def test_get_data_with_wrong_p1p2(selected):
    assert sw(selected.process(bytes.fromhex("00CB0000055C035FC10500"))) == "6A86"


def test_put_data_needs_the_pin(selected):
    data = piv.tlv(0x5C, piv.OBJECT_CHUID) + piv.tlv(0x53, b"\x30\x01\xaa")
    put = bytes([0x00, 0xDB, 0x3F, 0xFF, len(data)]) + data
    assert sw(selected.process(put)) == "6982"
    selected.process(verify(PIN))
    assert sw(selected.process(put)) == "9000"
    assert sw(selected.process(bytes.fromhex("00CB3FFF055C035FC10200"))) == "9000"


def test_put_data_by_command_chaining(selected):
    selected.process(verify(PIN))
    content = piv.tlv(0x70, bytes(range(256)) * 2) + piv.tlv(0x71, b"\x00")
    data = piv.tlv(0x5C, piv.OBJECT_AUTHENTICATION_CERTIFICATE) + piv.tlv(0x53, content)
    links = [data[i : i + 255] for i in range(0, len(data), 255)]
    for link in links[:-1]:
        assert sw(selected.process(bytes([0x10, 0xDB, 0x3F, 0xFF, len(link)]) + link)) == "9000"
    last = links[-1]
    assert sw(selected.process(bytes([0x00, 0xDB, 0x3F, 0xFF, len(last)]) + last)) == "9000"
    assert selected.objects[piv.OBJECT_AUTHENTICATION_CERTIFICATE] == content


def test_a_chain_broken_by_another_command_is_refused(selected):
    selected.process(verify(PIN))
    assert sw(selected.process(bytes.fromhex("10DB3FFF025C03"))) == "9000"
    assert sw(selected.process(bytes.fromhex("00200080"))) == "6883"


def test_generate_key_pair_returns_the_public_point(selected):
    selected.process(verify(PIN))
    response = selected.process(GENERATE_9A)
    assert sw(response) == "9000"
    point = piv.tlv_find(piv.tlv_find(response[:-2], b"\x7f\x49"), 0x86)
    assert len(point) == 65 and point[0] == 0x04
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    assert public == selected.private_key.public_key()


def test_generate_needs_the_pin_unless_in_registrar_mode():
    card = VirtualPivCard()
    card.process(SELECT)
    assert sw(card.process(GENERATE_9A)) == "6982"
    blank = VirtualPivCard(registrar_mode=True)
    blank.process(SELECT)
    assert sw(blank.process(GENERATE_9A)) == "9000"


def test_generate_refuses_another_slot_or_algorithm(selected):
    selected.process(verify(PIN))
    assert sw(selected.process(bytes.fromhex("0047009D05AC03800111"))) == "6A86"
    assert sw(selected.process(bytes.fromhex("0047009A05AC03800107"))) == "6A80"


def test_general_authenticate_signs_the_hash(selected):
    digest = hashlib.sha256(b"challenge").digest()
    assert sw(selected.process(sign_apdu(digest))) == "6982"
    selected.process(verify(PIN))
    response = selected.process(sign_apdu(digest))
    assert sw(response) == "9000"
    signature = piv.tlv_find(piv.tlv_find(response[:-2], 0x7C), 0x82)
    selected.private_key.public_key().verify(signature, b"challenge", ec.ECDSA(hashes.SHA256()))


def test_general_authenticate_refuses_a_malformed_template(selected):
    selected.process(verify(PIN))
    template = piv.tlv(0x7C, piv.tlv(0x81, b"\x00" * 31) + piv.tlv(0x82, b""))
    assert sw(selected.process(bytes([0, 0x87, 0x11, 0x9A, len(template)]) + template)) == "6A80"
    wrong_algorithm = bytearray(sign_apdu(b"\x00" * 32))
    wrong_algorithm[2] = 0x07
    assert sw(selected.process(bytes(wrong_algorithm))) == "6A86"


def test_general_authenticate_without_a_key(selected):
    card = VirtualPivCard()
    card.process(SELECT)
    card.process(verify("123456"))
    assert sw(card.process(sign_apdu(b"\x00" * 32))) == "6A88"


def test_change_reference_data_changes_the_pin(selected):
    apdu = bytes.fromhex("0024008010") + piv.pin_block(PIN) + piv.pin_block("13579135")
    assert sw(selected.process(apdu)) == "9000"
    selected.reset()
    selected.process(SELECT)
    assert sw(selected.process(verify(PIN))) == "63C2"
    assert sw(selected.process(verify("13579135"))) == "9000"


def test_change_reference_data_with_a_wrong_old_pin_counts_down(selected):
    apdu = bytes.fromhex("0024008010") + piv.pin_block("000000") + piv.pin_block("13579135")
    assert sw(selected.process(apdu)) == "63C2"


def test_change_reference_data_refuses_a_malformed_new_pin(selected):
    apdu = bytes.fromhex("0024008010") + piv.pin_block(PIN) + b"12\xff\xff\xff\xff\xff\xff"
    assert sw(selected.process(apdu)) == "6A80"
    assert selected.pin_tries_left == 3


def test_state_survives_a_json_round_trip(tmp_path):
    card = personalised_card()
    card.process(SELECT)
    card.process(verify("000000"))
    path = tmp_path / "card.json"
    card.save(path)
    json.loads(path.read_text())
    again = VirtualPivCard.load_or_create(path)
    assert again.pin_tries_left == 2
    assert again.objects == card.objects
    assert again.private_key.private_numbers() == card.private_key.private_numbers()
    again.process(SELECT)
    assert sw(again.process(verify(PIN))) == "9000"


def test_setting_the_holders_pin_ends_registrar_mode():
    card = VirtualPivCard(registrar_mode=True)
    card.process(SELECT)
    assert sw(card.process(GENERATE_9A)) == "9000"
    change = bytes.fromhex("0024008010") + piv.pin_block("123456") + piv.pin_block("975310")
    assert sw(card.process(change)) == "9000"
    card.reset()
    card.process(SELECT)
    assert sw(card.process(GENERATE_9A)) == "6982"
    assert card.to_state()["registrar_mode"] is False


def test_vpcd_framing_controls_and_apdus(tmp_path):
    """The transport as vpcd drives it: length-prefixed frames, one-byte controls."""
    import socket

    from card_agent.emulator import VpcdEmulator

    listener = socket.create_server(("127.0.0.1", 0))
    card = personalised_card()
    state = tmp_path / "card.json"
    emulator = VpcdEmulator(card, port=listener.getsockname()[1], state_path=state)
    emulator.start(timeout=5)
    vpcd, _ = listener.accept()
    vpcd.settimeout(5)

    def exchange(payload: bytes) -> bytes:
        vpcd.sendall(len(payload).to_bytes(2, "big") + payload)
        length = int.from_bytes(vpcd.recv(2), "big")
        return vpcd.recv(length)

    try:
        assert exchange(b"\x04") == ATR
        vpcd.sendall(b"\x00\x01\x01")  # power on: no answer
        assert sw(exchange(SELECT)) == "9000"
        assert sw(exchange(verify("000000"))) == "63C2"
        assert json.loads(state.read_text())["pin_tries_left"] == 2  # saved on change
        assert sw(exchange(verify(PIN))) == "9000"
        vpcd.sendall(b"\x00\x01\x02")  # reset: the verification is gone
        assert sw(exchange(SELECT)) == "9000"
        assert sw(exchange(bytes.fromhex("00200080"))) == "63C3"
    finally:
        emulator.stop()
        vpcd.close()
        listener.close()


def test_the_vpcd_emulator_stops_quietly_when_vpcd_goes_away_mid_answer():
    """pcscd stopping while the emulator answers closed the pipe under its sendall: the
    serving thread died with BrokenPipeError (a warning in every test run's teardown)."""
    import socket

    from card_agent.emulator import VPCD_GET_ATR, VpcdEmulator

    ours, vpcd = socket.socketpair()
    emulator = VpcdEmulator(VirtualPivCard())
    emulator._socket = ours
    vpcd.sendall((1).to_bytes(2, "big") + bytes([VPCD_GET_ATR]))
    vpcd.close()
    emulator.serve()  # returns instead of raising
    ours.close()


# -- slot 9C: the signature key, PIN always ----------------------------------------------


def sign_9c_apdu(digest: bytes) -> bytes:
    template = piv.tlv(0x7C, piv.tlv(0x82, b"") + piv.tlv(0x81, digest))
    return bytes([0x00, 0x87, 0x11, 0x9C, len(template)]) + template


def signature_of(response: bytes) -> bytes:
    return piv.tlv_find(piv.tlv_find(response[:-2], 0x7C), 0x82)


def test_9c_signs_with_its_own_key_after_a_verify(selected):
    digest = hashlib.sha256(b"signed attributes").digest()
    selected.process(verify(PIN))
    response = selected.process(sign_9c_apdu(digest))
    assert sw(response) == "9000"
    signing_key = selected.keys[piv.SLOT_SIGNATURE].public_key()
    signing_key.verify(signature_of(response), b"signed attributes", ec.ECDSA(hashes.SHA256()))
    assert signing_key != selected.private_key.public_key()


def test_9c_without_a_verify_in_this_session_is_refused(selected):
    assert sw(selected.process(sign_9c_apdu(b"\x01" * 32))) == "6982"


def test_9c_after_a_verify_of_an_earlier_session_is_refused(selected):
    selected.process(verify(PIN))
    selected.reset()
    selected.process(SELECT)
    assert sw(selected.process(sign_9c_apdu(b"\x01" * 32))) == "6982"


def test_9c_signs_once_per_verify(selected):
    selected.process(verify(PIN))
    assert sw(selected.process(sign_9c_apdu(b"\x01" * 32))) == "9000"
    assert sw(selected.process(sign_9c_apdu(b"\x02" * 32))) == "6982"
    # The status query (VERIFY without data) does not count as a new VERIFY.
    assert sw(selected.process(bytes.fromhex("00200080"))) == "9000"
    assert sw(selected.process(sign_9c_apdu(b"\x02" * 32))) == "6982"
    # 9A is not PIN-always: the session's verification still stands for it.
    assert sw(selected.process(sign_apdu(b"\x03" * 32))) == "9000"
    selected.process(verify(PIN))
    assert sw(selected.process(sign_9c_apdu(b"\x02" * 32))) == "9000"


def test_9c_after_a_wrong_pin_or_a_reset_of_the_status_is_refused(selected):
    selected.process(verify(PIN))
    selected.process(verify("111111"))
    assert sw(selected.process(sign_9c_apdu(b"\x01" * 32))) == "6982"
    selected.process(verify(PIN))
    selected.process(bytes.fromhex("00 20 FF 80".replace(" ", "")))
    assert sw(selected.process(sign_9c_apdu(b"\x01" * 32))) == "6982"


def test_9c_without_a_key_is_not_found():
    card = personalised_card(signing=False)
    card.process(SELECT)
    card.process(verify(PIN))
    assert sw(card.process(sign_9c_apdu(b"\x01" * 32))) == "6A88"


def test_generate_9c_leaves_the_9a_key_alone(selected):
    authentication_key = selected.private_key
    selected.process(verify(PIN))
    response = selected.process(bytes.fromhex("0047009C05AC03800111"))
    assert sw(response) == "9000"
    point = piv.tlv_find(piv.tlv_find(response[:-2], b"\x7f\x49"), 0x86)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    assert public == selected.keys[piv.SLOT_SIGNATURE].public_key()
    assert selected.private_key is authentication_key


def test_get_data_reads_the_signature_certificate(selected):
    response = selected.process(bytes.fromhex("00CB3FFF0000055C035FC10A0000"))
    assert sw(response) == "9000"
    content = piv.tlv_find(response[:-2], 0x53)
    assert piv.tlv_find(content, 0x70) == card_certificate(
        selected, piv.SLOT_SIGNATURE
    ).public_bytes(serialization.Encoding.DER)


def test_state_v2_keeps_both_keys(tmp_path):
    card = personalised_card()
    path = tmp_path / "card.json"
    card.save(path)
    state = json.loads(path.read_text())
    assert state["format"] == "uniqc-virtual-piv:2"
    assert set(state["keys"]) == {"9a", "9c"}
    again = VirtualPivCard.load_or_create(path)
    for slot in (piv.SLOT_AUTHENTICATION, piv.SLOT_SIGNATURE):
        assert again.keys[slot].private_numbers() == card.keys[slot].private_numbers()


def test_a_version_1_state_loads_as_slot_9a_only(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "card.json"
    path.write_text(
        json.dumps(
            {
                "format": "uniqc-virtual-piv:1",
                "pin": PIN,
                "pin_tries_left": 3,
                "private_key": f"{key.private_numbers().private_value:064x}",
                "objects": {},
                "registrar_mode": False,
            }
        )
    )
    card = VirtualPivCard.load_or_create(path)
    assert list(card.keys) == [piv.SLOT_AUTHENTICATION]
    assert card.private_key.private_numbers() == key.private_numbers()
    card.process(SELECT)
    card.process(verify(PIN))
    assert sw(card.process(sign_apdu(b"\x01" * 32))) == "9000"
    card.process(verify(PIN))
    assert sw(card.process(sign_9c_apdu(b"\x01" * 32))) == "6A88"
    card.save(path)  # saved again, it is a version 2 file
    assert json.loads(path.read_text())["keys"].keys() == {"9a"}


def test_an_unknown_state_format_is_refused():
    with pytest.raises(ValueError, match="format"):
        VirtualPivCard.from_state({"format": "uniqc-virtual-piv:9", "pin": PIN})
