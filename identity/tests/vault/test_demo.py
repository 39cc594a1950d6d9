"""The demo shopper's safe: documents that open, deposited once."""

from core.demo import DemoSummary
from identity.demo import demo_load
from identity.models import VaultAccess, VaultAction, VaultDocument
from identity.vault.demo import DEMO_DOCUMENTS, DEMO_VAULT_OWNER, vault_demo_load
from identity.vault.services import vault_document_open


def test_the_demo_safe_is_filled_once_and_opens(db):
    people = demo_load(summary=DemoSummary())
    first = DemoSummary()
    vault_demo_load(summary=first, people=people)
    assert first.created["vault documents"] == len(DEMO_DOCUMENTS)
    again = DemoSummary()
    vault_demo_load(summary=again, people=people)
    assert again.existing["vault documents"] == len(DEMO_DOCUMENTS)
    assert again.created["vault documents"] == 0
    owner = people[DEMO_VAULT_OWNER]
    documents = VaultDocument.objects.filter(owner=owner).select_related("owner")
    assert documents.count() == len(DEMO_DOCUMENTS)
    for document in documents:
        assert vault_document_open(document=document, actor_user=owner).startswith(b"%PDF")
    assert documents.filter(keep_until__isnull=False).exists()
    assert VaultAccess.objects.filter(owner=owner, action=VaultAction.VIEW).count() >= 2
