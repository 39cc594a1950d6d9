"""The test card CA in settings, software card keys and Web eID tokens."""

import base64
import datetime
import json
import secrets
from collections.abc import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from identity.card.ca import CARD_KEY_USAGE, card_certificate_issue, card_signing_certificate_issue
from identity.card.services import card_register, identity_check_record
from identity.card.validation import signed_data
from identity.models import Card, IdentityDocumentType, User
from identity.roles import Role

ORIGIN = "https://uniqc.test"

# `card_ca_dir` (the test CA, session-wide) is in identity/tests/card_fixtures.py.


@pytest.fixture(autouse=True)
def _card_settings(card_settings) -> None:
    """Every test here runs against the test card CA (card_fixtures.card_settings)."""


@pytest.fixture
def registrar(make_user) -> User:
    return make_user("registrar@example.com", roles=(Role.REGISTRAR,), email_verified=True)


@pytest.fixture
def card_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def card_signing_key() -> ec.EllipticCurvePrivateKey:
    """The slot 9C (document signature) key of the `card` fixture."""
    return ec.generate_private_key(ec.SECP256R1())


def signing_certificate_issue(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    """A 9C certificate for `key` from the test CA, with a random pseudonym as at issuance."""
    return card_signing_certificate_issue(
        public_key=key.public_key(), pseudonym=secrets.token_hex(16)
    )


@pytest.fixture
def issue_card(registrar) -> Callable[..., Card]:
    """Check a document, certify `key` (slot 9A) and `signing_key` (slot 9C, a new key if
    not given) for `person`, register the card; `signing=False` makes a card issued
    before slot 9C, without a signing key."""

    def issue(
        person: User,
        key: ec.EllipticCurvePrivateKey,
        signing_key: ec.EllipticCurvePrivateKey | None = None,
        *,
        signing: bool = True,
    ) -> Card:
        check = identity_check_record(
            person=person,
            document_type=IdentityDocumentType.DRIVERS_LICENCE,
            document_last4="7K3Q",
            branch="Desjardins, Plateau-Mont-Royal",
            registrar=registrar,
        )
        certificate = card_certificate_issue(public_key=key.public_key(), user=person)
        signing_certificate = None
        if signing:
            signing_key = signing_key or ec.generate_private_key(ec.SECP256R1())
            signing_certificate = signing_certificate_issue(signing_key)
        return card_register(
            person=person,
            certificate=certificate,
            identity_check=check,
            registrar=registrar,
            signing_certificate=signing_certificate,
        )

    return issue


@pytest.fixture
def card(alice, card_key, card_signing_key, issue_card) -> Card:
    """Alice's active card: `card_key` in slot 9A, `card_signing_key` in slot 9C."""
    return issue_card(alice, card_key, card_signing_key)


def card_certificate(card: Card) -> x509.Certificate:
    return x509.load_der_x509_certificate(bytes(card.certificate_der))


def token_make(
    *,
    key,
    certificate: x509.Certificate,
    nonce: str,
    origin: str = ORIGIN,
    algorithm: str = "ES256",
    token_format: str = "web-eid:1.0",  # noqa: S107 - a format name, not a password
    tamper: bool = False,
) -> str:
    """A Web eID token as the card agent makes it: raw R||S over H(origin) || H(nonce)."""
    hash_algorithm = {"ES256": hashes.SHA256, "ES384": hashes.SHA384}[algorithm]()
    der = key.sign(
        signed_data(origin=origin, nonce=nonce, algorithm=algorithm), ec.ECDSA(hash_algorithm)
    )
    r, s = decode_dss_signature(der)
    size = (key.curve.key_size + 7) // 8
    signature = bytearray(r.to_bytes(size, "big") + s.to_bytes(size, "big"))
    if tamper:
        signature[5] ^= 0x01
    return json.dumps(
        {
            "unverifiedCertificate": base64.b64encode(
                certificate.public_bytes(serialization.Encoding.DER)
            ).decode(),
            "algorithm": algorithm,
            "signature": base64.b64encode(bytes(signature)).decode(),
            "format": token_format,
            "appVersion": "https://uniqc.coop/agent/0.1.0",
        }
    )


def certificate_forge(
    *,
    public_key,
    issuer_key,
    issuer_name: x509.Name,
    subject_cn: str,
    not_before: datetime.datetime | None = None,
    not_after: datetime.datetime | None = None,
    eku: list | None = None,
) -> x509.Certificate:
    """A card-like certificate with the given issuer and validity, for rejection tests."""
    now = datetime.datetime.now(tz=datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, "Uniqc Coop"),
                    x509.NameAttribute(x509.NameOID.COMMON_NAME, subject_cn),
                ]
            )
        )
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - datetime.timedelta(days=1))
        .not_valid_after(not_after or now + datetime.timedelta(days=365))
        .add_extension(CARD_KEY_USAGE, critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(eku or [x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
    )
    return builder.sign(issuer_key, hashes.SHA256())
