"""Fuzzing the card agent's bridge through its HTTP interface: whatever a page posts, the
bridge answers (200, or an error JSON with its code) and keeps serving.

The signature endpoint is fuzzed twice: among every route, and on its own against a card
with a slot 9C key, with signed attributes one byte away from valid ones.

Bodies run up to the bridge's 4,096-byte limit, nesting included: the bridge reads JSON
with the bounded reader (core.jsonin), so 4,000 `[` are a 400 like any other bad body.
"""

import base64
import hashlib
import http.client
import json
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given
from hypothesis import strategies as st

from card_agent import cms, piv
from card_agent.agent import CardAgent
from card_agent.bridge import bridge_create
from card_agent.softcard import SoftCardSource
from core.tests.strategies import FUZZ, json_values

from .conftest import ALLOWED, PIN, _serve, personalised_card
from .signed_attributes import minimal
from .test_bridge import NONCE

fields = st.sampled_from(
    [
        "nonce",
        "pin",
        "certificate",
        "oldPin",
        "newPin",
        "slot",
        "title",
        "signedAttributes",
        "documentDigest",
    ]
)
field_values = st.one_of(
    json_values,
    st.just(NONCE),
    st.sampled_from(["123456", "", "0" * 9, "not base64!", "9a", "9c", "Permis\x1b"]),
    st.binary(max_size=200).map(lambda raw: base64.b64encode(raw).decode()),
    # Signed attributes, well-formed or nearly: the CMS reader sees DER it must refuse.
    st.builds(
        lambda digest, cut: base64.b64encode(minimal(digest)[: cut or None]).decode(),
        st.binary(min_size=32, max_size=32),
        st.integers(-3, 0),
    ),
)
bodies = (
    st.one_of(
        st.dictionaries(fields | st.text(max_size=6), field_values, max_size=4).map(json.dumps),
        st.builds(json.dumps, json_values),
        st.text(max_size=300),
        st.text(alphabet='[]{}":,0 ', max_size=300),
    ).map(str.encode)
    | st.binary(max_size=300)
    | st.integers(1, 4096).map(lambda n: b"[" * n)
)
content_types = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "text/plain", None]
)
PATHS = [
    "/sign",
    "/sign-document",
    "/registrar/key",
    "/registrar/challenge",
    "/registrar/certificate",
    "/registrar/pin",
    "/x",
]


def post_raw(server, path: str, body: bytes, content_type: str | None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    headers = {"Host": f"127.0.0.1:{server.port}", "Origin": ALLOWED}
    if content_type is not None:
        headers["Content-Type"] = content_type
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@FUZZ
@given(path=st.sampled_from(PATHS), body=bodies, content_type=content_types)
def test_any_request_gets_an_answer_with_a_code(registrar_bridge, path, body, content_type):
    status, raw = post_raw(registrar_bridge, path, body, content_type)
    answer = json.loads(raw)
    if status != 200:
        assert answer["error"], answer
        # A refusal of the request itself is a 4xx; only the card's own failure is not.
        assert status < 500 or answer["error"] == "card_error", answer


@pytest.fixture(scope="module")
def signing_bridge() -> Iterator:
    """A holder's card with its slot 9C key, the PIN sent by the page."""
    server = bridge_create(
        CardAgent(SoftCardSource(personalised_card())),
        port=0,
        allowed_origins=(ALLOWED,),
        pin_entry="page",
    )
    with _serve(server) as running:
        yield running


DIGEST = hashlib.sha256(b"fuzzed document").digest()


@FUZZ
@given(
    position=st.integers(0, 200),
    replacement=st.integers(0, 255),
    digest_byte=st.sampled_from([None, 0, 31]),
)
def test_sign_document_signs_only_attributes_over_the_document_digest(
    signing_bridge, position, replacement, digest_byte
):
    """One byte of valid signed attributes (or of the document digest) changed: the bridge
    signs only if the changed attributes still pass card_agent.cms, and then the signature
    is over exactly those bytes."""
    signed = bytearray(minimal(DIGEST))
    signed[position % len(signed)] = replacement
    digest = bytearray(DIGEST)
    if digest_byte is not None:
        digest[digest_byte] ^= 0x01
    body = {
        "title": "Fuzzed",
        "signedAttributes": base64.b64encode(bytes(signed)).decode(),
        "documentDigest": base64.b64encode(bytes(digest)).decode(),
        "pin": PIN,
    }
    status, raw = post_raw(
        signing_bridge, "/sign-document", json.dumps(body).encode(), "application/json"
    )
    answer = json.loads(raw)
    if status != 200:
        assert status == 400 and answer["error"] == "bad_request", answer
        return
    assert cms.signed_attributes_digest(bytes(signed), bytes(digest))
    card = signing_bridge.agent.source.card
    card.keys[piv.SLOT_SIGNATURE].public_key().verify(
        base64.b64decode(answer["signature"]), bytes(signed), ec.ECDSA(hashes.SHA256())
    )
