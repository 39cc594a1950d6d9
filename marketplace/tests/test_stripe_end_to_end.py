"""The Stripe path end to end, against the fake Stripe server (marketplace/tests/
fake_stripe.py): checkout makes one PaymentIntent, the fake confirms it and its signed
events reach our webhook endpoint over HTTP (the Django test client posts the exact bytes
with their Stripe-Signature header), the order is paid and each store gets one transfer.
Duplicates, events out of order, lost answers, declines, refusals and cancellations are
checked on the fake's own state, not only on our rows, and the money reconciles to the
cent."""

from decimal import Decimal

import pytest

from marketplace.checkout import checkout_start
from marketplace.errors import PaymentGatewayError
from marketplace.models import (
    CartLine,
    Order,
    OrderStatus,
    Payment,
    PaymentEvent,
    PaymentStatus,
    Refund,
    Shipment,
    ShipmentStatus,
    TaxCollector,
    Transfer,
    Variant,
)
from marketplace.orders import order_cancel, shipment_refuse
from marketplace.tests.shop import cart_fill, stocked
from marketplace.tests.stripe_shop import cents, deliver, stores_on_stripe

pytestmark = pytest.mark.django_db

KEY = "checkout-stripe-0001"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a service leaves for after its commit (the tasks), as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def stripe_stores(fake_stripe, make_store, make_person, client, committed):
    return stores_on_stripe(
        fake_stripe=fake_stripe,
        make_store=make_store,
        make_person=make_person,
        client=client,
        committed=committed,
    )


@pytest.fixture
def cart(shopper, stripe_stores):
    a, b = stripe_stores
    va = stocked(a, stock=5, price="12.35")
    vb = stocked(b, stock=5, price="7.99")
    return cart_fill(shopper, [(va[0], 2), (vb[0], 1), (va[1], 1)])


def checkout(cart, shopper, key: str = KEY) -> Order:
    return checkout_start(
        cart=cart,
        buyer=shopper,
        speed="express",
        pickup_kind="store_counter",
        idempotency_key=key,
        acting_user=shopper,
    )


def intent_creations(fake) -> list[str | None]:
    return [r[2] for r in fake.requests if r[:2] == ("POST", "/v1/payment_intents")]


def coop_kept(order: Order) -> Decimal:
    """What the coop keeps of an order: its commission on each shipment, the QST it
    collects for small suppliers, and its pickup fee with that fee's taxes."""
    shipments = list(order.shipments.all())
    commission = sum((s.commission for s in shipments), Decimal(0))
    coop_qst = sum(
        (s.qst for s in shipments if s.qst_collected_by == TaxCollector.COOP), Decimal(0)
    )
    fee_gst = order.gst - sum((s.gst for s in shipments), Decimal(0))
    fee_qst = order.qst - sum((s.qst for s in shipments), Decimal(0))
    return commission + coop_qst + order.fee + fee_gst + fee_qst


@pytest.fixture
def paid(client, fake_stripe, cart, shopper, committed):
    """An order from two stores paid at the fake, its success delivered to our webhook."""
    order = checkout(cart, shopper)
    intent = fake_stripe.intent_confirm(order.payment.intent_id)
    with committed():
        response = deliver(client, fake_stripe, "payment_intent.succeeded", intent)
    assert response.status_code == 200
    assert response.json()["status"] == "processed"
    order.refresh_from_db()
    return order


# --- Paid, once ------------------------------------------------------------------------


def test_checkout_makes_one_payment_intent_for_the_order_total(fake_stripe, cart, shopper):
    order = checkout(cart, shopper)
    [intent] = fake_stripe.intents.values()
    payment = order.payment
    assert intent["id"] == payment.intent_id
    assert intent["amount"] == cents(order.total)
    assert intent["currency"] == "cad"
    assert intent["transfer_group"] == order.number
    assert intent["status"] == "requires_payment_method"
    assert intent_creations(fake_stripe) == [payment.idempotency_key]
    assert payment.gateway == "stripe"
    assert payment.redirect_url == f"/paiement/carte/{intent['id']}/"
    assert order.shipments.count() == 2


def test_paid_through_the_webhook_one_transfer_per_store(fake_stripe, paid, stripe_stores):
    order = paid
    assert order.status == OrderStatus.PAID
    payment = Payment.objects.get(order=order)
    intent = fake_stripe.intents[payment.intent_id]
    charge = fake_stripe.charges[intent["latest_charge"]]
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.charge_id == charge["id"]
    assert charge["amount"] == cents(order.total)
    assert {s.status for s in order.shipments.all()} == {ShipmentStatus.PAID}

    transfers = list(fake_stripe.transfers.values())
    assert len(transfers) == 2
    by_destination = {t["destination"]: t for t in transfers}
    for shipment in order.shipments.select_related("store__payout_account"):
        sent = by_destination[shipment.store.payout_account.account_id]
        assert sent["amount"] == cents(shipment.payout)
        assert sent["source_transaction"] == charge["id"]
        assert sent["transfer_group"] == order.number
        row = Transfer.objects.get(shipment=shipment)
        assert row.transfer_id == sent["id"]
        assert row.gateway == "stripe"
        assert row.amount == shipment.payout
    # Every transfer was sent with the key stored on its row.
    keys = [r[2] for r in fake_stripe.requests if r[:2] == ("POST", "/v1/transfers")]
    assert sorted(keys) == sorted(Transfer.objects.values_list("idempotency_key", flat=True))


def test_the_money_reconciles_to_the_cent(fake_stripe, paid):
    order = paid
    charge = fake_stripe.charges[fake_stripe.intents[order.payment.intent_id]["latest_charge"]]
    transferred = sum(t["amount"] for t in fake_stripe.transfers.values())
    small = order.shipments.get(store__slug="fromagerie")
    assert small.qst_collected_by == TaxCollector.COOP
    assert small.qst > 0
    assert transferred + cents(coop_kept(order)) == charge["amount"] == cents(order.total)


def test_the_same_event_twice_and_others_out_of_order_pay_once(
    client, fake_stripe, cart, shopper, committed
):
    """The shopper's first card is declined, the second pays: Stripe sends the failure,
    the charge's own events and the success, and we receive them in another order and
    some of them twice."""
    order = checkout(cart, shopper)
    intent_id = order.payment.intent_id
    declined = fake_stripe.intent_confirm(intent_id, succeed=False)
    declined_charge = fake_stripe.charges[declined["latest_charge"]]
    succeeded = fake_stripe.intent_confirm(intent_id)
    charge = fake_stripe.charges[succeeded["latest_charge"]]
    deliveries = [
        ("payment_intent.succeeded", succeeded, "evt_ok"),
        ("charge.succeeded", charge, "evt_charge_ok"),
        ("payment_intent.succeeded", succeeded, "evt_ok"),
        ("payment_intent.payment_failed", declined, "evt_ko"),
        ("charge.failed", declined_charge, "evt_charge_ko"),
        ("charge.succeeded", charge, "evt_charge_ok"),
        ("payment_intent.payment_failed", declined, "evt_ko"),
    ]
    statuses = []
    for event_type, obj, event_id in deliveries:
        with committed():
            response = deliver(client, fake_stripe, event_type, obj, event_id=event_id)
        assert response.status_code == 200
        statuses.append(response.json()["status"])
    assert statuses.count("duplicate") == 3
    assert PaymentEvent.objects.exclude(event_type="account.updated").count() == 4

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Payment.objects.get(order=order).charge_id == charge["id"]
    assert fake_stripe.intents[intent_id]["status"] == "succeeded"
    assert [c["id"] for c in fake_stripe.charges.values() if c["status"] == "succeeded"] == [
        charge["id"]
    ]
    assert len(fake_stripe.transfers) == 2
    assert {t["source_transaction"] for t in fake_stripe.transfers.values()} == {charge["id"]}
    assert fake_stripe.refunds == {}
    assert Transfer.objects.count() == 2
    assert not Refund.objects.exists()


def test_a_failure_delivered_before_the_success_it_preceded_does_not_cancel(
    client, fake_stripe, cart, shopper, committed
):
    """The failure arrives first, but Stripe says the intent has succeeded since: the
    order waits for its success rather than being cancelled and refunded."""
    order = checkout(cart, shopper)
    declined = fake_stripe.intent_confirm(order.payment.intent_id, succeed=False)
    succeeded = fake_stripe.intent_confirm(order.payment.intent_id)
    with committed():
        deliver(client, fake_stripe, "payment_intent.payment_failed", declined)
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert fake_stripe.intents[order.payment.intent_id]["status"] == "succeeded"
    with committed():
        deliver(client, fake_stripe, "payment_intent.succeeded", succeeded)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert len(fake_stripe.transfers) == 2
    assert fake_stripe.refunds == {}


# --- A checkout retried -----------------------------------------------------------------


def test_a_checkout_retried_with_its_key_gives_one_order_and_one_intent(fake_stripe, cart, shopper):
    first = checkout(cart, shopper)
    again = checkout(cart, shopper)
    assert again.pk == first.pk
    assert again.payment.intent_id == first.payment.intent_id
    assert Order.objects.count() == 1
    assert len(fake_stripe.intents) == 1
    assert intent_creations(fake_stripe) == [first.payment.idempotency_key]


def test_a_lost_answer_is_retried_with_the_stored_key(fake_stripe, cart, shopper):
    """The fake creates the intent and the answer never arrives: the library tries again
    with the same key, and the fake replays its first answer."""
    fake_stripe.responses_lost = 1
    order = checkout(cart, shopper)
    assert len(fake_stripe.intents) == 1
    assert order.payment.intent_id in fake_stripe.intents
    assert intent_creations(fake_stripe) == [order.payment.idempotency_key] * 2


def test_every_answer_lost_then_the_checkout_retried_with_its_key(fake_stripe, cart, shopper):
    """All of the library's tries lose their answer: checkout fails with the order placed
    and the intent made at Stripe but unknown to us. The shopper's retry with the same
    Idempotency-Key finds the order, and the stored payment key finds the same intent."""
    fake_stripe.responses_lost = 3
    with pytest.raises(PaymentGatewayError):
        checkout(cart, shopper)
    order = Order.objects.get()
    assert order.payment.intent_id == ""
    assert len(fake_stripe.intents) == 1

    again = checkout(cart, shopper)
    assert again.pk == order.pk
    assert Order.objects.count() == 1
    assert len(fake_stripe.intents) == 1
    [intent_id] = fake_stripe.intents
    assert again.payment.intent_id == intent_id
    assert set(intent_creations(fake_stripe)) == {order.payment.idempotency_key}


# --- Declined -------------------------------------------------------------------------


def test_a_declined_payment_releases_the_stock_and_cancels_the_intent(
    client, fake_stripe, cart, shopper, committed
):
    stock_before = dict(Variant.objects.values_list("pk", "stock"))
    order = checkout(cart, shopper)
    assert dict(Variant.objects.values_list("pk", "stock")) != stock_before
    declined = fake_stripe.intent_confirm(order.payment.intent_id, succeed=False)
    with committed():
        response = deliver(client, fake_stripe, "payment_intent.payment_failed", declined)
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert dict(Variant.objects.values_list("pk", "stock")) == stock_before
    payment = Payment.objects.get(order=order)
    assert payment.status == PaymentStatus.FAILED
    assert "generic_decline" in payment.failure_reason
    assert fake_stripe.intents[order.payment.intent_id]["status"] == "canceled"
    assert fake_stripe.transfers == {}
    assert {s.status for s in order.shipments.all()} == {ShipmentStatus.CANCELLED}
    # The lines are back in the cart: trying again is one click.
    assert CartLine.objects.filter(cart__owner=shopper).count() == 3


def test_a_decline_while_stripe_is_unreachable_is_delivered_again(
    client, fake_stripe, cart, shopper, committed
):
    """The failure handler asks Stripe where the intent stands; Stripe failing, the event
    is stored, answered 503 and left for the next delivery, which settles it."""
    order = checkout(cart, shopper)
    declined = fake_stripe.intent_confirm(order.payment.intent_id, succeed=False)
    server_error = (500, {"error": {"type": "api_error", "message": "oops"}})
    fake_stripe.failures.extend([server_error] * 3)  # the first try and both retries
    with committed():
        response = deliver(
            client, fake_stripe, "payment_intent.payment_failed", declined, event_id="evt_ko"
        )
    assert response.status_code == 503
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert PaymentEvent.objects.get(event_id="evt_ko").processed_at is None
    with committed():
        again = deliver(
            client, fake_stripe, "payment_intent.payment_failed", declined, event_id="evt_ko"
        )
    assert again.json()["status"] == "processed"
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert fake_stripe.intents[order.payment.intent_id]["status"] == "canceled"


# --- Refused, cancelled ---------------------------------------------------------------


def test_a_refused_shipment_is_refunded_and_its_transfer_reversed(
    fake_stripe, paid, stripe_stores, committed
):
    order = paid
    store = stripe_stores[0]
    refused = Shipment.objects.get(order=order, store=store)
    kept = Shipment.objects.get(order=order, store=stripe_stores[1])
    with committed():
        shipment_refuse(shipment=refused, reason="Rupture de stock.", acting_user=store.owner)
    [refund] = fake_stripe.refunds.values()
    assert refund["amount"] == cents(refused.total)
    assert refund["payment_intent"] == order.payment.intent_id
    assert Refund.objects.get().refund_id == refund["id"]

    refused_transfer = Transfer.objects.get(shipment=refused)
    kept_transfer = Transfer.objects.get(shipment=kept)
    at_fake = fake_stripe.transfers[refused_transfer.transfer_id]
    assert at_fake["amount_reversed"] == at_fake["amount"] == cents(refused.payout)
    assert refused_transfer.reversed_amount == refused.payout
    assert fake_stripe.transfers[kept_transfer.transfer_id]["amount_reversed"] == 0
    [reversal] = fake_stripe.reversals.values()
    assert reversal["transfer"] == refused_transfer.transfer_id

    # What is left reconciles: the charge less the refund is the kept store's transfer
    # plus the coop's share of what is left (its commission and QST on the kept shipment,
    # and the whole pickup fee).
    charge = fake_stripe.charges[fake_stripe.intents[order.payment.intent_id]["latest_charge"]]
    net_transferred = sum(
        t["amount"] - t["amount_reversed"] for t in fake_stripe.transfers.values()
    )
    coop_left = coop_kept(order) - refused.commission
    assert charge["amount_refunded"] == cents(refused.total)
    assert charge["amount"] - charge["amount_refunded"] == net_transferred + cents(coop_left)
    refused.refresh_from_db()
    assert refused.status == ShipmentStatus.REFUNDED


def test_a_cancelled_paid_order_is_refunded_in_full_and_every_transfer_reversed(
    fake_stripe, paid, shopper, committed
):
    order = paid
    with committed():
        order_cancel(order=order, acting_user=shopper)
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert order.refunded_amount == order.total
    charge = fake_stripe.charges[fake_stripe.intents[order.payment.intent_id]["latest_charge"]]
    assert charge["amount_refunded"] == charge["amount"] == cents(order.total)
    assert charge["refunded"] is True
    assert len(fake_stripe.refunds) == 1
    for transfer in fake_stripe.transfers.values():
        assert transfer["reversed"] is True
        assert transfer["amount_reversed"] == transfer["amount"]
    assert len(fake_stripe.reversals) == 2
    assert sum(r["amount"] for r in fake_stripe.reversals.values()) == sum(
        cents(t.amount) for t in Transfer.objects.all()
    )
    assert {s.status for s in order.shipments.all()} == {ShipmentStatus.REFUNDED}


def test_a_refusal_then_the_cancel_of_the_rest_refunds_exactly_the_charge(
    fake_stripe, paid, stripe_stores, shopper, committed
):
    order = paid
    store = stripe_stores[0]
    with committed():
        shipment_refuse(
            shipment=Shipment.objects.get(order=order, store=store),
            reason="Fermé pour la journée.",
            acting_user=store.owner,
        )
    order.refresh_from_db()
    with committed():
        order_cancel(order=order, acting_user=shopper)
    charge = fake_stripe.charges[fake_stripe.intents[order.payment.intent_id]["latest_charge"]]
    assert sum(r["amount"] for r in fake_stripe.refunds.values()) == charge["amount"]
    assert charge["refunded"] is True
    assert all(t["reversed"] for t in fake_stripe.transfers.values())
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
