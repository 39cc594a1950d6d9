"""The vault's fixtures: a vault root of the test's own, people, services and documents."""

import datetime
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone

from identity.models import OidcClient, OidcConsent, User, VaultDocument, VaultDocumentKind
from identity.oidc.services import oidc_client_create
from identity.vault.services import vault_document_deposit

MARKER = b"UNIQC-PLAINTEXT-MARKER-7f3a9c"


@pytest.fixture(autouse=True)
def vault_root(settings, tmp_path) -> Path:
    settings.VAULT_ROOT = tmp_path / "vault"
    return settings.VAULT_ROOT


@pytest.fixture
def bob(make_user) -> User:
    return make_user("bob@example.com", given_name="Bob")


@pytest.fixture
def make_client(db) -> Callable[..., OidcClient]:
    def make(name: str = "Ville de Québec", host: str = "ville.example", **fields) -> OidcClient:
        return oidc_client_create(name=name, redirect_uris=[f"https://{host}/cb"], **fields).client

    return make


@pytest.fixture
def city(make_client) -> OidcClient:
    return make_client()


@pytest.fixture
def deposit(alice) -> Callable[..., VaultDocument]:
    def make(content: bytes = b"%PDF-1.7 " + MARKER, **fields) -> VaultDocument:
        fields.setdefault("owner", alice)
        fields.setdefault("kind", VaultDocumentKind.RECEIPT)
        fields.setdefault("title", "Reçu 2026-001")
        fields.setdefault("content_type", "application/pdf")
        return vault_document_deposit(content=content, **fields)

    return make


@pytest.fixture
def connected(alice, city) -> OidcClient:
    """The city, which alice signed in to (a consent: Connected services lists it)."""
    OidcConsent.objects.create(
        user=alice, client=city, claims_asked=["openid"], claims_granted=["openid"]
    )
    return city


@pytest.fixture
def move_time(monkeypatch) -> Callable[[datetime.timedelta], None]:
    """Move every `timezone.now()` forward by a delta from the real time."""
    real_now = timezone.now

    def move(delta: datetime.timedelta) -> None:
        monkeypatch.setattr(timezone, "now", lambda: real_now() + delta)

    return move
