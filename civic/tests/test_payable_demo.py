"""The payables' demo data and the example city's setup command."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from civic.models import Payable, PayableStatus, PayeeAccount
from civic.payable_demo import DEMO_CITY, demo_load
from core.demo import DemoSummary
from core.tests.queries import no_writes
from identity.demo import DEMO_PASSWORD
from identity.demo import demo_load as identity_demo_load
from identity.models import ClientWebhookEndpoint, OidcClient
from identity.oidc.services import oidc_client_create

pytestmark = pytest.mark.django_db


def test_the_demo_city_has_a_payee_account_and_a_ticket_for_the_shopper():
    identity_demo_load(summary=DemoSummary())
    summary = DemoSummary()
    payable = demo_load(summary=summary)
    assert summary.created["payables"] == 1
    city = OidcClient.objects.get(name=DEMO_CITY)
    assert "payables" in city.allowed_scopes.split()
    assert PayeeAccount.objects.get(client=city).gateway == "offline"
    assert payable.status == PayableStatus.OPEN
    assert payable.person.email == "shopper@demo.uniqc.coop"
    browser = Client()
    assert browser.login(username="shopper@demo.uniqc.coop", password=DEMO_PASSWORD)
    page = browser.get("/ville/paiements/")
    assert b"data-payables-addressed" in page.content
    assert payable.reference.encode() in page.content
    assert browser.get(f"/ville/paiements/{payable.public_id}/").status_code == 200


def test_the_demo_loads_twice_without_a_write():
    identity_demo_load(summary=DemoSummary())
    demo_load(summary=DemoSummary())
    again = DemoSummary()
    with no_writes():
        demo_load(summary=again)
    assert again.existing["payables"] == 1
    assert Payable.objects.count() == 1


def test_the_setup_command_enables_a_city_and_prints_its_webhook_secret():
    client = oidc_client_create(name="Voirie", redirect_uris=["http://127.0.0.1:8010/cb"]).client
    out = StringIO()
    call_command(
        "civic_city_setup",
        "--client-id",
        client.client_id,
        "--webhook-url",
        "http://127.0.0.1:8010/uniqc/webhooks",
        "--json",
        stdout=out,
    )
    printed = json.loads(out.getvalue())
    assert printed["webhook_secret"].startswith("whsec_")
    client.refresh_from_db()
    assert "payables" in client.allowed_scopes.split()
    assert PayeeAccount.objects.filter(client=client).exists()
    assert ClientWebhookEndpoint.objects.get(client=client).url.endswith("/uniqc/webhooks")


def test_the_setup_command_refuses_an_unknown_client():
    with pytest.raises(CommandError):
        call_command("civic_city_setup", "--client-id", "nobody")
