"""Where an order and each of its shipments may go next, and the one way to move them.

An order's status follows its payment; a shipment's follows one store's part of it, from
the store's acceptance to the shopper's hands. Every move is a conditional UPDATE from the
status read (a concurrent move makes it fail, never both succeed) and an `OrderEvent` row
with who and why, in the caller's transaction; a shipment's move also writes the event
its store's webhook subscribed to (marketplace/webhooks.py). An impossible move raises
`TransitionRefused`.
"""

from typing import Any

from django.db import connection

from marketplace.errors import TransitionRefused
from marketplace.models import Order, OrderEvent, OrderStatus, Shipment, ShipmentStatus

OS = OrderStatus
S = ShipmentStatus

ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OS.PLACED: frozenset({OS.PAID, OS.CANCELLED, OS.EXPIRED}),
    # A paid order is refunded when every shipment is refused or cancelled.
    OS.PAID: frozenset({OS.REFUNDED}),
    OS.CANCELLED: frozenset(),
    OS.EXPIRED: frozenset(),
    OS.REFUNDED: frozenset(),
}

SHIPMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PLACED: frozenset({S.PAID, S.CANCELLED, S.EXPIRED}),
    S.PAID: frozenset({S.ACCEPTED, S.REFUSED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.PACKED, S.CANCELLED}),
    # At the store's counter a packed parcel is ready at once; for a locker, a courier
    # takes it there.
    S.PACKED: frozenset({S.WITH_COURIER, S.READY_FOR_PICKUP}),
    S.WITH_COURIER: frozenset({S.READY_FOR_PICKUP, S.RETURNED}),
    S.READY_FOR_PICKUP: frozenset({S.PICKED_UP, S.EXPIRED}),
    # Not picked up in time: the parcel goes back to the store and the shopper is refunded.
    S.EXPIRED: frozenset({S.RETURNED}),
    S.RETURNED: frozenset({S.REFUNDED}),
    S.REFUSED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset({S.REFUNDED}),
    S.PICKED_UP: frozenset(),
    S.REFUNDED: frozenset(),
}

# Shipments the shopper may still cancel (with a refund once paid): the store has not
# started packing.
SHIPMENT_CANCELLABLE = frozenset({S.PLACED, S.PAID})
# Shipments that are over without reaching the shopper: what they held is refunded (or
# will be), and they no longer stand in the way of cancelling the rest of the order.
SHIPMENT_ENDED = frozenset({S.REFUSED, S.CANCELLED, S.REFUNDED, S.EXPIRED, S.RETURNED})


def order_can_move(order: Order, to: str) -> bool:
    return to in ORDER_TRANSITIONS.get(order.status, frozenset())


def shipment_can_move(shipment: Shipment, to: str) -> bool:
    return to in SHIPMENT_TRANSITIONS.get(shipment.status, frozenset())


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("an order moves inside the transaction of the service that moves it")


def order_move(*, order: Order, to: str, actor: Any = None, reason: str = "") -> None:
    """Move `order` to `to` if its table allows it from the status read, recording who and
    why; refused when the table forbids it or another transaction moved it first."""
    _require_transaction()
    origin = order.status
    if not order_can_move(order, to):
        raise TransitionRefused()
    if not Order.objects.filter(pk=order.pk, status=origin).update(status=to):
        raise TransitionRefused()
    order.status = to
    OrderEvent.objects.create(
        order=order, from_status=origin, to_status=to, actor=_person(actor), reason=reason
    )


def shipment_move(*, shipment: Shipment, to: str, actor: Any = None, reason: str = "") -> None:
    """Move `shipment` to `to`, as `order_move` does for an order."""
    _require_transaction()
    origin = shipment.status
    if not shipment_can_move(shipment, to):
        raise TransitionRefused()
    updates: dict[str, Any] = {"status": to}
    if to == S.REFUSED:
        updates["refusal_reason"] = reason
    if not Shipment.objects.filter(pk=shipment.pk, status=origin).update(**updates):
        raise TransitionRefused()
    for field, value in updates.items():
        setattr(shipment, field, value)
    OrderEvent.objects.create(
        order_id=shipment.order_id,
        shipment=shipment,
        from_status=origin,
        to_status=to,
        actor=_person(actor),
        reason=reason,
    )
    # The store's webhook hears of the moves it subscribed to, in this same transaction.
    from marketplace.webhooks import shipment_moved

    shipment_moved(shipment=shipment, origin=origin, to=to)


def _person(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None
