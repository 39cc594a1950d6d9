"""Fuzzing what the passkey endpoints read from the browser: registration and
authentication responses, from a genuine one with fields, bytes and CBOR changed.

Property: every answer is a success or a coded refusal of ours, never a 500.
"""

import copy
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webauthn.helpers import encode_cbor, parse_cbor

from identity.tests.passkeys.authenticator import SoftAuthenticator, b64url, b64url_decode
from identity.tests.passkeys.conftest import ORIGIN, session_client

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
REGISTER_OPTIONS = reverse("identity:passkeys:register_options")
REGISTER = reverse("identity:passkeys:register")
SIGN_IN_OPTIONS = reverse("identity:passkeys:sign_in_options")
SIGN_IN = reverse("identity:passkeys:sign_in")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64 - 1)
    | st.binary(max_size=80)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.integers(-8, 8) | st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=10,
)
# Attestation statements shaped like those of each format, with values of any type.
attestation_statements = st.one_of(
    st.just({}),
    st.fixed_dictionaries({"alg": cbor_values, "sig": cbor_values}),
    st.fixed_dictionaries(
        {"alg": st.sampled_from([-7, -257, -8, 0]), "sig": st.binary(max_size=80)}
    ),
    st.fixed_dictionaries(
        {
            "alg": st.sampled_from([-7, -257]),
            "sig": st.binary(max_size=80),
            "x5c": st.lists(st.binary(max_size=200), max_size=2),
        }
    ),
    st.dictionaries(st.text(max_size=8), cbor_values, max_size=4),
)
FORMATS = ["none", "packed", "fido-u2f", "tpm", "apple", "android-key", "android-safetynet", "x"]


@st.composite
def mutated(draw, data: bytes) -> bytes:
    """`data` with a few bytes flipped, dropped, inserted, or cut short.

    Every draw is made whatever the data holds: the genuine credential differs between
    examples (its challenge, the person's id), and Hypothesis needs each example to draw
    the same kinds of values in the same order (else FlakyStrategyDefinition)."""
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, 2**16))
        action = draw(st.sampled_from(["flip", "drop", "insert", "cut"]))
        flip = draw(st.integers(1, 255))
        inserted = draw(st.binary(min_size=1, max_size=4))
        if not data:
            continue
        position %= len(data)
        if action == "flip":
            data[position] ^= flip
        elif action == "drop":
            del data[position]
        elif action == "insert":
            data[position:position] = inserted
        else:
            del data[position:]
    return bytes(data)


def _pick(draw, choices: list[Any], default: Any = None) -> Any:
    """One of `choices` (`default` if there are none), by an index drawn whatever their
    number."""
    index = draw(st.integers(0, 2**8))
    return choices[index % len(choices)] if choices else default


def _decoded(value: Any) -> bytes | None:
    try:
        return b64url_decode(value) if isinstance(value, str) else None
    except ValueError:
        return None


@st.composite
def credential_mutations(draw, genuine: dict[str, Any]) -> dict[str, Any]:
    """The genuine credential with one to three changes: a field replaced or removed, the
    bytes of a base64url member changed, or the attestation object rebuilt."""
    credential = copy.deepcopy(genuine)
    for _ in range(draw(st.integers(1, 3))):
        response = credential.get("response")
        response = response if isinstance(response, dict) else None
        kind = draw(st.sampled_from(["field", "bytes", "attestation"]))
        if kind == "field" or response is None:
            target = _pick(draw, [credential, response] if response else [credential])
            known, new_key = draw(st.booleans()), draw(st.text(max_size=6))
            key = _pick(draw, sorted(target), new_key) if known else new_key
            remove, value = draw(st.booleans()), draw(json_values)
            if key in target and remove:
                del target[key]
            else:
                target[key] = value
        elif kind == "bytes":
            members = sorted(name for name in response if _decoded(response[name]) is not None)
            name = _pick(draw, members)
            changed = draw(mutated(_decoded(response[name]) if name else b""))
            if name:
                response[name] = b64url(changed)
        else:
            raw = _decoded(response.get("attestationObject"))
            try:
                auth_data = parse_cbor(raw)["authData"] if raw else b""
            except Exception:  # an earlier change broke it: start afresh
                auth_data = b""
            if not isinstance(auth_data, bytes):  # an earlier change made it another value
                auth_data = b""
            attestation = {
                "fmt": draw(st.sampled_from(FORMATS) | cbor_values),
                "attStmt": draw(attestation_statements),
                "authData": draw(mutated(auth_data)),
                "fallback": draw(st.binary(max_size=200)),
            }
            fallback = attestation.pop("fallback")
            attestation["authData"] = attestation["authData"] if auth_data else fallback
            response["attestationObject"] = b64url(encode_cbor(attestation))
    return credential


def post_json(client: Client, url: str, body: Any):
    return client.post(url, json.dumps(body), content_type="application/json")


def refused_or_accepted(response, statuses: tuple[int, ...]) -> None:
    assert response.status_code in statuses, response.content[:300]
    body = response.json()
    assert body.get("error") or body.get("redirect"), body


@FUZZ
@given(data=st.data())
def test_any_registration_response_is_kept_or_refused_with_a_code(data, alice, card):
    client = session_client(alice, acr="high", card=card)
    client.raise_request_exception = False
    authenticator = SoftAuthenticator(origin=ORIGIN, rp_id="uniqc.test")
    options = post_json(client, REGISTER_OPTIONS, {}).json()
    credential = data.draw(credential_mutations(authenticator.create(options)))
    response = post_json(client, REGISTER, {"name": "Fuzz", "credential": credential})
    refused_or_accepted(response, (200, 400, 409))


@pytest.fixture
def authenticator(alice, card) -> SoftAuthenticator:
    """An authenticator holding a passkey of Alice's."""
    authenticator = SoftAuthenticator(origin=ORIGIN, rp_id="uniqc.test")
    client = session_client(alice, acr="high", card=card)
    options = post_json(client, REGISTER_OPTIONS, {}).json()
    response = post_json(
        client, REGISTER, {"name": "Fuzz", "credential": authenticator.create(options)}
    )
    assert response.status_code == 200, response.content
    return authenticator


@FUZZ
@given(data=st.data())
def test_any_authentication_response_signs_in_or_is_refused_with_a_code(data, authenticator):
    cache.clear()  # rate limits: every example is a first attempt
    client = Client(raise_request_exception=False)
    options = post_json(client, SIGN_IN_OPTIONS, {}).json()
    credential = data.draw(credential_mutations(authenticator.get(options)))
    response = post_json(client, SIGN_IN, {"credential": credential, "next": "/"})
    refused_or_accepted(response, (200, 400, 401, 403))


@FUZZ
@given(body=json_values | st.text(max_size=200))
def test_any_body_is_refused_with_a_code(body, alice, card):
    cache.clear()
    sign_in = Client(raise_request_exception=False)
    post_json(sign_in, SIGN_IN_OPTIONS, {})
    text = body if isinstance(body, str) else json.dumps(body)
    response = sign_in.post(SIGN_IN, text, content_type="application/json")
    refused_or_accepted(response, (400, 401))
    register = session_client(alice, acr="high", card=card)
    register.raise_request_exception = False
    post_json(register, REGISTER_OPTIONS, {})
    response = register.post(REGISTER, text, content_type="application/json")
    refused_or_accepted(response, (400,))
