"""A locker order's shipments follow their parcels: what lockers' signals do to them
(marketplace/receivers.py calls here), and what the shopper and the store do through
lockers (show the pickup code again, keep it 24 h more, print the label).

Each move is idempotent: a signal delivered twice finds the shipment already moved and
changes nothing. Marketplace rows are locked before lockers rows (lockers/lock_objects.py).

Refund policy (docs/payments.md, ADR 0006):
- a parcel not picked up in time (expired) refunds its shipment's invoice (the goods and
  their taxes), and its store's transfer is reversed; the pickup fee (with its taxes) is
  kept, even for the order's last shipment, since the coop carried the parcel there and
  back;
- a parcel returned to its store without ever waiting in a locker (damaged, no locker
  with room) refunds its invoice and its share of the pickup fee; the last shipment left
  of an order refunds everything not yet refunded.
"""

import logging
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from core.enqueue import enqueue_on_commit
from identity.audit import audit_record
from marketplace import lock_objects
from marketplace.errors import LockerActionRefused
from marketplace.models import Order, OrderStatus, PickupKind, Shipment, ShipmentStatus
from marketplace.order_states import SHIPMENT_ENDED, shipment_can_move, shipment_move
from marketplace.orders import _refund_record

logger = logging.getLogger(__name__)

S = ShipmentStatus


def is_locker_order(order: Order) -> bool:
    return order.pickup_kind == PickupKind.LOCKER


def _fee_share(order: Order) -> Decimal:
    """One shipment's share of the order's pickup fee with its taxes."""
    shipments = list(order.shipments.values_list("total", flat=True))
    fee_total = order.total - sum(shipments, Decimal(0))
    return (fee_total / max(len(shipments), 1)).quantize(Decimal("0.01"))


def _move(
    *,
    shipment_id: int,
    to: str,
    reason: str = "",
    email: str = "",
    refund: str = "",
) -> bool:
    """Move a locker shipment to `to` when its table allows it from where it is; False,
    changing nothing, when it is there already or past it (a signal sent twice)."""
    with transaction.atomic():
        shipment = Shipment.objects.get(pk=shipment_id)
        order = lock_objects.order_lock(shipment.order_id)
        shipments = lock_objects.shipments_lock(order.pk)
        payment = lock_objects.payment_lock(order.pk)
        locked = next(s for s in shipments if s.pk == shipment_id)
        path = [to]
        if to == S.READY_FOR_PICKUP and locked.status == S.PACKED:
            path = [S.WITH_COURIER, S.READY_FOR_PICKUP]
        if not shipment_can_move(locked, path[0]):
            return False
        for step in path:
            shipment_move(shipment=locked, to=step, reason=reason)
        if refund:
            others_left = any(
                s.status not in SHIPMENT_ENDED for s in shipments if s.pk != locked.pk
            )
            if refund == "goods":
                # The shopper's part: the coop carried the parcel there and back.
                amount = locked.total
            elif not others_left:
                amount = order.total - order.refunded_amount
            else:
                amount = locked.total + _fee_share(order)
            amount = min(amount, order.total - order.refunded_amount)
            _refund_record(
                order=order,
                payment=payment,
                shipment=locked,
                amount=amount,
                reason=reason,
                actor=None,
            )
        if email:
            from marketplace.tasks import send_locker_email

            enqueue_on_commit(send_locker_email, order.pk, email, locked.pk, {})
    return True


def locker_collected(*, shipment: Shipment) -> bool:
    """A courier took the parcel at the store."""
    return _move(shipment_id=shipment.pk, to=S.WITH_COURIER, reason=_("With the courier."))


def locker_placed(*, shipment: Shipment) -> bool:
    """The parcel is in its locker (the shopper's email with the code is the receiver's)."""
    return _move(shipment_id=shipment.pk, to=S.READY_FOR_PICKUP, reason=_("In the locker."))


def locker_picked_up(*, shipment: Shipment) -> bool:
    return _move(shipment_id=shipment.pk, to=S.PICKED_UP, reason=_("Picked up at the locker."))


def locker_expired(*, shipment: Shipment) -> bool:
    """Not picked up in time: the shipment's invoice is refunded, the fee kept."""
    return _move(
        shipment_id=shipment.pk,
        to=S.EXPIRED,
        reason=_("Not picked up in time: the items are refunded; the pickup fee is kept."),
        email="expired",
        refund="goods",
    )


def locker_returned(*, shipment: Shipment) -> bool:
    """Back at the store: after an expiry (refunded then), or without ever reaching a
    locker (refunded now, with its share of the fee)."""
    current = Shipment.objects.filter(pk=shipment.pk).values_list("status", flat=True).first()
    if current == S.EXPIRED:
        return _move(shipment_id=shipment.pk, to=S.RETURNED, reason=_("Back at the store."))
    return _move(
        shipment_id=shipment.pk,
        to=S.RETURNED,
        reason=_("The parcel could not be put in a locker: refunded in full."),
        email="returned",
        refund="goods_and_fee",
    )


# --- The shopper, on the order page ------------------------------------------------------


def access_locker_parcel_act(*, acting_user: Any, order: Order, shipment: Shipment) -> None:
    """Only the order's buyer acts on its parcels (show the code, keep it longer)."""
    if not getattr(acting_user, "is_authenticated", False):
        raise PermissionDenied
    if not acting_user.is_active:
        raise PermissionDenied
    if order.buyer_id != acting_user.pk:
        raise PermissionDenied
    if shipment.order_id != order.pk or not is_locker_order(order):
        raise PermissionDenied
    if order.status != OrderStatus.PAID:
        raise LockerActionRefused()


def locker_code_reissue(*, order: Order, shipment: Shipment, acting_user: Any) -> str:
    """A new pickup code for the buyer's parcel in its locker, shown once (the emailed
    code stops working)."""
    from lockers.errors import LockersError
    from lockers.services import parcel_pickup_code_reissue
    from marketplace.parcels import parcel_of_shipment

    access_locker_parcel_act(acting_user=acting_user, order=order, shipment=shipment)
    parcel = parcel_of_shipment(shipment)
    if parcel is None:
        raise LockerActionRefused()
    try:
        code = parcel_pickup_code_reissue(parcel=parcel, acting_user=acting_user)
    except LockersError as refused:
        raise LockerActionRefused(refused.message) from refused
    audit_record(
        acting_user=acting_user,
        action="marketplace.locker_code_shown",
        target=shipment,
        subject_user=acting_user,
        detail={"order": order.number},
    )
    return code


def locker_extend(*, order: Order, shipment: Shipment, acting_user: Any) -> Any:
    """Keep the buyer's parcel 24 h more, once."""
    from lockers.errors import LockersError
    from lockers.services import parcel_extend
    from marketplace.parcels import parcel_of_shipment

    access_locker_parcel_act(acting_user=acting_user, order=order, shipment=shipment)
    parcel = parcel_of_shipment(shipment)
    if parcel is None:
        raise LockerActionRefused()
    try:
        return parcel_extend(parcel=parcel, acting_user=acting_user)
    except LockersError as refused:
        raise LockerActionRefused(refused.message) from refused
