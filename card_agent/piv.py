"""PIV constants (NIST SP 800-73-4) and the BER-TLV and APDU helpers the agent and the
virtual card share, so that both sides of the card interface speak from one definition."""

from __future__ import annotations

from dataclasses import dataclass

# The PIV application identifier; cards also accept a right-truncated AID (the RID and PIX
# without the version bytes), as SP 800-73-4 part 2 section 3.1.1 allows.
PIV_AID = bytes.fromhex("A000000308000010000100")
PIV_AID_SHORT = bytes.fromhex("A00000030800001000")

INS_SELECT = 0xA4
INS_VERIFY = 0x20
INS_CHANGE_REFERENCE_DATA = 0x24
INS_GET_DATA = 0xCB
INS_PUT_DATA = 0xDB
INS_GENERATE_ASYMMETRIC_KEY_PAIR = 0x47
INS_GENERAL_AUTHENTICATE = 0x87
INS_GET_RESPONSE = 0xC0

CLA_CHAINING = 0x10

PIN_REFERENCE = 0x80  # the PIV Card Application PIN
SLOT_AUTHENTICATION = 0x9A  # PIV Authentication: Web eID sign-in
SLOT_SIGNATURE = 0x9C  # Digital Signature: documents; PIN verified just before each use
ALGORITHM_ECC_P256 = 0x11

# Data object tags of the objects we use (the 5F C1 xx BER-TLV tags).
OBJECT_AUTHENTICATION_CERTIFICATE = bytes.fromhex("5FC105")
OBJECT_SIGNATURE_CERTIFICATE = bytes.fromhex("5FC10A")
OBJECT_CHUID = bytes.fromhex("5FC102")

# The certificate object of each key slot we use (SP 800-73-4 part 1, table 3).
SLOT_CERTIFICATE_OBJECTS = {
    SLOT_AUTHENTICATION: OBJECT_AUTHENTICATION_CERTIFICATE,
    SLOT_SIGNATURE: OBJECT_SIGNATURE_CERTIFICATE,
}

PIN_LENGTH = 8  # a PIN travels padded with 0xFF to eight bytes
PIN_PAD = 0xFF
PIN_MIN_LENGTH = 6
PIN_MAX_LENGTH = 8
PIN_RETRIES = 3

# Status words.
SW_OK = 0x9000
SW_BYTES_REMAINING = 0x6100  # low byte: how many bytes GET RESPONSE may fetch (0 = 256+)
SW_VERIFY_FAILED = 0x63C0  # low nibble: tries left
SW_WRONG_LENGTH = 0x6700
SW_LAST_COMMAND_OF_CHAIN_EXPECTED = 0x6883
SW_SECURITY_STATUS_NOT_SATISFIED = 0x6982
SW_AUTH_METHOD_BLOCKED = 0x6983
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_WRONG_DATA = 0x6A80
SW_FUNCTION_NOT_SUPPORTED = 0x6A81
SW_NOT_FOUND = 0x6A82
SW_INCORRECT_P1P2 = 0x6A86
SW_REFERENCE_NOT_FOUND = 0x6A88
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00
SW_UNKNOWN = 0x6F00

SHORT_RESPONSE_MAX = 256
SHORT_COMMAND_MAX = 255


class TlvError(ValueError):
    """Bytes that are not well-formed BER-TLV."""


def tlv(tag: bytes | int, value: bytes) -> bytes:
    """Encode one BER-TLV element with a definite length (short or long form)."""
    tag_bytes = bytes([tag]) if isinstance(tag, int) else tag
    return tag_bytes + encode_length(len(value)) + value


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    if length <= 0xFF:
        return bytes([0x81, length])
    if length <= 0xFFFF:
        return bytes([0x82]) + length.to_bytes(2, "big")
    raise TlvError(f"length {length} is too long")


def _read_tag(data: bytes, offset: int) -> tuple[bytes, int]:
    start = offset
    if offset >= len(data):
        raise TlvError("truncated tag")
    first = data[offset]
    offset += 1
    if first & 0x1F == 0x1F:  # multi-byte tag: continue while bit 8 is set
        while True:
            if offset >= len(data):
                raise TlvError("truncated tag")
            offset += 1
            if not data[offset - 1] & 0x80:
                break
    return data[start:offset], offset


def _read_length(data: bytes, offset: int) -> tuple[int, int]:
    if offset >= len(data):
        raise TlvError("truncated length")
    first = data[offset]
    offset += 1
    if first < 0x80:
        return first, offset
    count = first & 0x7F
    if count == 0 or count > 3 or offset + count > len(data):
        raise TlvError("unsupported or truncated length")
    return int.from_bytes(data[offset : offset + count], "big"), offset + count


def tlv_parse(data: bytes) -> list[tuple[bytes, bytes]]:
    """Split a sequence of BER-TLV elements into (tag, value) pairs, in order."""
    elements = []
    offset = 0
    while offset < len(data):
        tag, offset = _read_tag(data, offset)
        length, offset = _read_length(data, offset)
        if offset + length > len(data):
            raise TlvError("value runs past the end")
        elements.append((tag, data[offset : offset + length]))
        offset += length
    return elements


def tlv_find(data: bytes, tag: bytes | int) -> bytes | None:
    """The value of the first top-level element with `tag`, or None."""
    wanted = bytes([tag]) if isinstance(tag, int) else tag
    for found, value in tlv_parse(data):
        if found == wanted:
            return value
    return None


def pin_block(pin: str) -> bytes:
    """The eight-byte PIN reference data: ASCII digits padded with 0xFF."""
    if not (PIN_MIN_LENGTH <= len(pin) <= PIN_MAX_LENGTH) or not pin.isascii() or not pin.isdigit():
        raise ValueError("a PIN is 6 to 8 digits")
    return pin.encode("ascii").ljust(PIN_LENGTH, bytes([PIN_PAD]))


def pin_from_block(block: bytes) -> str | None:
    """The PIN in a padded block, or None if the block is not a well-formed PIN."""
    if len(block) != PIN_LENGTH:
        return None
    digits = block.rstrip(bytes([PIN_PAD]))
    try:
        pin = digits.decode("ascii")
    except UnicodeDecodeError:
        return None
    try:
        pin_block(pin)
    except ValueError:
        return None
    return pin


@dataclass(frozen=True)
class Command:
    """A parsed command APDU (short or extended length)."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes
    le: int  # 0 when no response data is expected; 256 or 65536 for "as much as possible"


def command_parse(apdu: bytes) -> Command:
    """Parse a command APDU of any ISO 7816-4 case; raise ValueError if malformed."""
    if len(apdu) < 4:
        raise ValueError("an APDU has at least four header bytes")
    cla, ins, p1, p2 = apdu[:4]
    body = apdu[4:]
    if not body:
        return Command(cla, ins, p1, p2, b"", 0)
    if len(body) == 1:
        return Command(cla, ins, p1, p2, b"", body[0] or 256)
    if body[0] != 0:  # short Lc
        lc = body[0]
        if len(body) == 1 + lc:
            return Command(cla, ins, p1, p2, body[1:], 0)
        if len(body) == 2 + lc:
            return Command(cla, ins, p1, p2, body[1 : 1 + lc], body[-1] or 256)
        raise ValueError("Lc does not match the data")
    # Extended length: 00 then two bytes.
    if len(body) == 3:
        return Command(cla, ins, p1, p2, b"", int.from_bytes(body[1:3], "big") or 65536)
    lc = int.from_bytes(body[1:3], "big")
    if lc == 0:
        raise ValueError("extended Lc of zero")
    if len(body) == 3 + lc:
        return Command(cla, ins, p1, p2, body[3:], 0)
    if len(body) == 5 + lc:
        le = int.from_bytes(body[-2:], "big") or 65536
        return Command(cla, ins, p1, p2, body[3 : 3 + lc], le)
    raise ValueError("extended Lc does not match the data")


def command_build(
    cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = None
) -> bytes:
    """Build a short command APDU; `le` None means no Le, 256 is encoded as 00."""
    if len(data) > SHORT_COMMAND_MAX:
        raise ValueError("data too long for a short APDU; chain it")
    apdu = bytes([cla, ins, p1, p2])
    if data:
        apdu += bytes([len(data)]) + data
    if le is not None:
        apdu += bytes([le % 256])
    return apdu


def status_word(response: bytes) -> int:
    if len(response) < 2:
        raise ValueError("a response APDU ends with two status bytes")
    return int.from_bytes(response[-2:], "big")
