"""After checkout: the shopper's cancel, the store's steps, refunds and transfer
reversals, and who may do each (one test per refusal)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied

from identity.models import AuditEvent
from marketplace import orders
from marketplace.checkout import checkout_start, order_payment_succeeded
from marketplace.errors import OrderNotCancellable, RefusalReasonRequired, TransitionRefused
from marketplace.models import (
    Order,
    OrderStatus,
    PaymentStatus,
    Refund,
    ShipmentStatus,
    StoreRole,
    Transfer,
    Variant,
)
from marketplace.order_selectors import (
    access_order_cancel,
    access_order_view,
    access_shipment_manage,
    access_store_orders,
)
from marketplace.services import store_staff_set
from marketplace.tests.shop import cart_fill, paid_event, payout_account_add, stocked

S = ShipmentStatus


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def stores(make_store):
    a, b = make_store(slug="epicerie"), make_store(slug="librairie")
    for store in (a, b):
        payout_account_add(store)
    return a, b


@pytest.fixture
def clerk(make_person, stores):
    person = make_person("clerk@example.com", "shopper")
    store_staff_set(store=stores[0], user=person, role=StoreRole.STAFF, acting_user=None)
    return person


def _order(shopper, stores, committed, *, pay=True):
    a, b = stores
    va, vb = stocked(a, stock=5), stocked(b, stock=5)
    with committed():
        order = checkout_start(
            cart=cart_fill(shopper, [(va[0], 2), (vb[0], 1)]),
            buyer=shopper,
            speed="express",
            pickup_kind="store_counter",
            idempotency_key="orders-test-key",
            acting_user=shopper,
        )
        if pay:
            order = Order.objects.select_related("payment").get(pk=order.pk)
            order_payment_succeeded(paid_event(order))
    return Order.objects.select_related("payment").get(pk=order.pk)


def test_the_shopper_cancels_a_placed_order(shopper, stores, committed):
    order = _order(shopper, stores, committed, pay=False)
    with committed():
        orders.order_cancel(order=order, acting_user=shopper)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert set(
        Variant.objects.filter(reservations__order=order).values_list("stock", flat=True)
    ) == {5}
    assert order.payment.__class__.objects.get(order=order).status == PaymentStatus.CANCELED
    assert [m.to for m in mail.outbox][-1] == ["shopper@example.com"]


def test_the_shopper_cancels_a_paid_order_before_any_store_starts(shopper, stores, committed):
    order = _order(shopper, stores, committed)
    with committed():
        orders.order_cancel(order=order, acting_user=shopper)
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert order.refunded_amount == order.total
    assert set(order.shipments.values_list("status", flat=True)) == {S.REFUNDED}
    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.refund_id[:8]) == (order.total, "re_test_")
    for transfer in Transfer.objects.filter(shipment__order=order):
        assert transfer.reversed_amount == transfer.amount
    # The units are back on the shelf.
    assert set(
        Variant.objects.filter(reservations__order=order).values_list("stock", flat=True)
    ) == {5}


def test_a_paid_order_a_store_accepted_cannot_be_cancelled(shopper, stores, clerk, committed):
    order = _order(shopper, stores, committed)
    orders.shipment_accept(shipment=order.shipments.get(sequence=1), acting_user=clerk)
    with pytest.raises(OrderNotCancellable):
        orders.order_cancel(order=order, acting_user=shopper)


def test_the_store_works_a_shipment_to_the_shoppers_hands(shopper, stores, clerk, committed):
    order = _order(shopper, stores, committed)
    shipment = order.shipments.get(sequence=1)
    mail.outbox.clear()
    with committed():
        orders.shipment_accept(shipment=shipment, acting_user=clerk)
        orders.shipment_pack(shipment=shipment, acting_user=clerk)
        orders.shipment_ready(shipment=shipment, acting_user=clerk)
        orders.shipment_picked_up(shipment=shipment, acting_user=clerk)
    shipment.refresh_from_db()
    assert shipment.status == S.PICKED_UP
    steps = list(order.events.filter(shipment=shipment).values_list("to_status", "actor"))
    assert steps[-4:] == [
        (s, clerk.pk) for s in (S.ACCEPTED, S.PACKED, S.READY_FOR_PICKUP, S.PICKED_UP)
    ]
    assert AuditEvent.objects.filter(acting_user=clerk, subject_user=shopper).count() == 4
    assert len(mail.outbox) == 1  # ready for pickup
    with pytest.raises(TransitionRefused):
        orders.shipment_pack(shipment=shipment, acting_user=clerk)


def test_a_refusal_refunds_the_shipment_and_reverses_its_transfer(
    shopper, stores, clerk, committed
):
    order = _order(shopper, stores, committed)
    shipment = order.shipments.get(sequence=1)
    with committed():
        orders.shipment_refuse(shipment=shipment, reason="Rupture de stock.", acting_user=clerk)
    shipment.refresh_from_db()
    order.refresh_from_db()
    assert shipment.status == S.REFUNDED
    assert shipment.refusal_reason == "Rupture de stock."
    refund = Refund.objects.get(order=order)
    assert (refund.shipment_id, refund.amount) == (shipment.pk, shipment.total)
    assert refund.refund_id
    assert Transfer.objects.get(shipment=shipment).reversed_amount == shipment.payout
    assert Transfer.objects.get(shipment__sequence=2, shipment__order=order).reversed_amount == 0
    assert order.status == OrderStatus.PAID
    assert mail.outbox[-1].to == ["shopper@example.com"]
    assert "Rupture de stock." in mail.outbox[-1].body


def test_refusing_every_shipment_refunds_the_whole_order(
    shopper, stores, clerk, make_person, committed
):
    order = _order(shopper, stores, committed)
    other = make_person("other@example.com", "shopper")
    store_staff_set(store=stores[1], user=other, role=StoreRole.OWNER, acting_user=None)
    with committed():
        orders.shipment_refuse(
            shipment=order.shipments.get(sequence=1), reason="Non.", acting_user=clerk
        )
        orders.shipment_refuse(
            shipment=order.shipments.get(sequence=2), reason="Non.", acting_user=other
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert order.refunded_amount == order.total
    assert sum(r.amount for r in Refund.objects.filter(order=order)) == order.total


def test_after_a_refusal_the_shopper_cancels_the_rest(shopper, stores, clerk, committed):
    """A refused shipment is over: it does not stop the shopper cancelling what is left.
    Only the cancelled shipment's units go back on the shelf (the refused one's stock is
    as its store says), and the refunds add up to the order's total."""
    order = _order(shopper, stores, committed)
    refused, left = order.shipments.get(sequence=1), order.shipments.get(sequence=2)
    with committed():
        orders.shipment_refuse(shipment=refused, reason="Rupture de stock.", acting_user=clerk)
    refused_stock = {line.variant_id: line.variant.stock for line in refused.lines.all()}
    left_stock = {line.variant_id: line.variant.stock for line in left.lines.all()}
    with committed():
        orders.order_cancel(order=order, acting_user=shopper)
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert sum(r.amount for r in Refund.objects.filter(order=order)) == order.total
    assert set(order.shipments.values_list("status", flat=True)) == {S.REFUNDED}
    for line in refused.lines.select_related("variant"):
        assert line.variant.stock == refused_stock[line.variant_id]
    for line in left.lines.select_related("variant"):
        assert line.variant.stock == left_stock[line.variant_id] + line.quantity
    for transfer in Transfer.objects.filter(shipment__order=order):
        assert transfer.reversed_amount == transfer.amount


def test_an_order_with_every_shipment_refused_is_not_cancellable(
    shopper, stores, clerk, make_person, committed
):
    order = _order(shopper, stores, committed)
    other = make_person("other@example.com", "shopper")
    store_staff_set(store=stores[1], user=other, role=StoreRole.OWNER, acting_user=None)
    with committed():
        orders.shipment_refuse(
            shipment=order.shipments.get(sequence=1), reason="Non.", acting_user=clerk
        )
        orders.shipment_refuse(
            shipment=order.shipments.get(sequence=2), reason="Non.", acting_user=other
        )
    order.refresh_from_db()
    with pytest.raises(OrderNotCancellable):
        orders.order_cancel(order=order, acting_user=shopper)


def test_a_refusal_needs_a_reason(shopper, stores, clerk, committed):
    order = _order(shopper, stores, committed)
    with pytest.raises(RefusalReasonRequired):
        orders.shipment_refuse(
            shipment=order.shipments.get(sequence=1), reason="  ", acting_user=clerk
        )


# --- Who may: one test per refusal ---------------------------------------------------------

VISITOR = AnonymousUser()


def _order_row(buyer_id=1):
    return SimpleNamespace(buyer_id=buyer_id)


def test_a_visitor_cannot_see_an_order():
    with pytest.raises(PermissionDenied):
        access_order_view(acting_user=VISITOR, order=_order_row())


def test_another_person_cannot_see_an_order(make_person):
    other = make_person("nosy@example.com", "shopper")
    with pytest.raises(PermissionDenied):
        access_order_view(acting_user=other, order=_order_row(other.pk + 1000))


def test_a_visitor_cannot_cancel_an_order():
    with pytest.raises(PermissionDenied):
        access_order_cancel(acting_user=VISITOR, order=_order_row())


def test_an_inactive_buyer_cannot_cancel(make_person):
    buyer = make_person("gone@example.com", "shopper")
    buyer.is_active = False
    with pytest.raises(PermissionDenied):
        access_order_cancel(acting_user=buyer, order=_order_row(buyer.pk))


def test_another_person_cannot_cancel_an_order(make_person):
    other = make_person("nosy@example.com", "shopper")
    with pytest.raises(PermissionDenied):
        access_order_cancel(acting_user=other, order=_order_row(other.pk + 1000))


def test_a_visitor_cannot_see_a_stores_orders(stores):
    with pytest.raises(PermissionDenied):
        access_store_orders(acting_user=VISITOR, store=stores[0])


def test_an_inactive_clerk_cannot_see_a_stores_orders(stores, clerk):
    clerk.is_active = False
    with pytest.raises(PermissionDenied):
        access_store_orders(acting_user=clerk, store=stores[0])


def test_someone_from_another_store_cannot_work_its_shipments(shopper, stores, clerk, committed):
    order = _order(shopper, stores, committed)
    with pytest.raises(PermissionDenied):
        access_shipment_manage(acting_user=clerk, shipment=order.shipments.get(sequence=2))
    with pytest.raises(PermissionDenied):
        orders.shipment_accept(shipment=order.shipments.get(sequence=2), acting_user=clerk)


def test_the_buyer_cannot_work_their_own_shipment(shopper, stores, committed):
    order = _order(shopper, stores, committed)
    with pytest.raises(PermissionDenied):
        orders.shipment_refuse(
            shipment=order.shipments.get(sequence=1), reason="x", acting_user=shopper
        )


def test_another_person_cannot_cancel_through_the_service(shopper, stores, clerk, committed):
    order = _order(shopper, stores, committed, pay=False)
    with pytest.raises(PermissionDenied):
        orders.order_cancel(order=order, acting_user=clerk)
    assert Decimal(order.total) > 0
