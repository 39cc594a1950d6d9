"""Fixtures of the civic tests: a vault root of the test's own; for payables, the city (an
OIDC client with the `payables` scope and a payee account), its client-credentials token and
people; for tenders, the test card CA, officials, suppliers' representatives with an active
card, and an open call."""

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.cache import cache
from django.test import Client

from civic import tenders as services
from civic.models import PayeeAccount
from civic.tests import tender_helpers as helpers
from identity.card.ca import card_certificate_issue
from identity.card.services import card_register, identity_check_record
from identity.models import Card, IdentityDocumentType, OidcClient, OidcConsent, User
from identity.oidc.services import oidc_client_create
from identity.roles import Role
from identity.services import user_create

NEQ_A = "1140000000"
NEQ_B = "2260000000"
PASSWORD = "correct horse battery staple 42"
TICKET = {
    "reference": "CONST-2026-0042",
    "kind": "ticket",
    "description": {
        "fr": "Stationnement interdit, rue Saint-Jean",
        "en": "No parking, rue Saint-Jean",
    },
    "amount": "75.00",
    "currency": "CAD",
    "due_date": "2026-12-31",
}


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # Rate limits count in the cache: each test starts with none spent.
    cache.clear()


@pytest.fixture(autouse=True)
def vault_root(settings, tmp_path) -> Path:
    settings.VAULT_ROOT = tmp_path / "vault"
    return settings.VAULT_ROOT


@pytest.fixture
def payer_make(db) -> Callable[..., User]:
    def make(email: str = "alice@example.com", **fields) -> User:
        fields.setdefault("password", PASSWORD)
        fields.setdefault("given_name", "Alice")
        fields.setdefault("family_name", "Tremblay")
        return user_create(email=email, **fields)

    return make


@pytest.fixture
def alice(payer_make) -> User:
    return payer_make()


@pytest.fixture
def bob(payer_make) -> User:
    return payer_make("bob@example.com", given_name="Bob")


class City:
    def __init__(self, client: OidcClient, secret: str) -> None:
        self.client = client
        self.secret = secret
        self.http = Client(HTTP_HOST="127.0.0.1")
        self._token: str | None = None

    def token(self, scope: str = "payables") -> str:
        basic = base64.b64encode(f"{self.client.client_id}:{self.secret}".encode()).decode()
        response = self.http.post(
            "/oidc/token",
            f"grant_type=client_credentials&scope={scope}",
            content_type="application/x-www-form-urlencoded",
            HTTP_AUTHORIZATION=f"Basic {basic}",
        )
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    def bearer(self) -> str:
        if self._token is None:
            self._token = self.token()
        return f"Bearer {self._token}"

    def create(self, body: dict, *, key: str = "key-1", token: str | None = None, **headers):
        import json

        return self.http.post(
            "/api/v1/payables/",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=token or self.bearer(),
            HTTP_IDEMPOTENCY_KEY=key,
            **headers,
        )

    def read(self, payable_id: str, *, token: str | None = None):
        return self.http.get(
            f"/api/v1/payables/{payable_id}", HTTP_AUTHORIZATION=token or self.bearer()
        )

    def cancel(self, payable_id: str, *, token: str | None = None):
        return self.http.post(
            f"/api/v1/payables/{payable_id}/cancel", HTTP_AUTHORIZATION=token or self.bearer()
        )


def city_make(name: str, host: str, *, payee: bool = True) -> City:
    created = oidc_client_create(
        name=name,
        redirect_uris=[f"https://{host}/cb"],
        allowed_scopes="openid profile payables",
    )
    if payee:
        PayeeAccount.objects.create(
            client=created.client,
            gateway="offline",
            account_id=f"acct_{host}",
            transfers_enabled=True,
            is_test=True,
        )
    return City(created.client, created.client_secret)


@pytest.fixture
def city(db) -> City:
    return city_make("Ville de Québec", "ville.example")


@pytest.fixture
def other_city(db) -> City:
    return city_make("Ville de Lévis", "levis.example")


@pytest.fixture
def consented(alice, city) -> User:
    """alice signed in to the city and let it send her amounts to pay."""
    OidcConsent.objects.create(
        user=alice,
        client=city.client,
        claims_asked=["openid", "payables"],
        claims_granted=["openid", "payables"],
    )
    return alice


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def tender_vault_root(vault_root) -> Path:
    return vault_root


@pytest.fixture
def creator(make_person):
    return helpers.official_make(make_person, "acheteuse@ville.example")


@pytest.fixture
def officials(make_person):
    return [helpers.official_make(make_person, f"officiel{i}@ville.example") for i in (1, 2, 3)]


@pytest.fixture
def issue_card_to(card_settings, make_person):
    registrar = make_person("guichet@example.com", Role.REGISTRAR)

    def issue(person) -> Card:
        check = identity_check_record(
            person=person,
            document_type=IdentityDocumentType.DRIVERS_LICENCE,
            document_last4="7K3Q",
            branch="Desjardins, Limoilou",
            registrar=registrar,
        )
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = card_certificate_issue(public_key=key.public_key(), user=person)
        return card_register(
            person=person, certificate=certificate, identity_check=check, registrar=registrar
        )

    return issue


@pytest.fixture
def representative(make_person, creator, issue_card_to):
    """Rémi, approved for supplier A, with an active card."""
    person = make_person("remi@deneigement.example", "shopper")
    services.supplier_representative_approve(
        neq=NEQ_A, legal_name="Déneigement Rémi inc.", person=person, acting_user=creator
    )
    person.card = issue_card_to(person)
    return person


@pytest.fixture
def representative_b(make_person, creator, issue_card_to):
    person = make_person("bea@trottoirs.example", "shopper")
    services.supplier_representative_approve(
        neq=NEQ_B, legal_name="Trottoirs Béa ltée", person=person, acting_user=creator
    )
    person.card = issue_card_to(person)
    return person


@pytest.fixture
def ceremony(creator, officials):
    call = helpers.call_make(creator=creator, officials=officials)
    return helpers.ceremony_run(call, officials, creator=creator)


@pytest.fixture
def open_call(ceremony):
    return ceremony.call
