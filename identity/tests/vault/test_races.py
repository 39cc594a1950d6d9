"""Vault races between real transactions on PostgreSQL: each thread has its own connection."""

import base64
import datetime

import pytest
from django.utils import timezone

from core.tests.races import all_at_once, barrier_before
from identity.models import VaultAccess, VaultAction, VaultDocument, VaultShare
from identity.vault import crypto, errors, lock_objects
from identity.vault.services import (
    vault_document_delete,
    vault_document_open,
    vault_keys_rewrap,
    vault_share_grant,
)

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]

NEW_KEY = base64.urlsafe_b64encode(b"r" * 32).decode()


def test_sharing_while_deleting_never_leaves_a_live_share_on_a_deleted_document(
    alice, connected, deposit, monkeypatch
):
    document = deposit()
    # Both reach the document's lock before either takes it.
    barrier_before(monkeypatch, lock_objects, "vault_document_lock", 2)

    def act(n: int):
        if n == 0:
            return vault_share_grant(
                document=document,
                client=connected,
                expires_at=timezone.now() + datetime.timedelta(days=1),
                acting_user=alice,
            )
        return vault_document_delete(document=document, acting_user=alice)

    outcomes = all_at_once(act, 2)
    assert not isinstance(outcomes[1], Exception), outcomes
    assert VaultDocument.objects.get(pk=document.pk).deleted_at is not None
    live = VaultShare.objects.filter(
        document=document, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )
    assert not live.exists()
    if isinstance(outcomes[0], Exception):
        assert isinstance(outcomes[0], errors.VaultDocumentDeleted)


def test_two_rewraps_at_once_rewrap_each_document_once_and_all_open(alice, deposit, settings):
    documents = [deposit(content=f"document {n}".encode()) for n in range(12)]
    settings.VAULT_KEYS = [NEW_KEY, *settings.VAULT_KEYS]
    outcomes = all_at_once(lambda n: vault_keys_rewrap(batch=3), 2)
    assert sum(outcomes) == len(documents), outcomes
    assert VaultAccess.objects.filter(action=VaultAction.REWRAP).count() == len(documents)
    settings.VAULT_KEYS = [NEW_KEY]
    for number, document in enumerate(documents):
        document = VaultDocument.objects.select_related("owner").get(pk=document.pk)
        assert document.kek_id == crypto.kek_id_of(b"r" * 32)
        assert (
            vault_document_open(document=document, actor_user=alice)
            == f"document {number}".encode()
        )
