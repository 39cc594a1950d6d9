"""The demo shopper's document to sign: a PDF of their own waiting in their safe, so that
`make run` shows the signing page (signing it needs a card with a signing key).

Idempotent: a new one is made only when the shopper has no pending demo request.
"""

import datetime

from django.utils import timezone

from core.demo import DemoSummary
from identity.models import SignatureRequest, SignatureRequestStatus, User
from identity.signing.services import signature_request_own_create
from identity.vault.demo import DEMO_VAULT_OWNER, demo_pdf

DEMO_TITLE = "Bail de logement — 4½ rue Saint-Vallier"
DEMO_LINES = (
    "Bail de logement (exemple)",
    "Locataire : la personne de démonstration",
    "Logement : 4½, rue Saint-Vallier Est, Québec",
    "Loyer : 1 150,00 $ par mois, du 1er juillet 2027 au 30 juin 2028",
)
DEMO_LIFETIME = datetime.timedelta(days=30)


def signing_demo_load(*, summary: DemoSummary, people: dict[str, User]) -> None:
    owner = people[DEMO_VAULT_OWNER]
    exists = SignatureRequest.objects.filter(
        person=owner, client=None, title=DEMO_TITLE, status=SignatureRequestStatus.PENDING
    ).exists()
    summary.count("documents to sign", created=not exists)
    if exists:
        return
    request = signature_request_own_create(person=owner, pdf=demo_pdf(DEMO_LINES), title=DEMO_TITLE)
    # Longer than a day, so that the demo keeps it between runs.
    SignatureRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() + DEMO_LIFETIME)
