"""The city's example service issues a ticket, the citizen pays it on Uniqc, and the city
hears of it by a signed webhook: end to end, in Chromium.

The example (examples/city_services) runs as its own process and creates the payable with
its own client credentials over HTTP; Uniqc (live_server) sends the webhook to it."""

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date

import pytest
import requests

from civic.models import Payable, PayableStatus
from civic.payable_demo import city_payables_enable
from identity.models import VaultDocument
from identity.oidc.services import oidc_client_create
from tests.browser import test_city_services as city_services
from tests.browser.test_city_services import (
    EXAMPLE_DIR,
    _free_port,
    _wait_until_answering,
    make_citizen,
    sign_in_through_uniqc,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The example's own fixtures: Uniqc's live server as issuer, a fresh French browser.
uniqc = city_services.uniqc
page = city_services.page


@pytest.fixture
def city_app(uniqc, tmp_path, settings) -> Iterator[str]:
    """The example app registered with Uniqc, able to create payables and hear of them."""
    settings.VAULT_ROOT = tmp_path / "vault"
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    created = oidc_client_create(
        name="Ville de Québec · Voirie",
        redirect_uris=[f"{base_url}/auth/callback"],
        post_logout_redirect_uris=[f"{base_url}/"],
    )
    webhook_secret = city_payables_enable(
        client=created.client, webhook_url=f"{base_url}/uniqc/webhooks"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "city_site.settings",
        "UNIQC_ISSUER": uniqc,
        "CITY_BASE_URL": base_url,
        "CITY_CLIENT_ID": created.client.client_id,
        "CITY_CLIENT_SECRET": created.client_secret,
        "CITY_WEBHOOK_SECRET": webhook_secret,
        "CITY_SECRET_KEY": "city-services-test-key-" + "x" * 40,
        "CITY_DATA_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "migrate", "--noinput", "-v0"], cwd=EXAMPLE_DIR, env=env, check=True, timeout=60
    )
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=EXAMPLE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_answering(base_url + "/", server)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_a_ticket_issued_by_the_city_is_paid_on_uniqc_and_the_city_hears_it(page, uniqc, city_app):
    city_url = city_app
    citizen = make_citizen("camille@example.com", birth_date=date(1990, 5, 17))
    sign_in_through_uniqc(page, city_url=city_url, uniqc=uniqc, email=citizen.email)

    # The city issues a ticket: it asks Uniqc for a payable with its client credentials.
    page.locator("a#my-tickets-link").click()
    page.locator("button#ticket-demo").click()
    row = page.locator("table#my-tickets tbody tr[data-ticket]")
    row.wait_for()
    assert row.get_attribute("data-status") == "to_pay"
    code = row.locator("code.payment-code").inner_text().strip()
    payable = Payable.objects.get()
    assert payable.reference == "CONST-000001"
    assert payable.status == PayableStatus.OPEN

    # The citizen follows the link to Uniqc (still signed in there) and pays.
    row.locator("a.pay-link").click()
    page.wait_for_url(f"{uniqc}/ville/paiements/{payable.public_id}/")
    page.locator("form[data-payable-pay] button").click()
    page.wait_for_url(f"{uniqc}/ville/paiements/{payable.public_id}/payer")
    page.locator("input[name=card_number]").fill("4242 4242 4242 4242")
    page.locator("input[name=expiry]").fill("12/34")
    page.locator("input[name=cvc]").fill("123")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(f"{uniqc}/ville/paiements/{payable.public_id}/")
    assert page.locator("[data-payable-status=paid]").count() == 1

    payable.refresh_from_db()
    assert payable.status == PayableStatus.PAID
    assert VaultDocument.objects.filter(owner=citizen, kind="receipt").count() == 1

    # Uniqc's signed webhook reached the city, which checked it and marked the ticket paid.
    page.goto(city_url + "/constats/")
    row = page.locator("table#my-tickets tbody tr[data-ticket]")
    assert row.get_attribute("data-status") == "paid"
    assert code


def test_the_city_refuses_a_webhook_it_cannot_verify(city_app):
    body = json.dumps(
        {"created": 1, "data": {"id": "x"}, "id": "evt_x", "type": "payable.paid"}
    ).encode()
    for header in ("", "t=1,v1=00", f"t={int(time.time())},v1={'0' * 64}"):
        answer = requests.post(
            f"{city_app}/uniqc/webhooks",
            data=body,
            headers={"Uniqc-Signature": header, "Content-Type": "application/json"},
            timeout=10,
        )
        assert answer.status_code == 400
