"""POST /paiement/webhooks/<gateway>/: signature checked, each event stored once by id
and handed to its handler once, whatever the sender does wrong or twice."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from marketplace.gateways.offline import OfflineGateway, offline_payment_event
from marketplace.gateways.signatures import signature_header
from marketplace.models import PaymentEvent, PayoutAccount
from marketplace.payments import WEBHOOK_BODY_MAX_BYTES, payment_webhook_receive
from marketplace.tests import payment_handlers

OFFLINE_URL = "/paiement/webhooks/offline/"


def offline_event(intent_id: str = "pi_test_1", *, succeeded: bool = True, **kwargs) -> bytes:
    return offline_payment_event(
        intent_id=intent_id,
        amount=Decimal("57.49"),
        currency="CAD",
        reference="UQ-2026-000001",
        succeeded=succeeded,
        **kwargs,
    )


def deliver(client, body: bytes, headers: dict[str, str] | None = None, url: str = OFFLINE_URL):
    if headers is None:
        headers = OfflineGateway().event_sign(payload=body)
    return client.post(url, data=body, content_type="application/json", headers=headers)


def assert_problem(response, status: int) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == status


def test_the_webhook_path_is_under_paiement():
    assert reverse("payments:webhook", args=["stripe"]) == "/paiement/webhooks/stripe/"


@pytest.mark.django_db
def test_a_signed_event_is_stored_and_handled(client, order_handlers):
    response = deliver(client, offline_event())
    assert response.status_code == 200
    assert response.json() == {"received": True, "status": "processed"}
    [event] = order_handlers
    assert event.event_type == "payment_intent.succeeded"
    assert event.intent_id == "pi_test_1"
    assert event.charge_id.startswith("ch_test_")
    assert event.amount == Decimal("57.49")
    row = PaymentEvent.objects.get()
    assert (row.gateway, row.event_id) == ("offline", event.event_id)
    assert row.processed_at is not None
    assert row.payload["data"]["object"]["id"] == "pi_test_1"


@pytest.mark.django_db
def test_a_duplicate_is_acknowledged_and_not_handled_again(client, order_handlers):
    body = offline_event()
    assert deliver(client, body).status_code == 200
    again = deliver(client, body)
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert len(order_handlers) == 1
    assert PaymentEvent.objects.count() == 1


@pytest.mark.django_db
def test_events_out_of_order_are_each_handed_on(client, order_handlers):
    later = offline_event(succeeded=True, created=2_000_000_000)
    earlier = offline_event(succeeded=False, created=1_900_000_000)
    assert deliver(client, later).status_code == 200
    assert deliver(client, earlier).status_code == 200
    assert [e.event_type for e in order_handlers] == [
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
    ]


@pytest.mark.django_db
def test_an_unknown_type_is_stored_and_acknowledged(client, order_handlers):
    body = json.dumps(
        {"id": "evt_x", "type": "charge.dispute.created", "created": 1, "data": {"object": {}}}
    ).encode()
    response = deliver(client, body)
    assert response.status_code == 200
    assert response.json()["status"] == "stored"
    assert PaymentEvent.objects.get().processed_at is not None
    assert order_handlers == []


@pytest.mark.django_db
def test_a_failed_handler_asks_for_the_event_again(client, order_handlers):
    payment_handlers.FAILURES["left"] = 1
    body = offline_event()
    response = deliver(client, body)
    assert_problem(response, 503)
    assert response["Retry-After"] == "60"
    row = PaymentEvent.objects.get()
    assert row.processed_at is None
    assert row.dispatch_error == "RuntimeError"
    again = deliver(client, body)
    assert again.json()["status"] == "processed"
    row.refresh_from_db()
    assert row.processed_at is not None
    assert row.dispatch_attempts == 2
    assert len(order_handlers) == 1


@pytest.mark.django_db
def test_a_missing_handler_module_is_a_503_not_a_500(client, monkeypatch):
    from marketplace.gateways import events

    monkeypatch.setitem(
        events.EVENT_HANDLERS, "payment_intent.succeeded", "marketplace.nowhere.handler"
    )
    assert_problem(deliver(client, offline_event()), 503)


@pytest.mark.django_db
def test_a_bad_signature_is_refused(client, order_handlers):
    body = offline_event()
    headers = {"Uniqc-Signature": signature_header(payload=body, secret="whsec_not_ours")}
    assert_problem(deliver(client, body, headers), 400)
    assert PaymentEvent.objects.count() == 0
    assert order_handlers == []


@pytest.mark.django_db
def test_no_signature_is_refused(client):
    assert_problem(deliver(client, offline_event(), headers={}), 400)


@pytest.mark.django_db
def test_a_garbled_signature_header_is_refused(client):
    assert_problem(deliver(client, offline_event(), {"Uniqc-Signature": "t=abc,v1"}), 400)


@pytest.mark.django_db
def test_a_stale_timestamp_is_refused(client):
    body = offline_event()
    stale = int(time.time()) - 301
    headers = {
        "Uniqc-Signature": signature_header(payload=body, secret=_offline_secret(), timestamp=stale)
    }
    assert_problem(deliver(client, body, headers), 400)


@pytest.mark.django_db
def test_a_timestamp_from_the_future_is_refused(client):
    body = offline_event()
    ahead = int(time.time()) + 301
    headers = {
        "Uniqc-Signature": signature_header(payload=body, secret=_offline_secret(), timestamp=ahead)
    }
    assert_problem(deliver(client, body, headers), 400)


@pytest.mark.django_db
def test_an_oversized_body_is_refused_before_it_is_read(client):
    body = b"{" + b" " * WEBHOOK_BODY_MAX_BYTES + b"}"
    assert_problem(deliver(client, body), 413)


@pytest.mark.django_db
def test_malformed_json_even_signed_is_refused(client):
    assert_problem(deliver(client, b'{"id": "evt_1", '), 400)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "event",
    [
        [],
        {"type": "payment_intent.succeeded", "created": 1, "data": {"object": {}}},
        {"id": "evt_1", "created": 1, "data": {"object": {}}},
        {"id": "evt_1", "type": "x", "created": "yesterday", "data": {"object": {}}},
        {"id": "evt_1", "type": "x", "created": 1, "data": []},
        {"id": "e" * 256, "type": "x", "created": 1, "data": {"object": {}}},
    ],
)
def test_a_body_that_is_not_an_event_is_refused(client, event):
    assert_problem(deliver(client, json.dumps(event).encode()), 400)


@pytest.mark.django_db
def test_invalid_utf8_is_refused(client):
    assert_problem(deliver(client, b'{"id": "\xff"}'), 400)


@pytest.mark.django_db
def test_an_unknown_gateway_is_not_found(client):
    assert_problem(deliver(client, offline_event(), url="/paiement/webhooks/paypal/"), 404)


@pytest.mark.django_db
def test_only_post(client):
    assert client.get(OFFLINE_URL).status_code == 405


@pytest.mark.django_db
def test_no_csrf_token_is_needed(order_handlers):
    from django.test import Client

    response = deliver(Client(enforce_csrf_checks=True), offline_event())
    assert response.status_code == 200


@pytest.mark.django_db
def test_stripe_events_through_the_same_path(client, fake_stripe, make_payment, order_handlers):
    payment = make_payment(gateway="stripe")
    intent = fake_stripe.intent_confirm(payment.intent_id)
    body, headers = fake_stripe.event("payment_intent.succeeded", intent)
    response = deliver(client, body, headers, url="/paiement/webhooks/stripe/")
    assert response.status_code == 200
    [event] = order_handlers
    assert (event.gateway, event.intent_id) == ("stripe", payment.intent_id)
    payment.refresh_from_db()
    assert payment.charge_id == intent["latest_charge"]


@pytest.mark.django_db
def test_a_stripe_event_with_the_offline_signature_is_refused(client, fake_stripe):
    body = offline_event()
    assert_problem(deliver(client, body, url="/paiement/webhooks/stripe/"), 400)


@pytest.mark.django_db
def test_stripe_not_configured_is_a_503(client, settings):
    settings.STRIPE_SECRET_KEY = ""
    assert_problem(deliver(client, offline_event(), url="/paiement/webhooks/stripe/"), 503)


@pytest.mark.django_db
def test_account_updated_refreshes_the_payout_account(client, fake_stripe, make_store):
    from marketplace.gateways.stripe_gateway import StripeGateway

    store = make_store()
    account_id = StripeGateway().account_create(store_name="x", email="", idempotency_key="k")
    PayoutAccount.objects.create(store=store, gateway="stripe", account_id=account_id)
    account = fake_stripe.account_onboarding_complete(account_id)
    body, headers = fake_stripe.event("account.updated", account)
    assert deliver(client, body, headers, url="/paiement/webhooks/stripe/").status_code == 200
    payout = PayoutAccount.objects.get(store=store)
    assert payout.transfers_enabled
    assert payout.details_submitted


@pytest.mark.django_db
def test_account_updated_for_an_account_not_ours_is_acknowledged(client, fake_stripe):
    body, headers = fake_stripe.event("account.updated", {"object": "account", "id": "acct_x"})
    response = deliver(client, body, headers, url="/paiement/webhooks/stripe/")
    assert response.json()["status"] == "processed"


def _offline_secret() -> str:
    from marketplace.gateways.offline import offline_webhook_secret

    return offline_webhook_secret()


# --- Two deliveries of one event at once, on PostgreSQL ---------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql_only")
def test_two_concurrent_deliveries_are_handled_once(order_handlers):
    body = offline_event()
    headers = OfflineGateway().event_sign(payload=body)
    # The handler takes a while, so that the second delivery arrives while it runs.
    payment_handlers.DELAY["seconds"] = 0.5
    barrier = threading.Barrier(2, timeout=10)

    def receive(_n: int) -> str:
        try:
            barrier.wait()
            return payment_webhook_receive(
                gateway_name="offline", payload=body, headers=headers
            ).status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(receive, range(2)))

    assert outcomes == ["duplicate", "processed"]
    assert len(order_handlers) == 1
    assert PaymentEvent.objects.count() == 1
    assert PaymentEvent.objects.get().processed_at is not None


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql_only")
def test_many_concurrent_deliveries_store_one_row(order_handlers):
    body = offline_event()
    headers = OfflineGateway().event_sign(payload=body)
    barrier = threading.Barrier(6, timeout=10)

    def receive(_n: int) -> str:
        try:
            barrier.wait()
            return payment_webhook_receive(
                gateway_name="offline", payload=body, headers=headers
            ).status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(receive, range(6)))

    assert outcomes.count("processed") == 1
    assert len(order_handlers) == 1
    assert PaymentEvent.objects.count() == 1


@pytest.mark.django_db
def test_an_event_left_unprocessed_is_run_again_by_the_periodic_task(client, order_handlers):
    from marketplace.tasks import payment_events_redispatch

    payment_handlers.FAILURES["left"] = 1
    assert_problem(deliver(client, offline_event()), 503)
    assert payment_events_redispatch() == 1
    assert len(order_handlers) == 1
    assert PaymentEvent.objects.get().processed_at is not None
    assert payment_events_redispatch() == 0


@pytest.mark.django_db
def test_an_event_being_handled_is_left_to_its_delivery(order_handlers):
    from django.utils import timezone

    from marketplace.tasks import payment_events_redispatch

    body = offline_event()
    payment_webhook_receive(
        gateway_name="offline", payload=body, headers=OfflineGateway().event_sign(payload=body)
    )
    PaymentEvent.objects.update(processed_at=None, dispatch_started_at=timezone.now())
    assert payment_events_redispatch() == 0
    assert len(order_handlers) == 1
