"""A virtual PIV card: the card logic (`VirtualPivCard`) and its vpcd transport.

`VirtualPivCard.process(apdu) -> response` knows nothing of how APDUs arrive. The vpcd
transport connects it to pcscd's virtual reader (Debian's vsmartcard-vpcd) so that tests
and the demo go through the real PC/SC stack; `softcard.py` puts the same class behind the
agent's card-connection interface without pcscd.

Simplification, deliberately: SP 800-73-4 guards key generation and PUT DATA with the card
management key (a 9B challenge-response). This card asks instead for the PIN verified in
the current card session, or for `registrar_mode` (a card the registrar's workstation
personalises; it ends when the holder sets their PIN with CHANGE REFERENCE DATA). The
holder's PIN still guards every signature, which is the property the login depends on.

Two key slots: 9A (PIV Authentication, sign-in) and 9C (Digital Signature, documents).
Slot 9C is "PIN always", as SP 800-73-4 requires of it: each GENERAL AUTHENTICATE with
the 9C key needs a successful VERIFY earlier in the same card session that no 9C signature
has used yet, so one PIN entry makes at most one document signature.

Run against pcscd: `python -m card_agent.emulator [--state FILE] [--port 35963]`.
"""

from __future__ import annotations

import argparse
import contextlib
import hmac
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from card_agent import piv

logger = logging.getLogger(__name__)

DEFAULT_PIN = "123456"  # the PIV industry's transport PIN, changed at issuance
STATE_FORMAT = "uniqc-virtual-piv:2"
STATE_FORMAT_V1 = "uniqc-virtual-piv:1"
VPCD_HOST = "127.0.0.1"
VPCD_PORT = 35963

# 3B 8x 80 01 + historical bytes + TCK: TD1 announces T=0, TD2 announces T=1.
_HISTORICAL = b"UniqcPIV"


def _atr() -> bytes:
    body = bytes([0x80 | len(_HISTORICAL), 0x80, 0x01]) + _HISTORICAL
    tck = 0
    for byte in body:
        tck ^= byte
    return b"\x3b" + body + bytes([tck])


ATR = _atr()
_APPLICATION_LABEL = b"Uniqc virtual PIV card"


class _StatusError(Exception):
    """A command refused with a status word; raised inside the card, never outside it."""

    def __init__(self, sw: int) -> None:
        super().__init__(f"{sw:04X}")
        self.sw = sw


def _sw(sw: int) -> bytes:
    return sw.to_bytes(2, "big")


class VirtualPivCard:
    """The PIV card application, transport-independent: one APDU in, one response out.

    Persistent state (PIN, retry counter, the keys of slots 9A and 9C, data objects)
    survives a reset; the security status (PIN verified), the selection and pending
    chained data do not.
    """

    def __init__(
        self,
        *,
        pin: str = DEFAULT_PIN,
        pin_tries_left: int = piv.PIN_RETRIES,
        private_key: ec.EllipticCurvePrivateKey | None = None,
        keys: dict[int, ec.EllipticCurvePrivateKey] | None = None,
        objects: dict[bytes, bytes] | None = None,
        registrar_mode: bool = False,
    ) -> None:
        """`keys` maps a slot (0x9A, 0x9C) to its key; `private_key` is slot 9A's alone."""
        piv.pin_block(pin)  # refuses a malformed PIN
        self._pin = pin
        self.pin_tries_left = pin_tries_left
        self.keys: dict[int, ec.EllipticCurvePrivateKey] = dict(keys or {})
        if private_key is not None:
            self.keys[piv.SLOT_AUTHENTICATION] = private_key
        if not set(self.keys) <= set(piv.SLOT_CERTIFICATE_OBJECTS):
            raise ValueError("a key slot is 0x9A or 0x9C")
        self.objects: dict[bytes, bytes] = dict(objects or {})
        self.registrar_mode = registrar_mode
        # Incremented whenever persistent state changes, so a transport knows when to save.
        self.revision = 0
        self._lock = threading.Lock()
        self.reset()

    @property
    def private_key(self) -> ec.EllipticCurvePrivateKey | None:
        """The slot 9A (authentication) key."""
        return self.keys.get(piv.SLOT_AUTHENTICATION)

    # -- persistence ---------------------------------------------------------------------

    def to_state(self) -> dict:
        """A JSON-able snapshot of the persistent state (demo use: the PIN is in clear).

        Format `uniqc-virtual-piv:2`: `keys` maps "9a" and "9c" to the P-256 scalar in hex.
        Version 1 had one `private_key`, the slot 9A key; `from_state` still reads it.
        """
        return {
            "format": STATE_FORMAT,
            "pin": self._pin,
            "pin_tries_left": self.pin_tries_left,
            "keys": {
                f"{slot:02x}": f"{key.private_numbers().private_value:064x}"
                for slot, key in sorted(self.keys.items())
            },
            "objects": {tag.hex(): value.hex() for tag, value in self.objects.items()},
            "registrar_mode": self.registrar_mode,
        }

    @classmethod
    def from_state(cls, state: dict) -> VirtualPivCard:
        if state.get("format") == STATE_FORMAT_V1:
            scalars = {"9a": state["private_key"]} if state.get("private_key") else {}
        elif state.get("format") == STATE_FORMAT:
            scalars = state["keys"]
        else:
            raise ValueError(f"unknown virtual card state format {state.get('format')!r}")
        return cls(
            pin=state["pin"],
            pin_tries_left=state["pin_tries_left"],
            keys={
                int(slot, 16): ec.derive_private_key(int(scalar, 16), ec.SECP256R1())
                for slot, scalar in scalars.items()
            },
            objects={bytes.fromhex(t): bytes.fromhex(v) for t, v in state["objects"].items()},
            registrar_mode=state.get("registrar_mode", False),
        )

    def save(self, path: Path) -> None:
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_text(json.dumps(self.to_state(), indent=2))
        temporary.replace(path)

    @classmethod
    def load_or_create(cls, path: Path, **kwargs) -> VirtualPivCard:
        """The card saved at `path`, or a new blank card saved there."""
        if path.exists():
            return cls.from_state(json.loads(path.read_text()))
        card = cls(**kwargs)
        card.save(path)
        return card

    # -- power -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Power off, power on or warm reset: the security status is lost."""
        self.selected = False
        self.pin_verified = False
        # Slot 9C's "PIN always": set by a successful VERIFY, spent by one 9C signature.
        self._signature_pin_unspent = False
        self._pending = b""
        self._chain: tuple[tuple[int, int, int], bytes] | None = None

    @property
    def atr(self) -> bytes:
        return ATR

    # -- APDU processing -------------------------------------------------------------------

    def process(self, apdu: bytes) -> bytes:
        """Execute one command APDU and return the response APDU (data + SW1 SW2)."""
        with self._lock:
            try:
                return self._process(apdu)
            except _StatusError as refused:
                return _sw(refused.sw)
            except Exception:
                logger.exception("virtual card: unexpected error")
                return _sw(piv.SW_UNKNOWN)

    def _process(self, apdu: bytes) -> bytes:
        try:
            command = piv.command_parse(apdu)
        except ValueError:
            return _sw(piv.SW_WRONG_LENGTH)
        if command.cla & ~piv.CLA_CHAINING != 0x00:
            return _sw(piv.SW_CLA_NOT_SUPPORTED)
        limit = command.le or piv.SHORT_RESPONSE_MAX
        if command.ins == piv.INS_GET_RESPONSE:
            if not self._pending:
                return _sw(piv.SW_CONDITIONS_NOT_SATISFIED)
            return self._respond(self._pending, limit)
        self._pending = b""

        data = self._chained_data(command)
        if data is None:
            return _sw(piv.SW_OK)  # a link of a chain, stored for the last command
        handler = self._HANDLERS.get(command.ins)
        if handler is None:
            return _sw(piv.SW_INS_NOT_SUPPORTED)
        if command.ins != piv.INS_SELECT and not self.selected:
            return _sw(piv.SW_CONDITIONS_NOT_SATISFIED)
        return self._respond(handler(self, command.p1, command.p2, data), limit)

    def _chained_data(self, command: piv.Command) -> bytes | None:
        """Command chaining (CLA bit 0x10): the whole data once the last link arrives."""
        header = (command.ins, command.p1, command.p2)
        if self._chain is not None and self._chain[0] != header:
            self._chain = None
            raise _StatusError(piv.SW_LAST_COMMAND_OF_CHAIN_EXPECTED)
        earlier = self._chain[1] if self._chain else b""
        if command.cla & piv.CLA_CHAINING:
            self._chain = (header, earlier + command.data)
            return None
        self._chain = None
        return earlier + command.data

    def _respond(self, data: bytes, limit: int) -> bytes:
        """Send up to `limit` bytes; announce the rest with 61 xx for GET RESPONSE."""
        if len(data) <= limit:
            self._pending = b""
            return data + _sw(piv.SW_OK)
        self._pending = data[limit:]
        announced = min(len(self._pending), piv.SHORT_RESPONSE_MAX) % 256
        return data[:limit] + _sw(piv.SW_BYTES_REMAINING | announced)

    def _changed(self) -> None:
        self.revision += 1

    # -- commands ----------------------------------------------------------------------

    def _select(self, p1: int, p2: int, data: bytes) -> bytes:
        if p1 != 0x04:
            raise _StatusError(piv.SW_INCORRECT_P1P2)
        if len(data) < 5 or not piv.PIV_AID.startswith(data):
            self.selected = False
            raise _StatusError(piv.SW_NOT_FOUND)
        self.selected = True
        algorithms = piv.tlv(0xAC, piv.tlv(0x80, bytes([piv.ALGORITHM_ECC_P256])) + b"\x06\x00")
        return piv.tlv(
            0x61,
            piv.tlv(0x4F, piv.PIV_AID[5:])
            + piv.tlv(0x79, piv.tlv(0x4F, piv.PIV_AID[:5]))
            + piv.tlv(0x50, _APPLICATION_LABEL)
            + algorithms,
        )

    def _check_pin_reference(self, p1: int, p2: int) -> None:
        if p2 != piv.PIN_REFERENCE:
            raise _StatusError(piv.SW_REFERENCE_NOT_FOUND)
        if p1 != 0x00:
            raise _StatusError(piv.SW_INCORRECT_P1P2)

    def _pin_matches(self, block: bytes) -> bool:
        return hmac.compare_digest(block, piv.pin_block(self._pin))

    def _wrong_pin(self) -> None:
        self.pin_verified = False
        self._signature_pin_unspent = False
        self.pin_tries_left = max(0, self.pin_tries_left - 1)
        self._changed()
        raise _StatusError(piv.SW_VERIFY_FAILED | self.pin_tries_left)

    def _verify(self, p1: int, p2: int, data: bytes) -> bytes:
        if p1 == 0xFF and p2 == piv.PIN_REFERENCE and not data:
            self.pin_verified = False  # reset the security status (SP 800-73-4 3.2.1)
            self._signature_pin_unspent = False
            return b""
        self._check_pin_reference(p1, p2)
        if self.pin_tries_left == 0:
            raise _StatusError(piv.SW_AUTH_METHOD_BLOCKED)
        if not data:
            if self.pin_verified:
                return b""
            raise _StatusError(piv.SW_VERIFY_FAILED | self.pin_tries_left)
        if len(data) != piv.PIN_LENGTH:
            raise _StatusError(piv.SW_WRONG_DATA)
        if not self._pin_matches(data):
            self._wrong_pin()
        self.pin_verified = True
        self._signature_pin_unspent = True
        if self.pin_tries_left != piv.PIN_RETRIES:
            self.pin_tries_left = piv.PIN_RETRIES
            self._changed()
        return b""

    def _change_reference_data(self, p1: int, p2: int, data: bytes) -> bytes:
        self._check_pin_reference(p1, p2)
        if self.pin_tries_left == 0:
            raise _StatusError(piv.SW_AUTH_METHOD_BLOCKED)
        if len(data) != 2 * piv.PIN_LENGTH:
            raise _StatusError(piv.SW_WRONG_DATA)
        old, new = data[: piv.PIN_LENGTH], data[piv.PIN_LENGTH :]
        new_pin = piv.pin_from_block(new)
        if new_pin is None:
            raise _StatusError(piv.SW_WRONG_DATA)
        if not self._pin_matches(old):
            self._wrong_pin()
        self._pin = new_pin
        self.pin_tries_left = piv.PIN_RETRIES
        self.pin_verified = True
        self.registrar_mode = False  # the holder's own PIN ends the blank-card state
        self._changed()
        return b""

    def _object_tag(self, p1: int, p2: int, data: bytes) -> tuple[bytes, list]:
        if (p1, p2) != (0x3F, 0xFF):
            raise _StatusError(piv.SW_INCORRECT_P1P2)
        try:
            elements = piv.tlv_parse(data)
        except piv.TlvError:
            raise _StatusError(piv.SW_WRONG_DATA) from None
        if not elements or elements[0][0] != b"\x5c":
            raise _StatusError(piv.SW_WRONG_DATA)
        return elements[0][1], elements[1:]

    def _get_data(self, p1: int, p2: int, data: bytes) -> bytes:
        tag, _ = self._object_tag(p1, p2, data)
        if tag not in self.objects:
            raise _StatusError(piv.SW_NOT_FOUND)
        return piv.tlv(0x53, self.objects[tag])

    def _require_management(self) -> None:
        if not (self.pin_verified or self.registrar_mode):
            raise _StatusError(piv.SW_SECURITY_STATUS_NOT_SATISFIED)

    def _put_data(self, p1: int, p2: int, data: bytes) -> bytes:
        tag, rest = self._object_tag(p1, p2, data)
        if len(rest) != 1 or rest[0][0] != b"\x53":
            raise _StatusError(piv.SW_WRONG_DATA)
        self._require_management()
        if rest[0][1]:
            self.objects[tag] = rest[0][1]
        else:
            self.objects.pop(tag, None)
        self._changed()
        return b""

    def _generate(self, p1: int, p2: int, data: bytes) -> bytes:
        if p1 != 0x00 or p2 not in piv.SLOT_CERTIFICATE_OBJECTS:
            raise _StatusError(piv.SW_INCORRECT_P1P2)
        try:
            template = piv.tlv_find(data, 0xAC)
            algorithm = piv.tlv_find(template or b"", 0x80)
        except piv.TlvError:
            raise _StatusError(piv.SW_WRONG_DATA) from None
        if algorithm != bytes([piv.ALGORITHM_ECC_P256]):
            raise _StatusError(piv.SW_WRONG_DATA)
        self._require_management()
        key = self.keys[p2] = ec.generate_private_key(ec.SECP256R1())
        self._changed()
        point = key.public_key().public_numbers()
        encoded = b"\x04" + point.x.to_bytes(32, "big") + point.y.to_bytes(32, "big")
        return piv.tlv(b"\x7f\x49", piv.tlv(0x86, encoded))

    def _general_authenticate(self, p1: int, p2: int, data: bytes) -> bytes:
        if p1 != piv.ALGORITHM_ECC_P256 or p2 not in piv.SLOT_CERTIFICATE_OBJECTS:
            raise _StatusError(piv.SW_INCORRECT_P1P2)
        try:
            template = piv.tlv_find(data, 0x7C)
            inner = piv.tlv_parse(template) if template is not None else []
        except piv.TlvError:
            raise _StatusError(piv.SW_WRONG_DATA) from None
        fields = dict(inner)
        challenge = fields.get(b"\x81")
        if fields.get(b"\x82") != b"" or challenge is None or len(challenge) != 32:
            raise _StatusError(piv.SW_WRONG_DATA)
        if not self.pin_verified:
            raise _StatusError(piv.SW_SECURITY_STATUS_NOT_SATISFIED)
        if p2 == piv.SLOT_SIGNATURE and not self._signature_pin_unspent:
            raise _StatusError(piv.SW_SECURITY_STATUS_NOT_SATISFIED)
        key = self.keys.get(p2)
        if key is None:
            raise _StatusError(piv.SW_REFERENCE_NOT_FOUND)
        if p2 == piv.SLOT_SIGNATURE:
            self._signature_pin_unspent = False
        signature = key.sign(challenge, ec.ECDSA(Prehashed(hashes.SHA256())))
        return piv.tlv(0x7C, piv.tlv(0x82, signature))

    _HANDLERS: dict[int, Callable[[VirtualPivCard, int, int, bytes], bytes]] = {
        piv.INS_SELECT: _select,
        piv.INS_VERIFY: _verify,
        piv.INS_CHANGE_REFERENCE_DATA: _change_reference_data,
        piv.INS_GET_DATA: _get_data,
        piv.INS_PUT_DATA: _put_data,
        piv.INS_GENERATE_ASYMMETRIC_KEY_PAIR: _generate,
        piv.INS_GENERAL_AUTHENTICATE: _general_authenticate,
    }


# -- the vpcd transport ------------------------------------------------------------------

VPCD_POWER_OFF = 0
VPCD_POWER_ON = 1
VPCD_RESET = 2
VPCD_GET_ATR = 4


class VpcdEmulator:
    """Plugs a `VirtualPivCard` into vpcd: a TCP client speaking vpcd's framing.

    Each frame is a two-byte big-endian length and a payload; a one-byte payload is a
    control (power off, power on, reset, get ATR), anything longer is a command APDU.
    """

    def __init__(
        self,
        card: VirtualPivCard,
        *,
        host: str = VPCD_HOST,
        port: int = VPCD_PORT,
        state_path: Path | None = None,
    ) -> None:
        self.card = card
        self.host = host
        self.port = port
        self.state_path = state_path
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def connect(self, *, timeout: float = 10.0) -> None:
        """Connect to vpcd, retrying until `timeout` seconds (pcscd may still be starting)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._socket = socket.create_connection((self.host, self.port), timeout=2)
                self._socket.settimeout(None)
                return
            except OSError:
                if time.monotonic() >= deadline or self._stopping.is_set():
                    raise
                time.sleep(0.1)

    def serve(self) -> None:
        """Answer vpcd's frames until the connection closes or `stop()` is called."""
        assert self._socket is not None, "connect() first"
        while not self._stopping.is_set():
            payload = self._receive_frame()
            if payload is None:
                return
            reply = self._handle(payload)
            if reply is None:
                continue
            try:
                self._socket.sendall(len(reply).to_bytes(2, "big") + reply)
            except (BrokenPipeError, ConnectionResetError):
                return  # vpcd closed the connection (pcscd stopped) while we answered

    def start(self, *, timeout: float = 10.0) -> None:
        """Connect, then serve in a daemon thread (tests use this)."""
        self.connect(timeout=timeout)
        self._thread = threading.Thread(target=self.serve, name="vpcd-emulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
            self._socket.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _receive_exactly(self, size: int) -> bytes | None:
        chunks = b""
        while len(chunks) < size:
            try:
                chunk = self._socket.recv(size - len(chunks))
            except OSError:
                return None
            if not chunk:
                return None
            chunks += chunk
        return chunks

    def _receive_frame(self) -> bytes | None:
        header = self._receive_exactly(2)
        if header is None:
            return None
        return self._receive_exactly(int.from_bytes(header, "big"))

    def _handle(self, payload: bytes) -> bytes | None:
        if len(payload) == 1:
            control = payload[0]
            if control == VPCD_GET_ATR:
                return self.card.atr
            if control in (VPCD_POWER_OFF, VPCD_POWER_ON, VPCD_RESET):
                self.card.reset()
            else:
                logger.warning("vpcd: unknown control byte %d", control)
            return None
        revision = self.card.revision
        response = self.card.process(payload)
        if self.state_path is not None and self.card.revision != revision:
            self.card.save(self.state_path)
        return response


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A virtual PIV card for pcscd's vpcd reader.")
    parser.add_argument("--state", type=Path, help="JSON file keeping the card between runs")
    parser.add_argument("--host", default=VPCD_HOST)
    parser.add_argument("--port", type=int, default=VPCD_PORT)
    parser.add_argument(
        "--registrar-mode",
        action="store_true",
        help="allow key generation and certificate writing without the PIN (a blank card)",
    )
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    card = VirtualPivCard.load_or_create(arguments.state) if arguments.state else VirtualPivCard()
    card.registrar_mode = card.registrar_mode or arguments.registrar_mode
    try:
        while True:  # pcscd restarting drops the connection: plug the card in again
            emulator = VpcdEmulator(
                card, host=arguments.host, port=arguments.port, state_path=arguments.state
            )
            emulator.connect(timeout=float("inf"))
            logger.info(
                "virtual PIV card inserted in vpcd at %s:%d", arguments.host, arguments.port
            )
            emulator.serve()
            logger.info("vpcd closed the connection; reconnecting")
            time.sleep(1)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
