"""The browser bridge over HTTP: origin allow-list, CORS, PIN entry modes, error JSON."""

import base64
import hashlib
import http.client
import json
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from card_agent import piv, webeid
from card_agent.agent import CardAgent, fixed_pin
from card_agent.bridge import DEFAULT_ORIGINS, allowed_origins_from_env, bridge_create
from card_agent.softcard import SoftCardSource

from .conftest import ALLOWED, PIN, _serve, certificate_for, personalised_card
from .test_agent_softcard import server_verifies

NONCE = base64.b64encode(b"\x07" * 32).decode()


class RecordingSource(SoftCardSource):
    """The soft card, remembering every instruction byte that reached it."""

    def __init__(self, card) -> None:
        super().__init__(card)
        self.instructions: list[int] = []
        process = card.process

        def recording(apdu: bytes) -> bytes:
            self.instructions.append(apdu[1])
            return process(apdu)

        card.process = recording


@pytest.fixture
def source(card) -> RecordingSource:
    return RecordingSource(card)


@pytest.fixture
def bridge(source) -> Iterator:
    """A bridge whose agent asks its own (injected) PIN provider."""
    server = bridge_create(
        CardAgent(source), port=0, allowed_origins=(ALLOWED,), pin_provider=fixed_pin(PIN)
    )
    with _serve(server) as running:
        yield running


@pytest.fixture
def page_bridge(source) -> Iterator:
    """A bridge in page entry mode: the sign-in page sends the PIN."""
    server = bridge_create(CardAgent(source), port=0, allowed_origins=(ALLOWED,), pin_entry="page")
    with _serve(server) as running:
        yield running


def request(server, method, path, *, body=None, headers=None, host=None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    all_headers = {"Host": host or f"127.0.0.1:{server.port}", **(headers or {})}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    connection.request(method, path, body=payload, headers=all_headers)
    response = connection.getresponse()
    raw = response.read()
    connection.close()
    return response, (json.loads(raw) if raw else None)


def test_sign_from_an_allowed_origin_signs_that_origin(bridge):
    response, token = request(
        bridge, "POST", "/sign", body={"nonce": NONCE}, headers={"Origin": ALLOWED}
    )
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Vary"] == "Origin"
    server_verifies(token, origin=ALLOWED, nonce=NONCE)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "https://uniqc.coop.evil.example"},
        {"Origin": "null"},
        {},  # no Origin: nothing to sign for
    ],
)
def test_sign_from_another_origin_is_forbidden_and_touches_no_card(bridge, source, headers):
    response, error = request(bridge, "POST", "/sign", body={"nonce": NONCE}, headers=headers)
    assert response.status == 403
    assert error["error"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert source.instructions == []


def test_a_host_other_than_loopback_is_refused(bridge, source):
    """DNS rebinding: a page on evil.example resolved to 127.0.0.1 sends Host evil.example."""
    response, error = request(
        bridge,
        "POST",
        "/sign",
        body={"nonce": NONCE},
        headers={"Origin": ALLOWED},
        host=f"evil.example:{bridge.port}",
    )
    assert response.status == 400 and error["error"] == "bad_request"
    assert source.instructions == []


def test_preflight_from_an_allowed_origin(bridge):
    response, _ = request(
        bridge,
        "OPTIONS",
        "/sign",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
            "Access-Control-Request-Private-Network": "true",
        },
    )
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"] == "Content-Type"
    assert response.headers["Access-Control-Allow-Private-Network"] == "true"


def test_preflight_from_another_origin_is_refused(bridge):
    response, error = request(
        bridge,
        "OPTIONS",
        "/sign",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status == 403
    assert "Access-Control-Allow-Origin" not in response.headers
    assert error["error"] == "origin_not_allowed"


def test_a_simple_request_without_json_is_refused_before_the_card(bridge, source):
    """text/plain needs no preflight in a browser; the bridge insists on JSON anyway."""
    response, error = request(
        bridge,
        "POST",
        "/sign",
        body={"nonce": NONCE},
        headers={"Origin": ALLOWED, "Content-Type": "text/plain"},
    )
    assert response.status == 400 and error["error"] == "bad_request"
    assert source.instructions == []


def test_status_reports_version_readers_card_and_pin_entry(bridge):
    response, status = request(bridge, "GET", "/status", headers={"Origin": ALLOWED})
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert status["card"] is True and status["demo"] is True
    assert status["readers"] == ["Uniqc demo card (software)"]
    assert status["pinEntry"] == "agent"
    assert status["version"]


def test_status_from_another_origin_is_forbidden(bridge):
    response, _ = request(bridge, "GET", "/status", headers={"Origin": "https://evil.example"})
    assert response.status == 403


def test_agent_entry_refuses_a_pin_from_the_page(bridge, source):
    response, error = request(
        bridge, "POST", "/sign", body={"nonce": NONCE, "pin": PIN}, headers={"Origin": ALLOWED}
    )
    assert response.status == 400 and error["error"] == "bad_request"
    assert piv.INS_VERIFY not in source.instructions


def test_page_entry_wrong_pin_gives_tries_left(page_bridge, card):
    response, error = request(
        page_bridge,
        "POST",
        "/sign",
        body={"nonce": NONCE, "pin": "000000"},
        headers={"Origin": ALLOWED},
    )
    assert response.status == 403
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert error == {"error": "wrong_pin", "message": "Wrong PIN; 2 tries left.", "triesLeft": 2}
    assert card.pin_tries_left == 2


def test_page_entry_blocked_pin(page_bridge):
    for _ in range(2):
        request(
            page_bridge,
            "POST",
            "/sign",
            body={"nonce": NONCE, "pin": "000000"},
            headers={"Origin": ALLOWED},
        )
    response, error = request(
        page_bridge,
        "POST",
        "/sign",
        body={"nonce": NONCE, "pin": "000000"},
        headers={"Origin": ALLOWED},
    )
    assert response.status == 403 and error["error"] == "pin_blocked"
    response, error = request(
        page_bridge, "POST", "/sign", body={"nonce": NONCE, "pin": PIN}, headers={"Origin": ALLOWED}
    )
    assert error["error"] == "pin_blocked"


def test_page_entry_without_a_pin(page_bridge):
    response, error = request(
        page_bridge, "POST", "/sign", body={"nonce": NONCE}, headers={"Origin": ALLOWED}
    )
    assert response.status == 400 and error["error"] == "pin_required"


def test_page_entry_signs_with_the_right_pin(page_bridge):
    response, token = request(
        page_bridge, "POST", "/sign", body={"nonce": NONCE, "pin": PIN}, headers={"Origin": ALLOWED}
    )
    assert response.status == 200
    server_verifies(token, origin=ALLOWED, nonce=NONCE)


def test_a_malformed_nonce_is_a_bad_request(bridge, source):
    response, error = request(
        bridge, "POST", "/sign", body={"nonce": "short"}, headers={"Origin": ALLOWED}
    )
    assert response.status == 400 and error["error"] == "bad_request"
    assert source.instructions == []


def test_allowed_origins_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("UNIQC_AGENT_ORIGINS", raising=False)
    assert allowed_origins_from_env() == DEFAULT_ORIGINS
    monkeypatch.setenv("UNIQC_AGENT_ORIGINS", "https://uniqc.coop/, https://id.uniqc.coop")
    assert allowed_origins_from_env() == ("https://uniqc.coop", "https://id.uniqc.coop")


def test_no_reader_is_reported_as_json(card, monkeypatch):
    """A PC/SC source without pcscd: the page learns `no_reader`, not a stack trace."""
    from card_agent.agent import NoReader, PcscCardSource

    def unavailable(self):
        raise NoReader("The PC/SC service (pcscd) is not available.")

    monkeypatch.setattr(PcscCardSource, "_reader_objects", unavailable)
    server = bridge_create(
        CardAgent(PcscCardSource()),
        port=0,
        allowed_origins=(ALLOWED,),
        pin_provider=fixed_pin(PIN),
    )
    with _serve(server) as running:
        response, error = request(
            running, "POST", "/sign", body={"nonce": NONCE}, headers={"Origin": ALLOWED}
        )
        assert response.status == 409 and error["error"] == "no_reader"
        response, status = request(running, "GET", "/status", headers={"Origin": ALLOWED})
        assert status["card"] is False and status["error"] == "no_reader"


def test_registrar_operations_are_absent_unless_enabled(bridge, source):
    response, error = request(
        bridge, "POST", "/registrar/key", body={"pin": "123456"}, headers={"Origin": ALLOWED}
    )
    assert response.status == 404 and error["error"] == "not_found"
    assert source.instructions == []


def test_issuance_through_the_bridge(registrar_bridge):
    def post(path, body):
        return request(registrar_bridge, "POST", path, body=body, headers={"Origin": ALLOWED})

    response, error = post("/registrar/key", {"pin": "654321"})
    assert response.status == 403 and error["triesLeft"] == 2
    response, answer = post("/registrar/key", {"pin": "123456"})
    assert response.status == 200
    public_key = serialization.load_der_public_key(base64.b64decode(answer["publicKey"]))
    # Proof of possession: the new key signs the coop's challenge, as the coop checks it.
    challenge = b"\x5a" * 32
    response, answer = post(
        "/registrar/challenge", {"challenge": base64.b64encode(challenge).decode(), "pin": "123456"}
    )
    assert response.status == 200
    # As identity.card.issuance.possession_verify checks it (identity/tests/card covers
    # that side): base64 DER ECDSA over the purpose-bound digest, with the new key.
    public_key.verify(
        base64.b64decode(answer["signature"], validate=True),
        hashlib.sha256(webeid.POSSESSION_CONTEXT + challenge).digest(),
        ec.ECDSA(Prehashed(hashes.SHA256())),
    )
    certificate = certificate_for(public_key)
    response, error = post("/registrar/certificate", {"certificate": "not base64!"})
    assert response.status == 400 and error["error"] == "bad_request"
    response, answer = post(
        "/registrar/certificate",
        {"certificate": base64.b64encode(certificate).decode(), "pin": "123456"},
    )
    assert response.status == 200 and answer == {"written": True}
    response, answer = post("/registrar/pin", {"oldPin": "123456", "newPin": "975310"})
    assert response.status == 200 and answer == {"changed": True}
    response, token = post("/sign", {"nonce": NONCE, "pin": "975310"})
    assert response.status == 200
    assert server_verifies(token, origin=ALLOWED, nonce=NONCE).public_key() == public_key


def test_registrar_certificate_without_the_pin_is_a_card_error(registrar_bridge):
    certificate = certificate_for(personalised_card().private_key.public_key())
    response, error = request(
        registrar_bridge,
        "POST",
        "/registrar/certificate",
        body={"certificate": base64.b64encode(certificate).decode()},
        headers={"Origin": ALLOWED},
    )
    assert response.status == 500 and error["error"] == "card_error"


def test_the_challenge_needs_the_pin_as_any_piv_signature_does(registrar_bridge):
    challenge = base64.b64encode(b"\x01" * 32).decode()
    response, error = request(
        registrar_bridge,
        "POST",
        "/registrar/challenge",
        body={"challenge": challenge},
        headers={"Origin": ALLOWED},
    )
    assert response.status == 400 and error["error"] == "bad_request"
    response, error = request(
        registrar_bridge,
        "POST",
        "/registrar/challenge",
        body={"challenge": challenge, "pin": "654321"},
        headers={"Origin": ALLOWED},
    )
    assert response.status == 403 and error["error"] == "wrong_pin"


@pytest.mark.parametrize("challenge", ["not base64!", base64.b64encode(b"\x01" * 8).decode()])
def test_a_malformed_challenge_is_a_bad_request(registrar_bridge, challenge):
    response, error = request(
        registrar_bridge,
        "POST",
        "/registrar/challenge",
        body={"challenge": challenge, "pin": "123456"},
        headers={"Origin": ALLOWED},
    )
    assert response.status == 400 and error["error"] == "bad_request"


@pytest.mark.parametrize("body", [b"[" * 4000, b"[]", b"{" * 40 + b"}" * 40])
def test_nested_or_non_object_json_is_a_bad_request(bridge, source, body):
    """Finding 10: deep nesting made the bridge's thread die with a RecursionError."""
    connection = http.client.HTTPConnection("127.0.0.1", bridge.port, timeout=10)
    connection.request(
        "POST",
        "/sign",
        body=body,
        headers={
            "Host": f"127.0.0.1:{bridge.port}",
            "Origin": ALLOWED,
            "Content-Type": "application/json",
        },
    )
    response = connection.getresponse()
    error = json.loads(response.read())
    connection.close()
    assert response.status == 400 and error["error"] == "bad_request"
    assert source.instructions == []


def test_issuance_of_the_9c_key_through_the_bridge(registrar_bridge):
    """The same steps with "slot": "9c": a second key, proved over the 9C context, its
    certificate in 5FC10A; the 9A key and certificate stay as they were."""

    def post(path, body):
        return request(registrar_bridge, "POST", path, body=body, headers={"Origin": ALLOWED})

    _, answer = post("/registrar/key", {"pin": "123456"})
    authentication_key = serialization.load_der_public_key(base64.b64decode(answer["publicKey"]))
    response, answer = post("/registrar/key", {"pin": "123456", "slot": "9c"})
    assert response.status == 200
    signing_key = serialization.load_der_public_key(base64.b64decode(answer["publicKey"]))
    assert signing_key != authentication_key
    challenge = b"\x5b" * 32
    response, answer = post(
        "/registrar/challenge",
        {"challenge": base64.b64encode(challenge).decode(), "pin": "123456", "slot": "9c"},
    )
    assert response.status == 200
    signature = base64.b64decode(answer["signature"], validate=True)
    signing_key.verify(
        signature,
        webeid.possession_digest(challenge, piv.SLOT_SIGNATURE),
        ec.ECDSA(Prehashed(hashes.SHA256())),
    )
    with pytest.raises(InvalidSignature):  # not over the 9A context
        signing_key.verify(
            signature, webeid.possession_digest(challenge), ec.ECDSA(Prehashed(hashes.SHA256()))
        )
    for slot, key in (("9a", authentication_key), ("9c", signing_key)):
        response, _ = post(
            "/registrar/certificate",
            {
                "certificate": base64.b64encode(certificate_for(key)).decode(),
                "pin": "123456",
                "slot": slot,
            },
        )
        assert response.status == 200
    card = registrar_bridge.agent.source.card
    assert card.keys[piv.SLOT_AUTHENTICATION].public_key() == authentication_key
    agent = registrar_bridge.agent
    signing = serialization.load_der_public_key(
        x509.load_der_x509_certificate(agent.signing_certificate())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert signing == signing_key


@pytest.mark.parametrize("slot", ["9d", "9A", "", 156, None])
def test_a_registrar_operation_for_another_slot_is_a_bad_request(registrar_bridge, slot):
    response, error = request(
        registrar_bridge,
        "POST",
        "/registrar/key",
        body={"pin": "123456", "slot": slot} if slot is not None else {"slot": {}},
        headers={"Origin": ALLOWED},
    )
    assert response.status == 400 and error["error"] == "bad_request"
