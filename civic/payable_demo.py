"""Demo data of payables (`manage.py seed_demo`): a city service with a payee account on
the offline gateway and one open parking ticket for the demo shopper, who finds it at
/ville/paiements/ once signed in. Idempotent: the client by its name, the ticket by its
idempotency key.

`city_payables_enable` is also what examples/city_services/setup_client.py runs (through
`manage.py civic_city_setup`) for the example city's own client."""

from decimal import Decimal
from typing import Any

from django.db import transaction

from civic.models import PayeeAccount
from civic.payable_selectors import PAYABLES_SCOPE
from civic.payables import PayableInput, payable_create, payee_account_set
from core.demo import DemoSummary
from identity.models import OidcClient, OidcConsent, User
from identity.oidc.services import oidc_client_create, oidc_client_update
from identity.oidc.subjects import subject_for
from identity.webhooks import client_webhook_endpoint_set
from marketplace.gateways.offline import OfflineGateway

DEMO_CITY = "Ville de Québec · Paiements (démo)"
DEMO_CITY_REDIRECT = "http://127.0.0.1:8010/auth/callback"
DEMO_SHOPPER = "shopper@demo.uniqc.coop"
DEMO_TICKET = PayableInput(
    reference="DEMO-CONST-0001",
    kind="ticket",
    description_fr="Stationnement interdit, rue Saint-Jean (démonstration)",
    description_en="No parking, rue Saint-Jean (demonstration)",
    amount=Decimal("75.00"),
    currency="CAD",
    due_date=None,
    sub=None,
)


@transaction.atomic
def city_payables_enable(*, client: OidcClient, webhook_url: str = "") -> str | None:
    """Let `client` create payables: the `payables` scope, a payee account on the offline
    gateway (test money) and, given a URL, its webhook endpoint. Returns the endpoint's
    signing secret when the endpoint is new (shown once), else None."""
    scopes = client.allowed_scopes.split()
    if PAYABLES_SCOPE not in scopes:
        oidc_client_update(
            client=client, acting_user=None, allowed_scopes=" ".join([*scopes, PAYABLES_SCOPE])
        )
    if not PayeeAccount.objects.filter(client=client).exists():
        payee_account_set(
            client=client,
            gateway=OfflineGateway.name,
            account_id=f"acct_demo_{client.client_id[:12]}",
            transfers_enabled=True,
            is_test=True,
        )
    if not webhook_url:
        return None
    _endpoint, secret = client_webhook_endpoint_set(
        client=client, url=webhook_url, enabled=True, acting_user=None
    )
    return secret


def demo_load(*, summary: DemoSummary, people: dict[str, User] | None = None) -> Any:
    client = OidcClient.objects.filter(name=DEMO_CITY).first()
    if client is None:
        client = oidc_client_create(
            name=DEMO_CITY,
            redirect_uris=[DEMO_CITY_REDIRECT],
            allowed_scopes=f"openid age locale {PAYABLES_SCOPE}",
        ).client
    city_payables_enable(client=client)
    shopper = User.objects.filter(email=DEMO_SHOPPER).first()
    if shopper is None:
        return None
    # The shopper signed in to the city and let it send them amounts to pay.
    OidcConsent.objects.get_or_create(
        user=shopper,
        client=client,
        defaults={
            "claims_asked": ["openid", PAYABLES_SCOPE],
            "claims_granted": ["openid", PAYABLES_SCOPE],
        },
    )
    ticket = PayableInput(
        **{**DEMO_TICKET.__dict__, "sub": subject_for(user=shopper, client=client)}
    )
    payable, _code, created = payable_create(
        client=client, idempotency_key="demo-ticket-0001", given=ticket
    )
    summary.count("payables", created=created)
    return payable
