"""The demo shopper's safe: a membership statement and a store receipt, so that `make run`
shows the vault with documents, a journal and a document the law keeps.

Idempotent: a document is found by its owner, kind and title, and deposited only when
missing (a deleted one is not brought back: the person chose to delete it).
"""

import datetime
import io
from dataclasses import dataclass

from django.utils import timezone
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen import canvas

from core.demo import DemoSummary
from identity.models import User, VaultAction, VaultDocument, VaultDocumentKind
from identity.vault.services import vault_document_deposit, vault_document_open

DEMO_VAULT_OWNER = "shopper@demo.uniqc.coop"
# How long a receipt is kept (Revenu Québec asks six years of books and records).
RECEIPT_KEPT = datetime.timedelta(days=6 * 366)


@dataclass(frozen=True)
class DemoDocument:
    kind: str
    title: str
    source_app: str
    lines: tuple[str, ...]
    kept: datetime.timedelta | None = None


DEMO_DOCUMENTS = (
    DemoDocument(
        kind=VaultDocumentKind.MEMBERSHIP_STATEMENT,
        title="Relevé de membre 2026",
        source_app="coop_governance",
        lines=(
            "Uniqc Coop — Relevé de membre 2026",
            "Catégorie : membre utilisateur",
            "Une part sociale de 10,00 $, payée",
            "Assemblée générale : 12 mai 2026",
        ),
    ),
    DemoDocument(
        kind=VaultDocumentKind.RECEIPT,
        title="Reçu — Boulangerie du Faubourg",
        source_app="marketplace",
        lines=(
            "Boulangerie du Faubourg — Reçu",
            "Miche au levain de seigle, une : 7,50 $",
            "TPS 0,00 $ · TVQ 0,00 $ (produit alimentaire de base)",
            "Total 7,50 $ — payé par carte",
        ),
        kept=RECEIPT_KEPT,
    ),
)


def demo_pdf(lines: tuple[str, ...]) -> bytes:
    """A one-page PDF with `lines`, as the apps' statements will look."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=LETTER, invariant=True)
    page.setTitle(lines[0])
    y = 720
    for line in lines:
        page.drawString(72, y, line)
        y -= 20
    page.showPage()
    page.save()
    return buffer.getvalue()


def vault_demo_load(*, summary: DemoSummary, people: dict[str, User]) -> None:
    """Deposit the demo documents missing from the demo shopper's safe, each read once by
    the shopper (the journal shows a deposit and a view)."""
    owner = people[DEMO_VAULT_OWNER]
    for demo in DEMO_DOCUMENTS:
        exists = VaultDocument.objects.filter(
            owner=owner, kind=demo.kind, title=demo.title
        ).exists()
        summary.count("vault documents", created=not exists)
        if exists:
            continue
        document = vault_document_deposit(
            owner=owner,
            kind=demo.kind,
            title=demo.title,
            content=demo_pdf(demo.lines),
            content_type="application/pdf",
            source_app=demo.source_app,
            keep_until=timezone.now() + demo.kept if demo.kept else None,
        )
        vault_document_open(document=document, actor_user=owner, action=VaultAction.VIEW)
