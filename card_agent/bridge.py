"""The agent's HTTP bridge for the browser, on 127.0.0.1 only.

    GET  /status  -> {"version", "demo", "readers", "card", "signingKey", "pinEntry"[, "error"]}
    POST /sign    {"nonce": "...", "pin": "..."}  -> a Web eID 1.0 token
    GET  /signing-certificate  -> {"certificate": base64 DER}  (slot 9C; no PIN)
    POST /sign-document  {"title", "signedAttributes": base64 DER, "documentDigest": base64,
                          "pin"?}  -> {"signature": base64 DER ECDSA}

`/sign-document` signs a document with the card's slot 9C key: `signedAttributes` are the
CMS signed attributes of the signature (card_agent.cms says which ones it accepts), and
their message digest must be `documentDigest` (32 bytes, SHA-256); the agent hashes the
attributes itself, asks for the PIN showing the title and the digest's first 16 hex
digits, and the card signs that hash. `signingKey` in /status says whether the card has
a slot 9C certificate (a card issued before slot 9C existed has not: `no_signing_key`).

and, only when started with `--registrar` (the issuing branch's workstation, never a
holder's computer), the issuance operations; their PINs travel in the body, since the
registrar's page drives the whole sequence. Each takes the key slot, "9a" (PIV
Authentication, the default) or "9c" (Digital Signature):

    POST /registrar/key          {"slot"?, "pin"?}              -> {"publicKey": base64 SPKI}
    POST /registrar/challenge    {"slot"?, "challenge": base64, "pin"}
                                                                -> {"signature": base64 DER}
    POST /registrar/certificate  {"slot"?, "certificate": base64 DER, "pin"?}
                                                                -> {"written": true}
    POST /registrar/pin          {"oldPin", "newPin"}           -> {"changed": true}

`/registrar/challenge` is the proof of possession the coop wants before it certifies the
key `/registrar/key` generated: the card signs the coop's challenge (16 to 64 random
bytes) with that new key of the slot, over `webeid.possession_digest(challenge, slot)` (a
hash bound to this purpose and slot, so the bridge never signs arbitrary data and a 9A
proof never stands for the 9C key), exactly as a real PIV card signs: VERIFY PIN, then
GENERAL AUTHENTICATE.

Errors are JSON {"error": code, "message"[, "triesLeft"]} with the agent's stable codes.
Request bodies are read with core.jsonin.json_parse (4 KB, 32 levels at most): anything
else is a 400 `bad_request`, never a dropped connection.

Only the configured Uniqc origins (UNIQC_AGENT_ORIGINS, comma-separated) may use it: the
origin signed is the request's Origin header, so a page elsewhere can neither read the
answer (CORS) nor get anything signed (403 before the card is touched); the same holds for
/signing-certificate, which needs an allowed Origin. POSTs want `application/json`, which
makes a browser send a preflight first. The Host header must name
the loopback address, which defeats DNS rebinding.

PIN entry. With `pin_entry="agent"` (the default) the agent asks for the PIN itself, through
its PIN provider (its terminal, or whatever a test injects), and a `pin` in the request is
refused: the page never sees the PIN, as with Web eID's native dialog. With
`pin_entry="page"` the sign-in page collects the PIN and sends it in the body. That is for
the demo and the browser tests, where no second window can take the PIN; the PIN then
passes through the coop's own page script and the loopback socket, never the network, and
an injected script on an allowed origin could read it — the reason it is not the default.
`/status` says which mode is on so the page knows whether to show a PIN field.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from card_agent import piv
from card_agent.agent import (
    AgentError,
    BadRequest,
    CardAgent,
    PinProvider,
    PinRequired,
    fixed_pin,
    terminal_pin_provider,
)
from core.jsonin import JsonInputError, json_parse

logger = logging.getLogger(__name__)

DEFAULT_PORT = 34567
# The development site as `make run` serves it by default (SITE_URL), then its loopback IP.
DEFAULT_ORIGINS = ("http://localhost:8000", "http://127.0.0.1:8000")
ORIGINS_VARIABLE = "UNIQC_AGENT_ORIGINS"
PIN_ENTRY_AGENT = "agent"
PIN_ENTRY_PAGE = "page"
_MAX_BODY = 4096
_LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def allowed_origins_from_env() -> tuple[str, ...]:
    """The origins allowed to use the bridge: UNIQC_AGENT_ORIGINS, or the development ones."""
    configured = os.environ.get(ORIGINS_VARIABLE, "")
    origins = tuple(each.strip().rstrip("/") for each in configured.split(",") if each.strip())
    return origins or DEFAULT_ORIGINS


class OriginNotAllowed(AgentError):
    code = "origin_not_allowed"
    message = "This origin may not use the card agent."
    http_status = 403


class BridgeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        agent: CardAgent,
        *,
        port: int,
        allowed_origins: tuple[str, ...],
        pin_entry: str,
        pin_provider: PinProvider,
        registrar: bool = False,
    ) -> None:
        if pin_entry not in (PIN_ENTRY_AGENT, PIN_ENTRY_PAGE):
            raise ValueError(f"pin_entry is {PIN_ENTRY_AGENT!r} or {PIN_ENTRY_PAGE!r}")
        self.agent = agent
        self.allowed_origins = frozenset(allowed_origins)
        self.pin_entry = pin_entry
        self.pin_provider = pin_provider
        self.registrar = registrar
        super().__init__(("127.0.0.1", port), BridgeHandler)

    @property
    def port(self) -> int:
        return self.server_address[1]


class BridgeHandler(BaseHTTPRequestHandler):
    server: BridgeServer
    server_version = "uniqc-agent"
    protocol_version = "HTTP/1.1"

    # -- helpers -----------------------------------------------------------------------

    def _origin(self) -> str | None:
        return self.headers.get("Origin")

    def _origin_allowed(self) -> bool:
        return self._origin() in self.server.allowed_origins

    def _host_is_loopback(self) -> bool:
        host = self.headers.get("Host", "")
        name, _, port = host.rpartition(":")
        return name in _LOOPBACK_NAMES and port == str(self.server.port)

    def _send_json(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        # One request per connection: a refused request's body is never left unread
        # in front of the next one.
        self.send_header("Connection", "close")
        self.close_connection = True
        self.send_header("Vary", "Origin")
        if self._origin_allowed():
            self.send_header("Access-Control-Allow-Origin", self._origin())
        self.end_headers()
        self.wfile.write(body)

    def _send_error(self, failure: AgentError) -> None:
        self._send_json(failure.http_status, failure.as_json())

    def _refused_before_routing(self) -> AgentError | None:
        """The checks every request passes: a loopback Host and, if any, an allowed Origin."""
        if not self._host_is_loopback():
            return BadRequest("The Host header must name 127.0.0.1 or localhost.")
        if self._origin() is not None and not self._origin_allowed():
            return OriginNotAllowed()
        return None

    def log_message(self, format: str, *args) -> None:
        logger.info("bridge: " + format, *args)

    # -- methods -----------------------------------------------------------------------

    def do_OPTIONS(self) -> None:
        refused = self._refused_before_routing()
        if refused is None and not self._origin_allowed():
            refused = OriginNotAllowed()
        if refused is not None:
            self._send_error(refused)
            return
        headers = {
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
        }
        # Chrome's Private Network Access: a public page may reach loopback only if asked.
        if self.headers.get("Access-Control-Request-Private-Network") == "true":
            headers["Access-Control-Allow-Private-Network"] = "true"
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Access-Control-Allow-Origin", self._origin())
        self.send_header("Vary", "Origin")
        self.send_header("Content-Length", "0")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def do_GET(self) -> None:
        refused = self._refused_before_routing()
        if refused is not None:
            self._send_error(refused)
            return
        if self.path == "/status":
            status = self.server.agent.status()
            self._send_json(HTTPStatus.OK, {**status, "pinEntry": self.server.pin_entry})
            return
        if self.path != "/signing-certificate":
            self._send_json(HTTPStatus.NOT_FOUND, {"error": "not_found"})
            return
        if not self._origin_allowed():
            self._send_error(OriginNotAllowed())
            return
        try:
            certificate = self.server.agent.signing_certificate()
        except AgentError as failure:
            self._send_error(failure)
            return
        self._send_json(HTTPStatus.OK, {"certificate": base64.b64encode(certificate).decode()})

    def do_POST(self) -> None:
        refused = self._refused_before_routing()
        if refused is not None:
            self._send_error(refused)
            return
        routes = {"/sign": self._sign, "/sign-document": self._sign_document}
        if self.server.registrar:
            routes |= {
                "/registrar/key": self._registrar_key,
                "/registrar/challenge": self._registrar_challenge,
                "/registrar/certificate": self._registrar_certificate,
                "/registrar/pin": self._registrar_pin,
            }
        route = routes.get(self.path)
        if route is None:
            self._send_json(HTTPStatus.NOT_FOUND, {"error": "not_found"})
            return
        if not self._origin_allowed():  # what is signed is the origin: it must be there
            self._send_error(OriginNotAllowed())
            return
        try:
            answer = route(self._json_body())
        except AgentError as failure:
            logger.info("bridge: %s refused for %s: %s", self.path, self._origin(), failure.code)
            self._send_error(failure)
            return
        self._send_json(HTTPStatus.OK, answer)

    def _sign(self, request: dict) -> dict:
        return self.server.agent.sign(
            origin=self._origin(),
            nonce=_text(request, "nonce"),
            pin_provider=self._pin_provider(request),
        )

    def _sign_document(self, request: dict) -> dict:
        signature = self.server.agent.sign_document(
            origin=self._origin(),
            title=_text(request, "title"),
            signed_attributes=_base64(request, "signedAttributes"),
            document_digest=_base64(request, "documentDigest"),
            pin_provider=self._pin_provider(request),
        )
        return {"signature": base64.b64encode(signature).decode("ascii")}

    def _registrar_key(self, request: dict) -> dict:
        public_key = self.server.agent.generate_key(
            pin=_text(request, "pin", optional=True), slot=_slot(request)
        )
        spki = public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        return {"publicKey": base64.b64encode(spki).decode("ascii")}

    def _registrar_challenge(self, request: dict) -> dict:
        slot = _slot(request)
        signature = self.server.agent.prove_possession(
            challenge=_base64(request, "challenge"), pin=_text(request, "pin"), slot=slot
        )
        return {"signature": base64.b64encode(signature).decode("ascii")}

    def _registrar_certificate(self, request: dict) -> dict:
        slot = _slot(request)
        try:
            der = base64.b64decode(_text(request, "certificate"), validate=True)
            x509.load_der_x509_certificate(der)
        except ValueError:
            raise BadRequest("certificate is a base64 DER X.509 certificate.") from None
        self.server.agent.write_certificate(
            der, pin=_text(request, "pin", optional=True), slot=slot
        )
        return {"written": True}

    def _registrar_pin(self, request: dict) -> dict:
        self.server.agent.change_pin(
            old_pin=_text(request, "oldPin"), new_pin=_text(request, "newPin")
        )
        return {"changed": True}

    def _json_body(self) -> dict:
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != "application/json":
            raise BadRequest("The body must be application/json.")
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            raise BadRequest("Bad Content-Length.") from None
        if not 0 < length <= _MAX_BODY:
            raise BadRequest("The body is empty or too long.")
        try:
            return json_parse(self.rfile.read(length), max_bytes=_MAX_BODY)
        except JsonInputError as refused:
            raise BadRequest(f"The body is not a JSON object ({refused.code}).") from None

    def _pin_provider(self, request: dict) -> PinProvider:
        pin = request.get("pin")
        if self.server.pin_entry == PIN_ENTRY_AGENT:
            if pin is not None:
                raise BadRequest("This agent asks for the PIN itself; do not send it.")
            return self.server.pin_provider
        if not isinstance(pin, str) or not pin:
            raise PinRequired()
        return fixed_pin(pin)


def _text(request: dict, name: str, *, optional: bool = False) -> str | None:
    value = request.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise BadRequest(f"{name} is a non-empty string.")
    return value


def _base64(request: dict, name: str) -> bytes:
    try:
        return base64.b64decode(_text(request, name), validate=True)
    except ValueError:
        raise BadRequest(f"{name} is base64.") from None


_SLOTS = {"9a": piv.SLOT_AUTHENTICATION, "9c": piv.SLOT_SIGNATURE}


def _slot(request: dict) -> int:
    """The key slot a registrar operation is for: "9a" (the default) or "9c"."""
    name = _text(request, "slot", optional=True) or "9a"
    if name not in _SLOTS:
        raise BadRequest('slot is "9a" or "9c".')
    return _SLOTS[name]


def bridge_create(
    agent: CardAgent,
    *,
    port: int = DEFAULT_PORT,
    allowed_origins: tuple[str, ...] | None = None,
    pin_entry: str = PIN_ENTRY_AGENT,
    pin_provider: PinProvider = terminal_pin_provider,
    registrar: bool = False,
) -> BridgeServer:
    """A bridge bound to 127.0.0.1:`port` (0: any free port); call serve_forever() on it."""
    return BridgeServer(
        agent,
        port=port,
        allowed_origins=allowed_origins
        if allowed_origins is not None
        else allowed_origins_from_env(),
        pin_entry=pin_entry,
        pin_provider=pin_provider,
        registrar=registrar,
    )


def serve_forever(
    agent: CardAgent,
    *,
    port: int = DEFAULT_PORT,
    pin_entry: str = PIN_ENTRY_AGENT,
    registrar: bool = False,
) -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    server = bridge_create(agent, port=port, pin_entry=pin_entry, registrar=registrar)
    logger.info(
        "uniqc-agent bridge on http://127.0.0.1:%d for %s (PIN entry: %s%s)",
        server.port,
        ", ".join(sorted(server.allowed_origins)),
        pin_entry,
        "; registrar operations on" if registrar else "",
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
