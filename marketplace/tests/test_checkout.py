"""Checkout through its service: stock taken under locks, one order per Idempotency-Key,
one payment per order, and the payment's outcome in any order."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from marketplace import checkout
from marketplace.checkout import (
    CheckoutInvalid,
    checkout_start,
    order_payment_failed,
    order_payment_succeeded,
    orders_hold_lapse,
)
from marketplace.errors import CartChanged, CartEmpty, IdempotencyKeyReused
from marketplace.gateways import PaymentStart
from marketplace.gateways.offline import OfflineGateway
from marketplace.models import (
    CartLine,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    Refund,
    ReservationStatus,
    ShipmentStatus,
    StockReservation,
    StoreRole,
    Transfer,
    Variant,
)
from marketplace.services import store_staff_set
from marketplace.tests.shop import cart_fill, failed_event, paid_event, payout_account_add, stocked

D = Decimal
KEY = "checkout-key-0001"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the work a service leaves for after its commit (tasks), as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def two_stores(make_store):
    a = make_store(slug="epicerie")
    b = make_store(slug="librairie")
    for store in (a, b):
        payout_account_add(store)
    return a, b


def start(cart, buyer, key=KEY, speed="standard"):
    return checkout_start(
        cart=cart,
        buyer=buyer,
        speed=speed,
        pickup_kind="store_counter",
        idempotency_key=key,
        acting_user=buyer,
    )


def test_checkout_takes_the_stock_and_writes_one_shipment_per_store(shopper, two_stores):
    a, b = two_stores
    va = stocked(a, stock=5)
    vb = stocked(b, stock=5)
    cart = cart_fill(shopper, [(va[0], 2), (vb[0], 1), (va[1], 1)])
    order = start(cart, shopper)
    assert order.number.startswith(f"UQ-{timezone.localtime().year}-")
    assert len(order.number) == len("UQ-2026-000001")
    shipments = list(order.shipments.order_by("sequence"))
    assert [(s.sequence, s.store_id) for s in shipments] == [(1, a.pk), (2, b.pk)]
    assert shipments[0].number == f"{order.number}-1"
    assert Variant.objects.get(pk=va[0].pk).stock == 3
    assert Variant.objects.get(pk=vb[0].pk).stock == 4
    assert StockReservation.objects.filter(order=order, status=ReservationStatus.HELD).count() == 3
    assert order.total == order.goods_subtotal + order.fee + order.gst + order.qst
    assert order.fee == D("2.99") * 2
    assert not CartLine.objects.filter(cart=cart).exists()
    payment = Payment.objects.get(order=order)
    assert payment.intent_id.startswith("pi_test_")
    assert payment.redirect_url == f"/paiement/test/{payment.intent_id}/"
    assert payment.amount == order.total


def test_the_same_key_returns_the_same_order_and_one_payment(shopper, two_stores):
    a, _b = two_stores
    variants = stocked(a, stock=5)
    cart = cart_fill(shopper, [(variants[0], 1)])
    calls = []
    real = OfflineGateway.payment_start

    def spy(self, **kwargs):
        calls.append(kwargs["idempotency_key"])
        return real(self, **kwargs)

    with mock.patch.object(OfflineGateway, "payment_start", spy):
        first = start(cart, shopper)
        cart_fill(shopper, [(variants[1], 1)])  # the shopper adds more, then retries
        second = start(cart, shopper)
    assert first.pk == second.pk
    assert Order.objects.filter(buyer=shopper).count() == 1
    assert Payment.objects.filter(order=first).count() == 1
    assert calls == [Payment.objects.get(order=first).idempotency_key]
    assert Variant.objects.get(pk=variants[0].pk).stock == 4


def test_a_retry_after_the_gateway_failed_reuses_the_stored_payment_key(shopper, two_stores):
    a, _b = two_stores
    variants = stocked(a, stock=5)
    cart = cart_fill(shopper, [(variants[0], 1)])
    from marketplace.errors import PaymentGatewayError

    with (
        mock.patch.object(OfflineGateway, "payment_start", side_effect=PaymentGatewayError()),
        pytest.raises(PaymentGatewayError),
    ):
        start(cart, shopper)
    payment = Payment.objects.get(order__buyer=shopper)
    assert payment.intent_id == ""
    keys = []
    real = OfflineGateway.payment_start

    def spy(self, **kwargs):
        keys.append(kwargs["idempotency_key"])
        return real(self, **kwargs)

    with mock.patch.object(OfflineGateway, "payment_start", spy):
        order = start(cart, shopper)
    assert keys == [payment.idempotency_key]
    assert Payment.objects.get(order=order).intent_id


def test_the_same_key_with_another_request_is_refused(shopper, two_stores):
    a, _b = two_stores
    cart = cart_fill(shopper, [(stocked(a)[0], 1)])
    start(cart, shopper)
    with pytest.raises(IdempotencyKeyReused):
        start(cart, shopper, speed="express")


@pytest.mark.parametrize("key", [None, "", "   ", "x" * 256, "clé avec espace", "tab\there"])
def test_a_bad_key_is_refused(shopper, two_stores, key):
    cart = cart_fill(shopper, [(stocked(two_stores[0])[0], 1)])
    with pytest.raises(CheckoutInvalid):
        start(cart, shopper, key=key)


def test_an_unknown_speed_or_pickup_is_refused(shopper, two_stores):
    cart = cart_fill(shopper, [(stocked(two_stores[0])[0], 1)])
    with pytest.raises(CheckoutInvalid):
        start(cart, shopper, speed="warp")
    with pytest.raises(CheckoutInvalid):
        checkout_start(
            cart=cart,
            buyer=shopper,
            speed="express",
            pickup_kind="locker",
            idempotency_key=KEY,
            acting_user=shopper,
        )


def test_an_empty_cart_is_refused(shopper, two_stores):
    cart = cart_fill(shopper, [])
    with pytest.raises(CartEmpty):
        start(cart, shopper)


def test_a_changed_price_aborts_with_the_change_and_takes_nothing(shopper, two_stores):
    variants = stocked(two_stores[0], stock=5)
    cart = cart_fill(shopper, [(variants[0], 2)])
    Variant.objects.filter(pk=variants[0].pk).update(price=D("5.00"))
    with pytest.raises(CartChanged) as changed:
        start(cart, shopper)
    assert [(c.kind, c.price_seen, c.price_now) for c in changed.value.changes] == [
        ("price", D("4.50"), D("5.00"))
    ]
    assert Variant.objects.get(pk=variants[0].pk).stock == 5
    assert not Order.objects.exists()


def test_stock_fallen_below_the_quantity_aborts(shopper, two_stores):
    variants = stocked(two_stores[0], stock=5)
    cart = cart_fill(shopper, [(variants[0], 4)])
    Variant.objects.filter(pk=variants[0].pk).update(stock=3)
    with pytest.raises(CartChanged) as changed:
        start(cart, shopper)
    assert changed.value.changes[0].kind == "stock"


def test_an_unpublished_listing_aborts(shopper, two_stores):
    variants = stocked(two_stores[0], stock=5)
    cart = cart_fill(shopper, [(variants[0], 1)])
    variants[0].listing.__class__.objects.filter(pk=variants[0].listing_id).update(
        status="unpublished"
    )
    with pytest.raises(CartChanged) as changed:
        start(cart, shopper)
    assert changed.value.changes[0].kind == "unavailable"


def _checkout_queries(buyer, items, key) -> int:
    cart = cart_fill(buyer, items)
    with CaptureQueriesContext(connection) as captured:
        start(cart, buyer, key=key)
    return len(captured.captured_queries)


def test_a_checkout_costs_the_same_queries_for_1_line_and_30_lines_from_5_stores(
    make_store, make_person
):
    stores = [make_store(listings=3) for _ in range(5)]
    for store in stores:
        payout_account_add(store)
    variants = [v for store in stores for v in stocked(store, stock=50)]
    assert len(variants) == 30
    one = _checkout_queries(make_person("one@example.com", "shopper"), [(variants[0], 1)], KEY)
    thirty = _checkout_queries(
        make_person("thirty@example.com", "shopper"), [(v, 1) for v in variants], KEY
    )
    assert one == thirty
    assert thirty <= 30


def _store_owner(make_person, store, email="owner@example.com"):
    owner = make_person(email, "shopper")
    store_staff_set(store=store, user=owner, role=StoreRole.OWNER, acting_user=None)
    return owner


def test_crossing_the_low_stock_threshold_mails_the_owners_once(
    shopper, two_stores, make_person, committed
):
    a, _b = two_stores
    _store_owner(make_person, a)
    variants = stocked(a, stock=5)  # threshold 3
    mail.outbox.clear()
    with committed():
        start(cart_fill(shopper, [(variants[0], 2)]), shopper, key="first-key-1")
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    mail.outbox.clear()
    with committed():
        start(cart_fill(shopper, [(variants[0], 1)]), shopper, key="second-key-2")
    assert mail.outbox == []  # already under the threshold: no new crossing


# --- The payment's outcome ---------------------------------------------------------------


@pytest.fixture
def placed(shopper, two_stores):
    a, b = two_stores
    va, vb = stocked(a, stock=5), stocked(b, stock=5)
    order = start(cart_fill(shopper, [(va[0], 2), (vb[0], 1)]), shopper)
    return Order.objects.select_related("payment").get(pk=order.pk)


def test_a_success_pays_the_order_and_sends_one_transfer_per_store(placed, committed):
    mail.outbox.clear()
    with committed():
        order_payment_succeeded(paid_event(placed))
    order = Order.objects.get(pk=placed.pk)
    assert order.status == OrderStatus.PAID
    assert order.paid_at is not None
    assert set(order.shipments.values_list("status", flat=True)) == {ShipmentStatus.PAID}
    assert (
        not StockReservation.objects.filter(order=order)
        .exclude(status=ReservationStatus.CONSUMED)
        .exists()
    )
    transfers = Transfer.objects.filter(shipment__order=order).select_related("shipment")
    assert len(transfers) == 2
    for transfer in transfers:
        assert transfer.amount == transfer.shipment.payout
        assert transfer.transfer_id.startswith("tr_test_")
        assert transfer.destination == f"acct_test_{transfer.shipment.store_id}"
    assert Payment.objects.get(order=order).charge_id == f"ch_test_{order.pk}"
    assert [m.to for m in mail.outbox] == [["shopper@example.com"]]


@pytest.mark.parametrize(
    ("amount", "currency"),
    [(D("0.50"), "CAD"), (None, "USD")],
    ids=["another-amount", "another-currency"],
)
def test_a_success_for_another_sum_leaves_the_order_unpaid_and_tells_admins(
    placed, committed, settings, amount, currency
):
    settings.ADMINS = [("Support", "support@example.com")]
    mail.outbox.clear()
    with committed(), translation.override("en"):
        order_payment_succeeded(paid_event(placed, amount=amount, currency=currency))
    order = Order.objects.get(pk=placed.pk)
    assert order.status == OrderStatus.PLACED
    assert Payment.objects.get(order=order).status == PaymentStatus.PENDING
    assert not Transfer.objects.filter(shipment__order=order).exists()
    assert order.events.filter(reason__contains="not accepted").count() == 1
    assert [m.to for m in mail.outbox] == [["support@example.com"]]
    assert order.number in mail.outbox[0].subject


def test_success_twice_and_failure_after_gives_one_paid_order_and_one_set_of_transfers(
    placed, committed
):
    calls = []
    real = OfflineGateway.transfer_create

    def spy(self, **kwargs):
        calls.append(kwargs)
        return real(self, **kwargs)

    with mock.patch.object(OfflineGateway, "transfer_create", spy), committed():
        order_payment_succeeded(paid_event(placed, 1))
        order_payment_succeeded(paid_event(placed, 2))
        order_payment_failed(failed_event(placed, 3))
    order = Order.objects.get(pk=placed.pk)
    assert order.status == OrderStatus.PAID
    assert Transfer.objects.filter(shipment__order=order).count() == 2
    assert len(calls) == 2
    assert {c["transfer_group"] for c in calls} == {order.number}
    assert {c["source_charge"] for c in calls} == {f"ch_test_{order.pk}"}
    assert order.events.filter(to_status=OrderStatus.PAID, shipment=None).count() == 1


def test_a_transfer_retried_sends_the_key_stored_on_its_row(placed):
    from marketplace.errors import PaymentGatewayError
    from marketplace.orders import transfer_send, transfers_prepare

    order_payment_succeeded(paid_event(placed))
    ids = transfers_prepare(order_id=placed.pk)
    keys = []

    def failing(self, **kwargs):
        keys.append(kwargs["idempotency_key"])
        raise PaymentGatewayError()

    with (
        mock.patch.object(OfflineGateway, "transfer_create", failing),
        pytest.raises(PaymentGatewayError),
    ):
        transfer_send(transfer_id=ids[0])
    assert transfers_prepare(order_id=placed.pk) == ids  # no second row
    transfer_send(transfer_id=ids[0])
    transfer = Transfer.objects.get(pk=ids[0])
    assert keys == [transfer.idempotency_key]
    assert transfer.transfer_id == OfflineGateway().transfer_create(
        destination="",
        amount=D(0),
        currency="CAD",
        transfer_group="",
        source_charge="",
        idempotency_key=transfer.idempotency_key,
    )


def test_a_declined_payment_releases_the_stock_and_ends_the_order(placed, shopper):
    order_payment_failed(failed_event(placed))
    order = Order.objects.get(pk=placed.pk)
    assert order.status == OrderStatus.CANCELLED
    assert set(order.shipments.values_list("status", flat=True)) == {ShipmentStatus.CANCELLED}
    assert set(StockReservation.objects.filter(order=order).values_list("status", flat=True)) == {
        ReservationStatus.RELEASED
    }
    assert set(
        Variant.objects.filter(reservations__order=order).values_list("stock", flat=True)
    ) == {5}
    assert Payment.objects.get(order=order).status == PaymentStatus.FAILED
    # The lines are back in the cart, to try again in one click.
    assert CartLine.objects.filter(cart__owner=shopper).count() == 2
    # A second failure changes nothing: the stock goes back once.
    order_payment_failed(failed_event(placed, 2))
    assert set(
        Variant.objects.filter(reservations__order=order).values_list("stock", flat=True)
    ) == {5}


def test_a_success_after_a_failure_refunds_in_full(placed, committed):
    with committed():
        order_payment_failed(failed_event(placed, 1))
        order_payment_succeeded(paid_event(placed, 2))
    order = Order.objects.get(pk=placed.pk)
    assert order.status == OrderStatus.CANCELLED
    refund = Refund.objects.get(order=order)
    assert refund.amount == order.total
    assert refund.refund_id.startswith("re_test_")
    assert order.refunded_amount == order.total
    assert not Transfer.objects.filter(shipment__order=order).exists()
    with committed():
        order_payment_succeeded(paid_event(placed, 3))
    assert Refund.objects.filter(order=order).count() == 1


def test_a_lapsed_hold_expires_the_order_and_gives_the_stock_back(placed, committed):
    cancels = []
    with (
        mock.patch.object(
            OfflineGateway, "payment_cancel", lambda self, **kw: cancels.append(kw["intent_id"])
        ),
        committed(),
    ):
        assert orders_hold_lapse() == 0  # not yet
        later = timezone.now() + timedelta(minutes=21)
        assert orders_hold_lapse(now=later) == 1
        assert orders_hold_lapse(now=later) == 0  # idempotent
    order = Order.objects.get(pk=placed.pk)
    assert order.status == OrderStatus.EXPIRED
    assert set(order.shipments.values_list("status", flat=True)) == {ShipmentStatus.EXPIRED}
    assert set(
        Variant.objects.filter(reservations__order=order).values_list("stock", flat=True)
    ) == {5}
    assert cancels == [placed.payment.intent_id]
    # Paid after all: refunded in full, nothing sold.
    order_payment_succeeded(paid_event(placed))
    assert Order.objects.get(pk=placed.pk).refunded_amount == order.total


def test_an_unknown_intent_is_ignored(placed):
    from marketplace.gateways import GatewayEvent

    order_payment_succeeded(GatewayEvent(event_id="e", event_type="x", created=0, intent_id="pi_x"))
    order_payment_failed(GatewayEvent(event_id="e", event_type="x", created=0, intent_id=""))
    assert Order.objects.get(pk=placed.pk).status == OrderStatus.PLACED


def test_the_hold_lapse_task_is_scheduled(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "marketplace.tasks.orders_hold_lapse" in tasks
    assert checkout.orders_hold_lapse is orders_hold_lapse


@pytest.mark.parametrize("key", ["a", "with space inside", "x" * 255])
def test_any_key_of_the_api_rule_is_kept(shopper, two_stores, key):
    cart = cart_fill(shopper, [(stocked(two_stores[0])[0], 1)])
    assert start(cart, shopper, key=key).checkout_key == key


def test_a_retry_says_it_replayed(shopper, two_stores):
    cart = cart_fill(shopper, [(stocked(two_stores[0])[0], 1)])
    assert start(cart, shopper).replayed is False
    assert start(cart, shopper).replayed is True


def test_a_changed_cart_names_each_changed_line(shopper, two_stores):
    variant = stocked(two_stores[0])[0]
    cart = cart_fill(shopper, [(variant, 1)])
    Variant.objects.filter(pk=variant.pk).update(price=D("9.99"))
    with pytest.raises(CartChanged) as changed:
        start(cart, shopper)
    [change] = changed.value.changes
    assert change.line_id == CartLine.objects.get(cart=cart).pk


def test_the_client_secret_comes_with_the_payment_just_started(shopper, two_stores):
    cart = cart_fill(shopper, [(stocked(two_stores[0])[0], 1)])
    started = PaymentStart(intent_id="pi_1", redirect_url="", client_secret="pi_1_s")
    with mock.patch.object(OfflineGateway, "payment_start", return_value=started):
        order = start(cart, shopper)
        assert order.payment.client_secret == "pi_1_s"
        # A retry finds the payment started: the secret is not stored, so not given again.
        assert start(cart, shopper).payment.client_secret == ""
