"""The Stripe adapter's own code against a fake Stripe server (marketplace/tests/
fake_stripe.py): real HTTP, the stripe library's encoding, retries and errors."""

import time
from decimal import Decimal

import pytest
import stripe

from marketplace.errors import PaymentGatewayError, WebhookRefused
from marketplace.gateways import payment_gateway
from marketplace.gateways.stripe_gateway import StripeGateway, amount_in_cents


def start(gateway: StripeGateway, key: str = "order-UQ-2026-000123-payment", amount="57.49"):
    return gateway.payment_start(
        reference="UQ-2026-000123",
        amount=Decimal(amount),
        currency="CAD",
        idempotency_key=key,
        description="Commande UQ-2026-000123",
        return_url="https://uniqc.example/commandes/UQ-2026-000123/",
    )


def connected_account(gateway: StripeGateway, fake, key: str = "acct-key") -> str:
    account_id = gateway.account_create(
        store_name="Boulangerie", email="owner@example.com", idempotency_key=key
    )
    fake.account_onboarding_complete(account_id)
    return account_id


def test_the_configured_gateway_is_stripe_against_the_fake_server(fake_stripe):
    gateway = payment_gateway()
    assert isinstance(gateway, StripeGateway)
    assert gateway.is_test


def test_a_payment_intent_per_order_in_cents_with_its_transfer_group(fake_stripe):
    started = start(StripeGateway())
    intent = fake_stripe.intents[started.intent_id]
    assert intent["amount"] == 5749
    assert intent["currency"] == "cad"
    assert intent["transfer_group"] == "UQ-2026-000123"
    assert intent["metadata"] == {"order_number": "UQ-2026-000123"}
    assert started.client_secret == intent["client_secret"]
    assert fake_stripe.requests[-1][2] == "order-UQ-2026-000123-payment"


def test_a_retry_with_the_stored_key_finds_the_same_intent(fake_stripe):
    gateway = StripeGateway()
    first = start(gateway)
    again = start(StripeGateway())
    assert again.intent_id == first.intent_id
    assert len(fake_stripe.intents) == 1


def test_a_lost_answer_is_retried_by_the_library_with_the_same_key(fake_stripe):
    fake_stripe.responses_lost = 1
    started = start(StripeGateway())
    posts = [r for r in fake_stripe.requests if r[0] == "POST"]
    assert len(posts) == 2
    assert posts[0][2] == posts[1][2] == "order-UQ-2026-000123-payment"
    assert list(fake_stripe.intents) == [started.intent_id]


def test_a_server_error_is_retried_with_the_same_key(fake_stripe):
    fake_stripe.failures.append((500, {"error": {"type": "api_error", "message": "oops"}}))
    started = start(StripeGateway())
    keys = [r[2] for r in fake_stripe.requests]
    assert keys == ["order-UQ-2026-000123-payment"] * 2
    assert list(fake_stripe.intents) == [started.intent_id]


def test_the_same_key_with_another_amount_is_refused(fake_stripe):
    gateway = StripeGateway()
    start(gateway)
    with pytest.raises(PaymentGatewayError) as refused:
        start(gateway, amount="60.00")
    assert refused.value.gateway_code == "IdempotencyError"
    assert len(fake_stripe.intents) == 1


def test_a_fraction_of_a_cent_is_a_bug_not_a_rounding():
    assert amount_in_cents(Decimal("12.50")) == 1250
    with pytest.raises(ValueError):
        amount_in_cents(Decimal("12.505"))


def test_cancel_and_cancel_again(fake_stripe):
    gateway = StripeGateway()
    started = start(gateway)
    gateway.payment_cancel(intent_id=started.intent_id, idempotency_key="cancel-1")
    assert fake_stripe.intents[started.intent_id]["status"] == "canceled"
    # A second cancel with another key finds it already cancelled: nothing to do.
    gateway.payment_cancel(intent_id=started.intent_id, idempotency_key="cancel-2")


def test_a_paid_intent_cannot_be_cancelled(fake_stripe):
    gateway = StripeGateway()
    started = start(gateway)
    fake_stripe.intent_confirm(started.intent_id)
    with pytest.raises(PaymentGatewayError):
        gateway.payment_cancel(intent_id=started.intent_id, idempotency_key="cancel-1")


def test_a_transfer_names_its_charge_and_group(fake_stripe):
    gateway = StripeGateway()
    started = start(gateway)
    charge = fake_stripe.intent_confirm(started.intent_id)["latest_charge"]
    account = connected_account(gateway, fake_stripe)
    transfer_id = gateway.transfer_create(
        destination=account,
        amount=Decimal("30.00"),
        currency="CAD",
        transfer_group="UQ-2026-000123",
        source_charge=charge,
        idempotency_key="transfer-UQ-2026-000123-1",
    )
    transfer = fake_stripe.transfers[transfer_id]
    assert transfer["amount"] == 3000
    assert transfer["source_transaction"] == charge
    assert transfer["transfer_group"] == "UQ-2026-000123"
    assert transfer["destination"] == account
    again = gateway.transfer_create(
        destination=account,
        amount=Decimal("30.00"),
        currency="CAD",
        transfer_group="UQ-2026-000123",
        source_charge=charge,
        idempotency_key="transfer-UQ-2026-000123-1",
    )
    assert again == transfer_id
    assert len(fake_stripe.transfers) == 1


def test_a_transfer_to_an_account_not_onboarded_is_refused(fake_stripe):
    gateway = StripeGateway()
    started = start(gateway)
    charge = fake_stripe.intent_confirm(started.intent_id)["latest_charge"]
    account = gateway.account_create(store_name="B", email="", idempotency_key="a")
    with pytest.raises(PaymentGatewayError) as refused:
        gateway.transfer_create(
            destination=account,
            amount=Decimal("30.00"),
            currency="CAD",
            transfer_group="UQ-2026-000123",
            source_charge=charge,
            idempotency_key="t",
        )
    assert refused.value.gateway_code == "insufficient_capabilities_for_transfer"


def test_partial_and_full_refunds(fake_stripe):
    gateway = StripeGateway()
    started = start(gateway)
    charge = fake_stripe.intent_confirm(started.intent_id)["latest_charge"]
    first = gateway.refund_create(
        intent_id=started.intent_id, amount=Decimal("7.49"), idempotency_key="refund-1"
    )
    assert fake_stripe.refunds[first]["amount"] == 749
    assert fake_stripe.charges[charge]["amount_refunded"] == 749
    gateway.refund_create(
        intent_id=started.intent_id, amount=Decimal("50.00"), idempotency_key="refund-2"
    )
    assert fake_stripe.charges[charge]["refunded"] is True
    with pytest.raises(PaymentGatewayError):
        gateway.refund_create(
            intent_id=started.intent_id, amount=Decimal("0.01"), idempotency_key="refund-3"
        )


def test_a_reversal_takes_back_part_of_a_transfer(fake_stripe):
    gateway = StripeGateway()
    started = start(gateway)
    charge = fake_stripe.intent_confirm(started.intent_id)["latest_charge"]
    account = connected_account(gateway, fake_stripe)
    transfer_id = gateway.transfer_create(
        destination=account,
        amount=Decimal("30.00"),
        currency="CAD",
        transfer_group="UQ-2026-000123",
        source_charge=charge,
        idempotency_key="transfer-1",
    )
    reversal = gateway.transfer_reverse(
        transfer_id=transfer_id, amount=Decimal("10.00"), idempotency_key="reversal-1"
    )
    assert fake_stripe.reversals[reversal]["amount"] == 1000
    assert fake_stripe.transfers[transfer_id]["amount_reversed"] == 1000
    with pytest.raises(PaymentGatewayError):
        gateway.transfer_reverse(
            transfer_id=transfer_id, amount=Decimal("20.01"), idempotency_key="reversal-2"
        )


def test_express_account_link_and_state(fake_stripe):
    gateway = StripeGateway()
    account_id = gateway.account_create(
        store_name="Boulangerie", email="owner@example.com", idempotency_key="acct"
    )
    account = fake_stripe.accounts[account_id]
    assert account["type"] == "express"
    assert account["country"] == "CA"
    assert "transfers" in account["capabilities"]
    link = gateway.account_link(
        account_id=account_id,
        refresh_url="https://uniqc.example/paiement/boutiques/b/?etape=relancer",
        return_url="https://uniqc.example/paiement/boutiques/b/?etape=retour",
    )
    assert link.startswith(fake_stripe.url)
    state = gateway.account_state(account_id=account_id)
    assert (state.transfers_enabled, state.details_submitted) == (False, False)
    fake_stripe.account_onboarding_complete(account_id)
    state = gateway.account_state(account_id=account_id)
    assert (state.transfers_enabled, state.details_submitted) == (True, True)


def test_a_bad_key_is_an_error_without_the_key(fake_stripe, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_wrong_secret_1234"
    with pytest.raises(PaymentGatewayError) as refused:
        start(StripeGateway())
    assert "1234" not in str(refused.value)
    assert "sk_" not in str(refused.value)


def test_an_unknown_object_is_an_error(fake_stripe):
    with pytest.raises(PaymentGatewayError):
        StripeGateway().account_state(account_id="acct_nobody")


def test_a_server_that_does_not_answer_is_an_error(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # discard: nothing listens
    with pytest.raises(PaymentGatewayError):
        start(StripeGateway())


def test_no_secret_key_no_stripe_gateway(settings):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(PaymentGatewayError):
        StripeGateway()


def test_a_signed_event_becomes_a_gateway_event(fake_stripe):
    gateway = StripeGateway()
    started = start(gateway)
    intent = fake_stripe.intent_confirm(started.intent_id)
    body, headers = fake_stripe.event("payment_intent.succeeded", intent, event_id="evt_1")
    event = gateway.webhook_event_parse(payload=body, headers=headers)
    assert event.event_id == "evt_1"
    assert event.gateway == "stripe"
    assert event.intent_id == started.intent_id
    assert event.charge_id == intent["latest_charge"]
    assert event.amount == Decimal("57.49")
    assert event.currency == "CAD"


def test_a_declined_event_says_why(fake_stripe):
    gateway = StripeGateway()
    started = start(gateway)
    intent = fake_stripe.intent_confirm(started.intent_id, succeed=False)
    body, headers = fake_stripe.event("payment_intent.payment_failed", intent)
    event = gateway.webhook_event_parse(payload=body, headers=headers)
    assert event.failure_reason == "generic_decline"
    assert event.intent_id == started.intent_id


def test_an_event_signed_with_another_secret_is_refused(fake_stripe):
    body, headers = fake_stripe.event("account.updated", {"object": "account"}, secret="whsec_x")
    with pytest.raises(WebhookRefused):
        StripeGateway().webhook_event_parse(payload=body, headers=headers)


def test_a_stale_event_is_refused(fake_stripe):
    body, headers = fake_stripe.event(
        "account.updated", {"object": "account"}, timestamp=int(time.time()) - 301
    )
    with pytest.raises(WebhookRefused):
        StripeGateway().webhook_event_parse(payload=body, headers=headers)


def test_the_library_and_our_verifier_agree():
    from marketplace.gateways.signatures import signature_header

    body = b'{"id":"evt_1"}'
    ours = signature_header(payload=body, secret="whsec_abc", timestamp=1700000000)
    theirs = stripe.WebhookSignature.generate_signature_header(
        body.decode(), "whsec_abc", timestamp=1700000000
    )
    assert ours == theirs


def test_an_event_signed_by_the_connect_endpoint_is_accepted(fake_stripe, settings):
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = "whsec_connect"
    body, headers = fake_stripe.event(
        "account.updated", {"object": "account", "id": "acct_1"}, secret="whsec_connect"
    )
    event = StripeGateway().webhook_event_parse(payload=body, headers=headers)
    assert event.account_id == "acct_1"


def test_without_any_webhook_secret_every_event_is_refused(fake_stripe, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    body, headers = fake_stripe.event("account.updated", {"object": "account"}, secret="")
    with pytest.raises(WebhookRefused):
        StripeGateway().webhook_event_parse(payload=body, headers=headers)
