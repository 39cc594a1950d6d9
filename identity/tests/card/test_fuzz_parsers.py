"""Fuzzing what the card code reads from outside: the Web eID token and the certificate in
it, the sign-in endpoint's body, and OCSP requests.

Property: any input is accepted or refused with a coded CardError (through HTTP: an
answer of ours, never a 500).
"""

import base64
import datetime
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509 import ocsp
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from identity.card import errors
from identity.card.ca import issuing_ca, key_usage
from identity.card.revocation import _public_key_bits
from identity.card.validation import (
    ALGORITHMS,
    TOKEN_FIELDS,
    certificate_chain_check,
    certificate_purpose_check,
    certificate_validity_check,
    signature_check,
    token_parse,
    token_validate,
)
from identity.tests.card.conftest import ORIGIN, card_certificate, token_make
from identity.tests.card.test_sign_in import NONCE_URL, TOKEN_URL

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NONCE = base64.b64encode(b"\x01" * 32).decode()

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@st.composite
def mutated(draw, data: bytes) -> bytes:
    """`data` with a few bytes flipped, dropped, inserted, or cut short."""
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        # Drawn independently of the length, which differs between examples.
        position = draw(st.integers(0, 2**16)) % len(data)
        action = draw(st.sampled_from(["flip", "drop", "insert", "cut"]))
        if action == "flip":
            data[position] ^= draw(st.integers(1, 255))
        elif action == "drop":
            del data[position]
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=4))
        else:
            del data[position:]
    return bytes(data)


@st.composite
def tokens(draw, certificate_der: bytes) -> str:
    """Web eID tokens near the real shape: each field right, wrong, mistyped or missing."""
    certificate = draw(
        st.one_of(
            st.just(b64(certificate_der)),
            mutated(certificate_der).map(b64),
            st.binary(max_size=300).map(b64),
            json_values,
        )
    )
    fields: dict[str, Any] = {
        "unverifiedCertificate": certificate,
        "algorithm": draw(st.sampled_from([*ALGORITHMS, "none", "HS256", ""]) | json_values),
        "signature": draw(st.binary(max_size=140).map(b64) | json_values),
        "format": draw(
            st.sampled_from(["web-eid:1.0", "web-eid:1", "web-eid:1.x", "web-eid:2"]) | json_values
        ),
        "appVersion": draw(
            st.sampled_from(["https://uniqc.coop/agent/0.1.0", "ftp://x", "https://"]) | json_values
        ),
    }
    for missing in draw(st.sets(st.sampled_from(TOKEN_FIELDS), max_size=2)):
        del fields[missing]
    fields.update(draw(st.dictionaries(st.text(max_size=8), json_values, max_size=2)))
    return json.dumps(fields)


def assert_refused_or_accepted(token: Any) -> None:
    try:
        token_validate(token, nonce=NONCE, origin=ORIGIN)
    except errors.CardSignInError as error:
        assert error.code != errors.CardSignInError.code


@FUZZ
@given(token=st.text(max_size=300) | st.binary(max_size=300).map(lambda raw: raw.decode("latin-1")))
def test_any_text_is_a_token_or_a_coded_refusal(token):
    assert_refused_or_accepted("{" + token)
    assert_refused_or_accepted(token)


@FUZZ
@given(data=st.data())
def test_near_valid_tokens_are_accepted_or_refused_with_a_code(data, card):
    assert_refused_or_accepted(data.draw(tokens(bytes(card.certificate_der))))


# Certificates the coop's CA really signed, with what an attacker cannot choose but a
# broken or old CA might have written: other key types, other usages, no extensions.
CERTIFICATE_KEYS = {
    "p256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "p384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "rsa": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "ed25519": ed25519.Ed25519PrivateKey.generate,
}


@pytest.fixture(scope="module")
def card_keys() -> dict[str, Any]:
    return {name: make() for name, make in CERTIFICATE_KEYS.items()}


def certificate_signed(public_key, *, usage, eku) -> x509.Certificate:
    ca = issuing_ca()
    now = datetime.datetime.now(tz=datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "fuzz")]))
        .issuer_name(ca.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if usage is not None:
        builder = builder.add_extension(usage, critical=True)
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    return builder.sign(ca.private_key, hashes.SHA256())


EKUS = [x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH, x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]


@settings(FUZZ, max_examples=60)
@given(
    key_name=st.sampled_from(sorted(CERTIFICATE_KEYS)),
    usage=st.none()
    | st.builds(
        lambda sign, agree: key_usage(digital_signature=sign, key_agreement=agree),
        st.booleans(),
        st.booleans(),
    ),
    eku=st.none() | st.lists(st.sampled_from(EKUS), max_size=2),
    algorithm=st.sampled_from(sorted(ALGORITHMS)),
    signature=st.binary(max_size=600),
)
def test_certified_keys_of_any_kind_are_accepted_or_refused(
    card_keys, key_name, usage, eku, algorithm, signature
):
    """Every check but the card lookup (these certificates belong to no card)."""
    key = card_keys[key_name]
    certificate = certificate_signed(key.public_key(), usage=usage, eku=eku)
    token = json.dumps(
        {
            "unverifiedCertificate": b64(certificate.public_bytes(serialization.Encoding.DER)),
            "algorithm": algorithm,
            "signature": b64(signature),
            "format": "web-eid:1.0",
            "appVersion": "https://uniqc.coop/agent/0.1.0",
        }
    )
    try:
        parsed = token_parse(token)
        certificate_validity_check(parsed.certificate, now=datetime.datetime.now(tz=datetime.UTC))
        certificate_purpose_check(parsed.certificate)
        certificate_chain_check(parsed.certificate)
        signature_check(parsed, origin=ORIGIN, nonce=NONCE)
    except errors.CardSignInError as error:
        assert error.code != errors.CardSignInError.code


@FUZZ
@given(data=st.data())
def test_the_sign_in_endpoint_never_answers_500(data, card, card_key):
    cache.clear()  # rate limits: every example is a first attempt
    client = Client(raise_request_exception=False)
    nonce = client.post(NONCE_URL).json()["nonce"]
    genuine = token_make(key=card_key, certificate=card_certificate(card), nonce=nonce)
    token = data.draw(
        st.one_of(
            tokens(bytes(card.certificate_der)),
            mutated(genuine.encode()).map(lambda raw: raw.decode("latin-1")),
            json_values,
        )
    )
    body = data.draw(
        st.one_of(
            st.just(json.dumps({"token": token, "next": "/"})),
            st.builds(json.dumps, json_values),
            st.text(max_size=200),
        )
    )
    response = client.post(TOKEN_URL, body, content_type="application/json")
    assert response.status_code in (200, 400, 403, 429), response.content[:300]
    assert response.json()["error" if response.status_code != 200 else "redirect"]


@pytest.fixture
def ocsp_request_der(card) -> bytes:
    issuer = issuing_ca().certificate
    return (
        ocsp.OCSPRequestBuilder()
        .add_certificate(card_certificate(card), issuer, hashes.SHA256())
        .add_extension(x509.OCSPNonce(b"\x05" * 16), critical=False)
        .build()
        .public_bytes(serialization.Encoding.DER)
    )


@FUZZ
@given(data=st.data())
def test_any_ocsp_request_gets_an_ocsp_response(data, ocsp_request_der):
    der = data.draw(mutated(ocsp_request_der) | st.binary(max_size=300))
    response = Client(raise_request_exception=False).post(
        "/carte/ocsp", der, content_type="application/ocsp-request"
    )
    assert response.status_code == 200, response.content[:300]
    ocsp.load_der_ocsp_response(response.content)


@FUZZ
@given(
    serial=st.integers(min_value=-(2**200), max_value=2**200),
    algorithm=st.sampled_from([hashes.SHA1, hashes.SHA256, hashes.SHA384, hashes.SHA512]),
    nonce=st.binary(min_size=1, max_size=64),
)
def test_ocsp_requests_for_any_serial_of_our_ca_get_a_signed_answer(serial, algorithm, nonce):
    issuer = issuing_ca().certificate
    name_hash = hashes.Hash(algorithm())
    name_hash.update(issuer.subject.public_bytes())
    key_hash = hashes.Hash(algorithm())
    key_hash.update(_public_key_bits(issuer.public_key()))
    try:
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate_by_hash(name_hash.finalize(), key_hash.finalize(), serial, algorithm())
            .add_extension(x509.OCSPNonce(nonce), critical=False)
            .build()
        )
    except ValueError:
        return  # a request the library will not even build
    response = Client(raise_request_exception=False).post(
        "/carte/ocsp",
        request.public_bytes(serialization.Encoding.DER),
        content_type="application/ocsp-request",
    )
    assert response.status_code == 200, response.content[:300]
    answer = ocsp.load_der_ocsp_response(response.content)
    assert answer.response_status in (
        ocsp.OCSPResponseStatus.SUCCESSFUL,
        ocsp.OCSPResponseStatus.MALFORMED_REQUEST,
    )


# What the fuzzing found: cryptography parses a certificate's names and key only when they
# are first read, so a malformed one surfaced as a ValueError (a 500) in the chain or
# signature check instead of a refusal at parsing.
_ORGANIZATION_UTF8 = b"\x06\x03\x55\x04\x0a\x0c"  # the O= attribute type, then UTF8String


def _certificate_corrupted(der: bytes, part: str) -> bytes:
    data = bytearray(der)
    if part in ("issuer", "subject"):
        # The issuer's O= comes first, the subject's second; a RELATIVE-OID tag (13) where
        # a string belongs is what hypothesis drew.
        at = der.find(_ORGANIZATION_UTF8)
        if part == "subject":
            at = der.find(_ORGANIZATION_UTF8, at + 1)
        assert at > 0
        data[at + len(_ORGANIZATION_UTF8) - 1] = 0x0D
    else:
        certificate = x509.load_der_x509_certificate(der)
        point = certificate.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        at = der.find(point)
        data[at + len(point) - 1] ^= 0xFF  # a point off the curve
    return bytes(data)


@pytest.mark.parametrize("part", ["issuer", "subject", "public_key"])
def test_a_certificate_whose_name_or_key_does_not_parse_is_refused_at_parsing(card, part):
    der = _certificate_corrupted(bytes(card.certificate_der), part)
    token = json.dumps(
        {
            "unverifiedCertificate": b64(der),
            "algorithm": "ES256",
            "signature": b64(b"\x00" * 64),
            "format": "web-eid:1.0",
            "appVersion": "https://uniqc.coop/agent/0.1.0",
        }
    )
    with pytest.raises(errors.CertificateInvalid):
        token_parse(token)
    with pytest.raises(errors.CertificateInvalid):
        token_validate(token, nonce=NONCE, origin=ORIGIN)
