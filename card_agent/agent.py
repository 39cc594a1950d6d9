"""The card agent, `uniqc-agent`: reads the Uniqc card and signs Web eID challenges with it.

The PIN never leaves the agent's process towards the server: the agent asks a *PIN
provider* for it. In a terminal the provider is the agent's own prompt; the browser bridge
may be started with page entry, where the PIN arrives in the bridge's request body (see
bridge.py for that trade-off); tests inject a provider. The agent always verifies the PIN
itself before a signature and powers the card off afterwards, so no PIN-verified state
outlives one operation.

Errors are `AgentError`s with stable codes (no_reader, no_card, wrong_pin, pin_blocked,
card_error, ...); the sign-in page turns a code into a sentence in the person's language.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import getpass
import json
import sys
import threading
import tomllib
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from card_agent import piv, webeid


def _version() -> str:
    """The installed package's version, or the checkout's when run from source."""
    try:
        return metadata.version("uniqc-coop")
    except metadata.PackageNotFoundError:
        pass
    try:
        project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
        return project["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0.0.0"


AGENT_VERSION = _version()

# -- errors ------------------------------------------------------------------------------


class AgentError(Exception):
    """A card operation that failed; `code` is stable, `message` is for logs and terminals."""

    code = "card_error"
    message = "The card could not complete the operation."
    http_status = 500

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)

    def as_json(self) -> dict:
        return {"error": self.code, "message": str(self)}


class NoReader(AgentError):
    code = "no_reader"
    message = "No smart-card reader is connected."
    http_status = 409


class NoCard(AgentError):
    code = "no_card"
    message = "No card is in the reader."
    http_status = 409


class WrongPin(AgentError):
    code = "wrong_pin"
    http_status = 403

    def __init__(self, *, tries_left: int) -> None:
        super().__init__(f"Wrong PIN; {tries_left} tries left.")
        self.tries_left = tries_left

    def as_json(self) -> dict:
        return {**super().as_json(), "triesLeft": self.tries_left}


class PinBlocked(AgentError):
    code = "pin_blocked"
    message = "The PIN is blocked; the card must be unblocked or replaced at a branch."
    http_status = 403


class PinRequired(AgentError):
    code = "pin_required"
    message = "No PIN was given."
    http_status = 400


class CardError(AgentError):
    code = "card_error"


class NotPersonalised(CardError):
    code = "card_not_personalised"
    message = "The card holds no authentication certificate."
    http_status = 409


class NoSigningKey(NotPersonalised):
    code = "no_signing_key"
    message = "The card holds no signature key (slot 9C); a registrar adds one at a branch."
    http_status = 409


class BadRequest(AgentError):
    code = "bad_request"
    message = "The request is malformed."
    http_status = 400


# -- card connections --------------------------------------------------------------------


class CardConnection(Protocol):
    """A connected card: one command APDU in, the response APDU (data + SW) out."""

    def transmit(self, apdu: bytes) -> bytes: ...


class CardSource(Protocol):
    """Where cards come from: PC/SC readers, or the software demo card."""

    is_demo: bool

    def readers(self) -> list[str]: ...

    def connect(self) -> contextlib.AbstractContextManager[CardConnection]: ...


class _PcscConnection:
    def __init__(self, connection) -> None:
        self._connection = connection

    def transmit(self, apdu: bytes) -> bytes:
        from smartcard.Exceptions import CardConnectionException

        try:
            data, sw1, sw2 = self._connection.transmit(list(apdu))
        except CardConnectionException as failure:
            raise CardError(f"The card stopped answering: {failure}") from failure
        return bytes(data) + bytes([sw1, sw2])


class PcscCardSource:
    """Cards in PC/SC readers through pyscard (pcscd on Linux)."""

    is_demo = False

    def __init__(self, *, reader: str | None = None) -> None:
        self.reader = reader  # a name, or a prefix; None: the first reader with a card

    def _reader_objects(self) -> list:
        try:
            from smartcard.Exceptions import SmartcardException
            from smartcard.pcsc.PCSCExceptions import BaseSCardException
            from smartcard.System import readers
        except ImportError as missing:
            raise NoReader(
                "pyscard is not installed (pip install 'uniqc-coop[card]')."
            ) from missing
        try:
            found = readers()
        except (SmartcardException, BaseSCardException) as failure:
            raise NoReader(f"The PC/SC service (pcscd) is not available: {failure}") from None
        if self.reader is not None:
            found = [each for each in found if str(each).startswith(self.reader)]
        return found

    def readers(self) -> list[str]:
        return [str(each) for each in self._reader_objects()]

    @contextlib.contextmanager
    def connect(self) -> Iterator[CardConnection]:
        from smartcard.Exceptions import CardConnectionException, NoCardException
        from smartcard.scard import SCARD_UNPOWER_CARD

        found = self._reader_objects()
        if not found:
            raise NoReader()
        for reader in found:
            connection = reader.createConnection()
            try:
                connection.connect(disposition=SCARD_UNPOWER_CARD)
            except (NoCardException, CardConnectionException):
                continue
            try:
                yield _PcscConnection(connection)
            finally:
                with contextlib.suppress(CardConnectionException):
                    connection.disconnect()
                connection.release()
            return
        raise NoCard()


# -- the PIV card ------------------------------------------------------------------------


@dataclass(frozen=True)
class PinRequest:
    """What a PIN provider is told when asked for the PIN.

    For a document signature ("sign_document") it also gets the document's title, as the
    page gave it, and the first 16 hex digits of the document digest, which the person
    can compare with what the page shows before they enter the PIN.
    """

    purpose: str  # "sign", "sign_document" or a registrar operation
    origin: str | None
    tries_left: int
    title: str | None = None
    digest_prefix: str | None = None


PinProvider = Callable[[PinRequest], str]


def fixed_pin(pin: str) -> PinProvider:
    """A provider that answers with `pin` (automation, tests, the bridge's page entry)."""
    return lambda request: pin


def terminal_pin_provider(request: PinRequest) -> str:
    """The agent's own prompt, on its terminal; the PIN is not echoed."""
    where = f" for {request.origin}" if request.origin else ""
    if request.purpose == "sign_document":
        sys.stderr.write(
            f"{request.origin} asks you to sign a document with your card.\n"
            f"  Title:  {request.title}\n"
            f"  Digest: {request.digest_prefix}… (compare with the page)\n"
        )
    try:
        pin = getpass.getpass(f"Card PIN{where} ({request.tries_left} tries left): ")
    except (EOFError, KeyboardInterrupt):
        raise PinRequired("PIN entry was cancelled.") from None
    if not pin:
        raise PinRequired()
    return pin


class PivCard:
    """A PIV card application on one connection: the commands the agent needs."""

    def __init__(self, connection: CardConnection) -> None:
        self._connection = connection

    def command(self, ins: int, p1: int, p2: int, data: bytes = b"") -> tuple[bytes, int]:
        """Send a command (chained if its data is long), collect every 61 xx piece of the
        response, and return (data, status word).

        Commands go without Le, byte for byte as SP 800-73-4 writes them; a T=1 card
        answers what it has and announces the rest with 61 xx.
        """
        size = piv.SHORT_COMMAND_MAX
        chunks = [data[i : i + size] for i in range(0, len(data), size)] or [b""]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            cla = 0x00 if last else piv.CLA_CHAINING
            response = self._connection.transmit(piv.command_build(cla, ins, p1, p2, chunk))
            sw = piv.status_word(response)
            if not last and sw != piv.SW_OK:
                return b"", sw
        body = response[:-2]
        while sw & 0xFF00 == piv.SW_BYTES_REMAINING:
            response = self._connection.transmit(
                piv.command_build(0x00, piv.INS_GET_RESPONSE, 0, 0, le=(sw & 0xFF) or 256)
            )
            sw = piv.status_word(response)
            body += response[:-2]
        return body, sw

    def _expect_ok(self, sw: int, operation: str) -> None:
        if sw == piv.SW_OK:
            return
        if sw == piv.SW_SECURITY_STATUS_NOT_SATISFIED:
            raise CardError(f"{operation}: the card requires the PIN first ({sw:04X}).")
        raise CardError(f"{operation}: the card answered {sw:04X}.")

    def select(self) -> None:
        _, sw = self.command(piv.INS_SELECT, 0x04, 0x00, piv.PIV_AID)
        if sw == piv.SW_NOT_FOUND:
            raise CardError("This card has no PIV application.")
        self._expect_ok(sw, "SELECT")

    def _pin_status(self, sw: int) -> None:
        if sw == piv.SW_AUTH_METHOD_BLOCKED or sw == piv.SW_VERIFY_FAILED:
            raise PinBlocked()
        if sw & 0xFFF0 == piv.SW_VERIFY_FAILED:
            raise WrongPin(tries_left=sw & 0x0F)
        self._expect_ok(sw, "VERIFY")

    def pin_tries_left(self) -> int:
        """Tries left before the PIN blocks (3 when the PIN is already verified)."""
        _, sw = self.command(piv.INS_VERIFY, 0x00, piv.PIN_REFERENCE)
        if sw == piv.SW_OK:
            return piv.PIN_RETRIES
        if sw == piv.SW_AUTH_METHOD_BLOCKED or sw == piv.SW_VERIFY_FAILED:
            raise PinBlocked()
        if sw & 0xFFF0 == piv.SW_VERIFY_FAILED:
            return sw & 0x0F
        self._expect_ok(sw, "VERIFY")
        return piv.PIN_RETRIES

    def forget_pin(self) -> None:
        """Reset the PIN's security status (VERIFY with P1 FF), so that no verified state
        outlives the operation even where a reader does not power the card off."""
        with contextlib.suppress(AgentError):
            self.command(piv.INS_VERIFY, 0xFF, piv.PIN_REFERENCE)

    def verify_pin(self, pin: str) -> None:
        try:
            block = piv.pin_block(pin)
        except ValueError:
            raise BadRequest("A PIN is 6 to 8 digits.") from None
        _, sw = self.command(piv.INS_VERIFY, 0x00, piv.PIN_REFERENCE, block)
        self._pin_status(sw)

    def change_pin(self, old_pin: str, new_pin: str) -> None:
        try:
            data = piv.pin_block(old_pin) + piv.pin_block(new_pin)
        except ValueError:
            raise BadRequest("A PIN is 6 to 8 digits.") from None
        _, sw = self.command(piv.INS_CHANGE_REFERENCE_DATA, 0x00, piv.PIN_REFERENCE, data)
        self._pin_status(sw)

    def read_certificate(self, slot: int = piv.SLOT_AUTHENTICATION) -> bytes:
        """The DER certificate of `slot` (9A, PIV Authentication, by default)."""
        request = piv.tlv(0x5C, _certificate_object(slot))
        body, sw = self.command(piv.INS_GET_DATA, 0x3F, 0xFF, request)
        if sw == piv.SW_NOT_FOUND:
            raise NoSigningKey() if slot == piv.SLOT_SIGNATURE else NotPersonalised()
        self._expect_ok(sw, "GET DATA")
        try:
            certificate = piv.tlv_find(piv.tlv_find(body, 0x53) or b"", 0x70)
        except piv.TlvError:
            certificate = None
        if not certificate:
            raise CardError("The certificate object on the card is malformed.")
        return certificate

    def write_certificate(
        self, certificate_der: bytes, slot: int = piv.SLOT_AUTHENTICATION
    ) -> None:
        content = piv.tlv(0x70, certificate_der) + piv.tlv(0x71, b"\x00") + piv.tlv(0xFE, b"")
        data = piv.tlv(0x5C, _certificate_object(slot)) + piv.tlv(0x53, content)
        _, sw = self.command(piv.INS_PUT_DATA, 0x3F, 0xFF, data)
        self._expect_ok(sw, "PUT DATA")

    def generate_key(self, slot: int = piv.SLOT_AUTHENTICATION) -> ec.EllipticCurvePublicKey:
        """Generate the ECC P-256 key of `slot` on the card; only the public key comes out."""
        _certificate_object(slot)
        template = piv.tlv(0xAC, piv.tlv(0x80, bytes([piv.ALGORITHM_ECC_P256])))
        body, sw = self.command(piv.INS_GENERATE_ASYMMETRIC_KEY_PAIR, 0x00, slot, template)
        self._expect_ok(sw, "GENERATE ASYMMETRIC KEY PAIR")
        try:
            point = piv.tlv_find(piv.tlv_find(body, b"\x7f\x49") or b"", 0x86)
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point or b"")
        except (piv.TlvError, ValueError):
            raise CardError("The card returned a malformed public key.") from None

    def sign_digest(self, digest: bytes, slot: int = piv.SLOT_AUTHENTICATION) -> bytes:
        """ECDSA P-256 over a 32-byte hash with the key of `slot`; returns the DER signature.

        Slot 9C wants the PIN verified just before, in the same card session."""
        _certificate_object(slot)
        template = piv.tlv(0x7C, piv.tlv(0x82, b"") + piv.tlv(0x81, digest))
        body, sw = self.command(
            piv.INS_GENERAL_AUTHENTICATE, piv.ALGORITHM_ECC_P256, slot, template
        )
        self._expect_ok(sw, "GENERAL AUTHENTICATE")
        try:
            signature = piv.tlv_find(piv.tlv_find(body, 0x7C) or b"", 0x82)
        except piv.TlvError:
            signature = None
        if not signature:
            raise CardError("The card returned a malformed signature.")
        return signature


def _certificate_object(slot: int) -> bytes:
    """The certificate object of a key slot we use; ValueError for any other slot."""
    try:
        return piv.SLOT_CERTIFICATE_OBJECTS[slot]
    except KeyError:
        raise ValueError(f"slot {slot:#x} is not 9A or 9C") from None


# -- the agent ---------------------------------------------------------------------------


class CardAgent:
    """What the console script and the bridge do with a card."""

    def __init__(self, source: CardSource) -> None:
        self.source = source
        # One card operation at a time: the bridge is threaded, and a sign-in is several
        # APDUs that must not interleave with another request's.
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def _card(self) -> Iterator[PivCard]:
        with self._lock, self.source.connect() as connection:
            card = PivCard(connection)
            card.select()
            try:
                yield card
            finally:
                card.forget_pin()

    def status(self) -> dict:
        """Agent version, readers, and whether a card is present (never raises for that)."""
        result = {
            "version": AGENT_VERSION,
            "demo": self.source.is_demo,
            "readers": [],
            "signingKey": False,
        }
        try:
            result["readers"] = self.source.readers()
            with self._card() as card:
                result["card"] = True
                with contextlib.suppress(NotPersonalised):
                    card.read_certificate(piv.SLOT_SIGNATURE)
                    result["signingKey"] = True
        except AgentError as failure:
            result["card"] = False
            result["error"] = failure.code
        return result

    def readers(self) -> list[str]:
        return self.source.readers()

    def certificate(self) -> bytes:
        with self._card() as card:
            return card.read_certificate()

    def signing_certificate(self) -> bytes:
        """The DER certificate of slot 9C (document signatures); `NoSigningKey` if none."""
        with self._card() as card:
            return card.read_certificate(piv.SLOT_SIGNATURE)

    def sign_document(
        self,
        *,
        origin: str,
        title: str,
        signed_attributes: bytes,
        document_digest: bytes,
        pin_provider: PinProvider,
    ) -> bytes:
        """Sign a document's CMS signed attributes with the slot 9C key; the DER ECDSA
        signature.

        The agent never signs a hash it is handed: it checks that `signed_attributes` holds
        only the attributes of a document signature, with `document_digest` as the message
        digest (card_agent.cms), hashes them itself, asks for the PIN showing `title` and
        the digest's first 16 hex digits, then VERIFY and GENERAL AUTHENTICATE 9C in one
        card session (slot 9C wants the PIN before each signature).
        """
        try:
            webeid.origin_check(origin)
        except ValueError as invalid:
            raise BadRequest(str(invalid)) from None
        title_check(title)
        from card_agent import cms  # cms raises this module's BadRequest: imported late

        digest = cms.signed_attributes_digest(signed_attributes, document_digest)
        with self._card() as card:
            card.read_certificate(piv.SLOT_SIGNATURE)
            tries_left = card.pin_tries_left()
            request = PinRequest(
                "sign_document", origin, tries_left, title, document_digest.hex()[:16]
            )
            card.verify_pin(pin_provider(request))
            return card.sign_digest(digest, piv.SLOT_SIGNATURE)

    def sign(self, *, origin: str, nonce: str, pin_provider: PinProvider) -> dict:
        """Sign the Web eID challenge for `origin` and `nonce`; return the token."""
        try:
            webeid.origin_check(origin)
            webeid.nonce_check(nonce)
        except ValueError as invalid:
            raise BadRequest(str(invalid)) from None
        with self._card() as card:
            certificate = card.read_certificate()
            tries_left = card.pin_tries_left()
            card.verify_pin(pin_provider(PinRequest("sign", origin, tries_left)))
            der_signature = card.sign_digest(webeid.digest_to_sign(origin=origin, nonce=nonce))
        return webeid.token_build(
            certificate_der=certificate,
            raw_signature=webeid.der_to_raw(der_signature),
            version=AGENT_VERSION,
        )

    # Registrar operations, used once at issuance. `pin` None relies on the card's
    # registrar mode (a blank virtual card); a real card wants its transport PIN.

    def generate_key(
        self, *, pin: str | None, slot: int = piv.SLOT_AUTHENTICATION
    ) -> ec.EllipticCurvePublicKey:
        with self._card() as card:
            if pin is not None:
                card.verify_pin(pin)
            return card.generate_key(slot)

    def prove_possession(
        self, *, challenge: bytes, pin: str, slot: int = piv.SLOT_AUTHENTICATION
    ) -> bytes:
        """Sign the coop's issuance challenge with the key of `slot`, as any PIV card signs
        (GENERAL AUTHENTICATE over `webeid.possession_digest(challenge, slot)`, after the
        PIN); returns the DER ECDSA signature the coop checks before certifying the key."""
        if not 16 <= len(challenge) <= 64:
            raise BadRequest("A challenge is 16 to 64 bytes.")
        with self._card() as card:
            card.verify_pin(pin)
            return card.sign_digest(webeid.possession_digest(challenge, slot), slot)

    def write_certificate(
        self, certificate_der: bytes, *, pin: str | None, slot: int = piv.SLOT_AUTHENTICATION
    ) -> None:
        with self._card() as card:
            if pin is not None:
                card.verify_pin(pin)
            card.write_certificate(certificate_der, slot)

    def change_pin(self, *, old_pin: str, new_pin: str) -> None:
        with self._card() as card:
            card.change_pin(old_pin, new_pin)


TITLE_MAX_LENGTH = 200


def title_check(title: str) -> str:
    """Return `title` if it is 1 to 200 characters of printable text: it is shown in the
    agent's terminal, where a control character could rewrite what the person reads."""
    if not isinstance(title, str) or not 0 < len(title) <= TITLE_MAX_LENGTH:
        raise BadRequest(f"A title is 1 to {TITLE_MAX_LENGTH} characters.")
    if any(unicodedata.category(character).startswith("C") for character in title):
        raise BadRequest("A title holds no control or format characters.")
    return title


# -- console script ----------------------------------------------------------------------


def source_for(softcard: Path | None, reader: str | None = None) -> CardSource:
    if softcard is not None:
        from card_agent.softcard import SoftCardSource

        return SoftCardSource.from_file(softcard)
    return PcscCardSource(reader=reader)


def _describe(certificate_der: bytes) -> str:
    certificate = x509.load_der_x509_certificate(certificate_der)
    return (
        f"subject:     {certificate.subject.rfc4514_string()}\n"
        f"issuer:      {certificate.issuer.rfc4514_string()}\n"
        f"serial:      {certificate.serial_number:x}\n"
        f"not after:   {certificate.not_valid_after_utc.isoformat()}\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="uniqc-agent", description="The Uniqc card agent.")
    parser.add_argument("--softcard", type=Path, help="use the software demo card in FILE")
    parser.add_argument("--reader", help="use this PC/SC reader (a name or its beginning)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("readers", help="list the card readers")
    certificate = commands.add_parser("certificate", help="show the card's certificate")
    certificate.add_argument("--pem", action="store_true", help="print it as PEM")
    certificate.add_argument(
        "--signing",
        action="store_true",
        help="the document signature certificate (slot 9C) instead of the sign-in one",
    )
    serve = commands.add_parser("serve", help="serve the browser bridge on 127.0.0.1")
    serve.add_argument("--port", type=int, default=34567)
    serve.add_argument(
        "--pin-entry",
        choices=("agent", "page"),
        default="agent",
        help="agent: prompt on this terminal (default); page: the sign-in page sends it",
    )
    serve.add_argument(
        "--registrar",
        action="store_true",
        help="also serve the issuance operations (a registrar's workstation only)",
    )
    sign = commands.add_parser("sign", help="sign a Web eID challenge and print the token")
    sign.add_argument("--origin", required=True)
    sign.add_argument("--nonce", required=True)
    arguments = parser.parse_args(argv)

    agent = CardAgent(source_for(arguments.softcard, arguments.reader))
    out = sys.stdout
    try:
        if arguments.command == "readers":
            for name in agent.readers():
                out.write(f"{name}\n")
        elif arguments.command == "certificate":
            der = agent.signing_certificate() if arguments.signing else agent.certificate()
            if arguments.pem:
                body = base64.encodebytes(der).decode("ascii")
                out.write(f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n")
            else:
                out.write(_describe(der))
        elif arguments.command == "sign":
            token = agent.sign(
                origin=arguments.origin,
                nonce=arguments.nonce,
                pin_provider=terminal_pin_provider,
            )
            out.write(json.dumps(token) + "\n")
        elif arguments.command == "serve":
            from card_agent.bridge import serve_forever

            serve_forever(
                agent,
                port=arguments.port,
                pin_entry=arguments.pin_entry,
                registrar=arguments.registrar,
            )
    except AgentError as failure:
        sys.stderr.write(f"uniqc-agent: {failure.code}: {failure}\n")
        return 1
    return 0


if __name__ == "__main__":
    # Run the importable module's main, not this __main__ copy: the bridge imports
    # card_agent.agent, and its exception classes must be the ones raised here.
    from card_agent.agent import main as agent_main

    raise SystemExit(agent_main())
