"""The order and shipment state machine: allowed moves record who and why; every other
move is refused; a move raced by another transaction is refused."""

import pytest
from django.db import transaction

from marketplace.errors import TransitionRefused
from marketplace.models import Order, OrderStatus, Shipment, ShipmentStatus
from marketplace.order_states import (
    ORDER_TRANSITIONS,
    SHIPMENT_TRANSITIONS,
    order_move,
    shipment_move,
)
from marketplace.tests.test_orders import _order, committed, stores  # noqa: F401


def test_every_status_has_a_row():
    assert set(ORDER_TRANSITIONS) == set(OrderStatus.values)
    assert set(SHIPMENT_TRANSITIONS) == set(ShipmentStatus.values)
    for targets in SHIPMENT_TRANSITIONS.values():
        assert targets <= set(ShipmentStatus.values)


@pytest.mark.parametrize(
    ("origin", "to"),
    [
        (o, t)
        for o in OrderStatus.values
        for t in OrderStatus.values
        if t not in ORDER_TRANSITIONS[o]
    ],
)
def test_an_impossible_order_move_is_refused(shopper, stores, committed, origin, to):  # noqa: F811
    order = _order(shopper, stores, committed, pay=False)
    Order.objects.filter(pk=order.pk).update(status=origin)
    order.status = origin
    with transaction.atomic(), pytest.raises(TransitionRefused):
        order_move(order=order, to=to)
    assert Order.objects.get(pk=order.pk).status == origin


def test_a_move_records_who_and_why(shopper, stores, committed):  # noqa: F811
    order = _order(shopper, stores, committed, pay=False)
    with transaction.atomic():
        order_move(order=order, to=OrderStatus.CANCELLED, actor=shopper, reason="Changé d’idée.")
    event = order.events.filter(shipment=None).last()
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        OrderStatus.PLACED,
        OrderStatus.CANCELLED,
        shopper,
        "Changé d’idée.",
    )


def test_a_move_from_a_stale_status_is_refused(shopper, stores, committed):  # noqa: F811
    order = _order(shopper, stores, committed, pay=False)
    stale = Order.objects.get(pk=order.pk)
    with transaction.atomic():
        order_move(order=order, to=OrderStatus.EXPIRED)
    with transaction.atomic(), pytest.raises(TransitionRefused):
        order_move(order=stale, to=OrderStatus.CANCELLED)


def test_a_refusal_keeps_its_reason(shopper, stores, committed):  # noqa: F811
    order = _order(shopper, stores, committed)
    shipment = order.shipments.get(sequence=1)
    with transaction.atomic():
        shipment_move(shipment=shipment, to=ShipmentStatus.REFUSED, reason="Fermé.")
    assert Shipment.objects.get(pk=shipment.pk).refusal_reason == "Fermé."


def test_a_shipment_cannot_skip_a_step(shopper, stores, committed):  # noqa: F811
    order = _order(shopper, stores, committed)
    shipment = order.shipments.get(sequence=1)
    with transaction.atomic(), pytest.raises(TransitionRefused):
        shipment_move(shipment=shipment, to=ShipmentStatus.PICKED_UP)
