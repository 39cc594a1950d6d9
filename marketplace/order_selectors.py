"""Reads of orders that carry rules, and who may act on an order or a shipment (the
access_* functions: one condition per line, each refusal tested)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet

from marketplace.models import (
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    Store,
    StoreStaff,
)
from marketplace.order_states import SHIPMENT_CANCELLABLE, SHIPMENT_ENDED
from marketplace.taxes import ZERO, FeeInvoice


def access_order_view(*, acting_user: Any, order: Order) -> None:
    """Raise PermissionDenied unless `acting_user` may read `order`: its buyer."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if order.buyer_id != acting_user.pk:
        raise PermissionDenied


def access_order_cancel(*, acting_user: Any, order: Order) -> None:
    """Raise PermissionDenied unless `acting_user` may cancel `order`: its buyer, still
    active."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.is_active:
        raise PermissionDenied
    if order.buyer_id != acting_user.pk:
        raise PermissionDenied


def access_store_orders(*, acting_user: Any, store: Store) -> None:
    """Raise PermissionDenied unless `acting_user` may see and work `store`'s orders: an
    active person who works there (owner or staff)."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.is_active:
        raise PermissionDenied
    if not StoreStaff.objects.filter(store=store, user=acting_user).exists():
        raise PermissionDenied


def access_shipment_manage(*, acting_user: Any, shipment: Shipment) -> None:
    """Raise PermissionDenied unless `acting_user` may accept, refuse, pack or hand over
    `shipment`: someone who works at its store."""
    access_store_orders(acting_user=acting_user, store=shipment.store)


def order_cancellable(order: Order, shipments: list[Shipment]) -> bool:
    """Whether the buyer may still cancel: placed, or paid with no store started on what
    is left of it (a shipment a store refused is over and does not count)."""
    if order.status == "placed":
        return True
    left = [s for s in shipments if s.status not in SHIPMENT_ENDED]
    return (
        order.status == "paid"
        and bool(left)
        and all(s.status in SHIPMENT_CANCELLABLE for s in left)
    )


def order_fee_invoice(order: Order, shipments: list[Shipment]) -> FeeInvoice:
    """The coop's pickup fee on `order` with its taxes, as charged: the order's taxes less
    its shipments' (checkout adds them up, nothing rounded again)."""
    return FeeInvoice(
        fee=order.fee,
        gst=order.gst - sum((s.gst for s in shipments), ZERO),
        qst=order.qst - sum((s.qst for s in shipments), ZERO),
    )


def orders_of(buyer: Any) -> QuerySet[Order]:
    """`buyer`'s orders, newest first, with their shipments and stores. Two queries."""
    return (
        Order.objects.filter(buyer=buyer)
        .prefetch_related(Prefetch("shipments", queryset=Shipment.objects.select_related("store")))
        .order_by("-placed_at", "-id")
    )


def order_detail(number: str) -> Order | None:
    """One order with everything its page shows: shipments, stores, lines, events,
    payment, refunds. A constant number of queries."""
    return (
        Order.objects.filter(number=number)
        .select_related("payment")
        .prefetch_related(
            Prefetch(
                "shipments",
                queryset=Shipment.objects.select_related("store").prefetch_related(
                    Prefetch("lines", queryset=OrderLine.objects.order_by("id"))
                ),
            ),
            Prefetch(
                "events",
                queryset=OrderEvent.objects.select_related("shipment").order_by("created_at", "id"),
            ),
            "refunds",
        )
        .first()
    )


# The retailer's queue: which shipment statuses each tab shows.
QUEUE_TABS = {
    "new": (ShipmentStatus.PAID,),
    "to_pack": (ShipmentStatus.ACCEPTED,),
    "ready": (ShipmentStatus.PACKED, ShipmentStatus.READY_FOR_PICKUP),
}


def store_queue(*, store: Store, tab: str) -> QuerySet[Shipment]:
    """`store`'s shipments in one tab of its queue, oldest first, with their order, buyer
    and lines. Three queries whatever their number."""
    return (
        Shipment.objects.filter(store=store, status__in=QUEUE_TABS[tab])
        .select_related("order", "order__buyer", "store")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        .order_by("order__paid_at", "id")
    )


def status_label(event: OrderEvent) -> str:
    """An event's new status in words: a shipment's or the order's."""
    choices = ShipmentStatus if event.shipment_id else OrderStatus
    try:
        return str(choices(event.to_status).label)
    except ValueError:
        return event.to_status
