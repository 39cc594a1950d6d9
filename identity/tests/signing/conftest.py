"""The test card CA, and software keys standing in for a card's signing key (slot 9C)."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from identity.card.ca import card_certificate_issue, card_signing_certificate_issue
from identity.card.services import card_register, identity_check_record
from identity.models import Card, IdentityDocumentType, OidcClient, OidcConsent, User
from identity.oidc.services import oidc_client_create
from identity.roles import Role


@pytest.fixture(autouse=True)
def _card_settings(card_settings) -> None:
    """Every test here runs against the test card CA (card_fixtures.card_settings)."""


@dataclass
class SoftCard:
    """A card row with both certificates, and the 9C private key a real card would hold."""

    card: Card
    signing_key: ec.EllipticCurvePrivateKey
    signing_certificate: x509.Certificate

    def sign(self, data: bytes) -> bytes:
        """What the card does for /sign-document: ECDSA P-256 over SHA-256 of `data`."""
        return self.signing_key.sign(data, ec.ECDSA(hashes.SHA256()))


@pytest.fixture
def registrar(make_user) -> User:
    return make_user("registrar@example.com", roles=(Role.REGISTRAR,), email_verified=True)


@pytest.fixture
def soft_card_issue(registrar) -> Callable[[User], SoftCard]:
    """Issue `person` an active card with a 9C certificate over a software P-256 key."""

    def issue(person: User) -> SoftCard:
        check = identity_check_record(
            person=person,
            document_type=IdentityDocumentType.DRIVERS_LICENCE,
            document_last4="7K3Q",
            branch="Desjardins, Plateau-Mont-Royal",
            registrar=registrar,
        )
        auth_key = ec.generate_private_key(ec.SECP256R1())
        card = card_register(
            person=person,
            certificate=card_certificate_issue(public_key=auth_key.public_key(), user=person),
            identity_check=check,
            registrar=registrar,
        )
        signing_key = ec.generate_private_key(ec.SECP256R1())
        pseudonym = secrets.token_hex(16)
        certificate = card_signing_certificate_issue(
            public_key=signing_key.public_key(), pseudonym=pseudonym
        )
        card.signing_serial_number = format(certificate.serial_number, "x")
        card.signing_certificate_der = certificate.public_bytes(serialization.Encoding.DER)
        card.signing_fingerprint_sha256 = certificate.fingerprint(hashes.SHA256()).hex()
        card.signing_pseudonym = pseudonym
        card.save()
        return SoftCard(card=card, signing_key=signing_key, signing_certificate=certificate)

    return issue


@pytest.fixture
def soft_card(alice, soft_card_issue) -> SoftCard:
    return soft_card_issue(alice)


@pytest.fixture(autouse=True)
def _vault_root(settings, tmp_path):
    settings.VAULT_ROOT = tmp_path / "vault"


@dataclass
class Service:
    client: OidcClient
    secret: str


def service_make(name: str, host: str) -> Service:
    created = oidc_client_create(
        name=name,
        redirect_uris=[f"https://{host}/cb"],
        allowed_scopes="openid profile signature_requests",
    )
    return Service(created.client, created.client_secret)


@pytest.fixture
def city(db) -> Service:
    return service_make("Ville de Québec", "ville.example")


@pytest.fixture
def consented(alice, city) -> User:
    """alice signed in to the city and let it ask her for signatures."""
    OidcConsent.objects.create(
        user=alice,
        client=city.client,
        claims_asked=["openid", "signature_requests"],
        claims_granted=["openid", "signature_requests"],
    )
    return alice
