"""Paying a payable on Stripe, faked at the HTTP boundary (marketplace/tests/fake_stripe.py),
so that the Stripe adapter's own code runs: the intent, the card page with its client
secret, Stripe's signed event settling the payable once, and the transfer to the city."""

import pytest
from django.test import Client

from civic.models import Payable, PayableStatus, PayeeAccount
from civic.tests.conftest import PASSWORD, TICKET, city_make
from marketplace.gateways import payment_gateway
from marketplace.tests.conftest import fake_stripe as stripe_server  # noqa: F401 - its fixture
from marketplace.tests.stripe_shop import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake(request):
    """The marketplace's fake Stripe, with Stripe the configured gateway."""
    return request.getfixturevalue("stripe_server")


def test_a_payable_is_paid_on_stripe_once(alice, fake, django_capture_on_commit_callbacks):
    city = city_make("Ville de Québec", "ville.example")
    account = payment_gateway("stripe").account_create(
        store_name="Ville de Québec", email="finances@ville.example", idempotency_key="ville-acct"
    )
    fake.account_onboarding_complete(account)
    PayeeAccount.objects.filter(client=city.client).update(gateway="stripe", account_id=account)
    created = city.create(TICKET).json()
    browser = Client()
    assert browser.login(username=alice.email, password=PASSWORD)
    start = browser.post(f"/ville/paiements/{created['id']}/")
    assert start["Location"] == f"/ville/paiements/{created['id']}/payer"
    payable = Payable.objects.get()
    intent = fake.intents[payable.intent_id]
    assert (intent["amount"], intent["currency"]) == (7500, "cad")
    page = browser.get(start["Location"])
    assert page.status_code == 200
    assert intent["client_secret"] in page.content.decode()
    assert "js.stripe.com" in page["Content-Security-Policy"]
    paid = fake.intent_confirm(payable.intent_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(browser, fake, "payment_intent.succeeded", paid).status_code == 200
        assert deliver(browser, fake, "payment_intent.succeeded", paid).status_code == 200
    payable.refresh_from_db()
    assert payable.status == PayableStatus.PAID
    assert payable.charge_id == paid["latest_charge"]
    assert payable.receipt is not None
    assert payable.transfer_id


def test_a_payee_account_at_another_gateway_gets_no_transfer(
    alice, fake, django_capture_on_commit_callbacks
):
    city = city_make("Ville de Québec", "ville.example")  # its account is on the offline gateway
    created = city.create(TICKET).json()
    browser = Client()
    assert browser.login(username=alice.email, password=PASSWORD)
    browser.post(f"/ville/paiements/{created['id']}/")
    payable = Payable.objects.get()
    paid = fake.intent_confirm(payable.intent_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(browser, fake, "payment_intent.succeeded", paid).status_code == 200
    payable.refresh_from_db()
    assert payable.status == PayableStatus.PAID
    assert payable.transfer_id == ""
    assert fake.transfers == {}
