"""The vault's panel on the account hub: how many documents, how many to sign, a link."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity.account_panels import AccountPanel
from identity.vault.selectors import signature_requests_pending_for, vault_documents_of


def vault_context(request: HttpRequest) -> dict[str, Any] | None:
    """Everyone's safe, even empty: the statements and receipts the coop deposits land there."""
    return {
        "documents": vault_documents_of(owner=request.user).count(),
        "to_sign": signature_requests_pending_for(person=request.user, now=timezone.now()).count(),
    }


PANELS = (
    AccountPanel(
        key="vault",
        title=_("My safe"),
        order=50,
        template_name="identity/vault/account_panel.html",
        context=vault_context,
    ),
)
