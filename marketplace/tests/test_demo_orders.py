"""The demo's orders: several states for the demo shopper, a queue for the demo bakery."""

import pytest

from core.demo import DemoSummary
from core.tests.queries import no_writes
from identity import demo as identity_demo
from marketplace.demo import demo_load
from marketplace.models import Order, OrderStatus, Shipment, ShipmentStatus, Transfer

pytestmark = pytest.mark.django_db


def test_the_demo_shopper_has_orders_in_several_states(django_capture_on_commit_callbacks):
    people = identity_demo.demo_load(summary=DemoSummary())
    with django_capture_on_commit_callbacks(execute=True):
        demo_load(summary=DemoSummary(), people=people)
    mine = Order.objects.filter(buyer__email="shopper@demo.uniqc.coop")
    assert set(mine.values_list("status", flat=True)) == {
        # One waits for its payment on the offline gateway's test page.
        OrderStatus.PLACED,
        OrderStatus.PAID,
        OrderStatus.REFUNDED,
        OrderStatus.CANCELLED,
    }
    bakery = Shipment.objects.filter(store__slug="boulangerie-du-faubourg")
    assert {
        ShipmentStatus.PAID,
        ShipmentStatus.ACCEPTED,
        ShipmentStatus.READY_FOR_PICKUP,
        ShipmentStatus.PICKED_UP,
        ShipmentStatus.REFUNDED,
    } <= set(bakery.values_list("status", flat=True))
    assert Shipment.objects.filter(qst_collected_by="coop").exists()
    assert Transfer.objects.exists()
    with no_writes():
        demo_load(summary=DemoSummary(), people=people)


def test_the_demo_shopper_has_an_order_waiting_in_a_locker(django_capture_on_commit_callbacks):
    from lockers import demo as lockers_demo
    from lockers.models import Parcel, ParcelStatus

    people = identity_demo.demo_load(summary=DemoSummary())
    lockers_demo.demo_load(summary=DemoSummary())
    with django_capture_on_commit_callbacks(execute=True):
        demo_load(summary=DemoSummary(), people=people)
    order = Order.objects.get(checkout_key="demo-order-locker-0001")
    assert order.pickup_kind == "locker"
    assert order.shipments.get().status == ShipmentStatus.READY_FOR_PICKUP
    parcel = Parcel.objects.get(external_reference=f"{order.number}/1")
    assert parcel.status == ParcelStatus.IN_LOCKER
    with no_writes():
        demo_load(summary=DemoSummary(), people=people)
