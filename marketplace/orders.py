"""Every write to an order after checkout: the shopper's cancel, the store's accept,
refuse, pack, ready and handed over, and the money that follows (transfers to the stores,
refunds and transfer reversals).

Money moves in two steps: a row with its idempotency key is written in the transaction
that decides (Transfer, Refund), then a Celery task calls the gateway after the commit,
with no lock held, sending the stored key (a retry sends it again), and records the
gateway's id. Rules:

- a paid shipment's store receives `shipment.payout` (transfer_group = the order's
  number, source = the charge); a shipment refused or cancelled before its transfer is
  never paid out, and one paid out is reversed in full;
- a refused shipment refunds its invoice; when no shipment of the order is left, the rest
  (the pickup fee with its taxes) is refunded too and the order is refunded;
- a refusal leaves the stock as the store says it is; a shopper's cancel puts the units
  back on the shelf, since no one started packing them.
"""

import logging
from typing import Any

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils.translation import gettext as _

from core.enqueue import enqueue_on_commit
from identity.audit import audit_record
from marketplace import lock_objects
from marketplace.checkout import locker_holds_release, order_release
from marketplace.errors import (
    LockerShipmentNotAtCounter,
    OrderNotCancellable,
    PaymentGatewayError,
    RefusalReasonRequired,
)
from marketplace.gateways import payment_gateway
from marketplace.models import (
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
    PayoutAccount,
    PickupKind,
    Refund,
    Shipment,
    ShipmentStatus,
    Transfer,
    Variant,
)
from marketplace.order_selectors import (
    access_order_cancel,
    access_shipment_manage,
    order_cancellable,
)
from marketplace.order_states import SHIPMENT_ENDED, order_move, shipment_move
from marketplace.search_cache import catalogue_changed

logger = logging.getLogger(__name__)

S = ShipmentStatus
# Shipments whose store is (or will be) paid; the others never get a transfer.
PAYABLE = frozenset({S.PAID, S.ACCEPTED, S.PACKED, S.WITH_COURIER, S.READY_FOR_PICKUP, S.PICKED_UP})
ENDED = SHIPMENT_ENDED
REFUSAL_REASON_MAX = 1000


# --- The shopper ----------------------------------------------------------------------


def order_cancel(*, order: Order, acting_user: Any) -> Order:
    """The buyer cancels: a placed order ends and its stock goes back; a paid order whose
    shipments no store has started is refunded in full, its units back on the shelf."""
    access_order_cancel(acting_user=acting_user, order=order)
    if order.status == OrderStatus.PLACED and order_release(
        order_id=order.pk,
        to=OrderStatus.CANCELLED,
        actor=acting_user,
        reason=_("Cancelled by the shopper."),
    ):
        from marketplace.tasks import send_order_email

        enqueue_on_commit(send_order_email, order.pk, "cancelled")
        order.refresh_from_db()
        return order
    _paid_order_cancel(order_id=order.pk, acting_user=acting_user)
    order.refresh_from_db()
    return order


@transaction.atomic
def _paid_order_cancel(*, order_id: int, acting_user: Any) -> None:
    """Cancel what is left of a paid order: its shipments still open are cancelled, their
    units go back on the shelf, and the rest of the payment is refunded (a shipment a
    store refused was refunded already and keeps its stock as the store said)."""
    lines = list(
        OrderLine.objects.filter(shipment__order_id=order_id).exclude(shipment__status__in=ENDED)
    )
    locked = lock_objects.variants_lock(line.variant_id for line in lines)
    order = lock_objects.order_lock(order_id)
    shipments = lock_objects.shipments_lock(order_id)
    payment = lock_objects.payment_lock(order_id)
    if not order_cancellable(order, shipments) or order.status != OrderStatus.PAID:
        raise OrderNotCancellable()
    reason = _("Cancelled by the shopper.")
    left = [shipment for shipment in shipments if shipment.status not in ENDED]
    for shipment in left:
        shipment_move(shipment=shipment, to=S.CANCELLED, actor=acting_user, reason=reason)
    locker_holds_release(order, sequences=[shipment.sequence for shipment in left])
    left_ids = {shipment.pk for shipment in left}
    deltas: dict[int, int] = {}
    for line in lines:
        if line.shipment_id not in left_ids:
            continue  # ended between the read and the lock
        deltas[line.variant_id] = deltas.get(line.variant_id, 0) + line.quantity
    # Units back on the shelf: a variant that had run out is in stock again for the
    # search (an UPDATE sends no post_save).
    if any(pk not in locked or locked[pk].stock <= 0 for pk in deltas):
        catalogue_changed()
    Variant.objects.filter(pk__in=list(deltas)).update(
        stock=F("stock")
        + Case(*(When(pk=pk, then=Value(q)) for pk, q in deltas.items()), default=Value(0))
    )
    _refund_record(
        order=order,
        payment=payment,
        shipment=None,
        amount=order.total - order.refunded_amount,
        reason=reason,
        actor=acting_user,
    )
    order_move(order=order, to=OrderStatus.REFUNDED, actor=acting_user, reason=reason)
    from marketplace.tasks import send_order_email

    enqueue_on_commit(send_order_email, order.pk, "cancelled")


def _refund_record(
    *,
    order: Order,
    payment: Payment | None,
    shipment: Shipment | None,
    amount: Any,
    reason: str,
    actor: Any,
) -> Refund | None:
    """Write a refund with its key, to be sent after the commit (refund_send)."""
    if payment is None or amount <= 0:
        return None
    count = Refund.objects.filter(order=order).count()
    refund = Refund.objects.create(
        order=order,
        shipment=shipment,
        gateway=payment.gateway,
        idempotency_key=f"{payment.idempotency_key}-refund-{count + 1}",
        amount=amount,
        reason=reason,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # The order is locked by the caller, so the sum is computed here, in Decimal: SQLite
    # adds decimals as floats (F() + 30.67 can land a hair over the total and break the
    # refund-within-total constraint).
    order.refunded_amount += amount
    Order.objects.filter(pk=order.pk).update(refunded_amount=order.refunded_amount)
    from marketplace.tasks import refund_send

    enqueue_on_commit(refund_send, refund.pk)
    return refund


# --- The store ------------------------------------------------------------------------


def _shipment_step(
    *, shipment: Shipment, to: str, acting_user: Any, reason: str = "", email: str = ""
) -> Shipment:
    access_shipment_manage(acting_user=acting_user, shipment=shipment)
    with transaction.atomic():
        order = lock_objects.order_lock(shipment.order_id)
        locked = lock_objects.shipment_lock(shipment.pk)
        if order.pickup_kind == PickupKind.LOCKER and to in (S.READY_FOR_PICKUP, S.PICKED_UP):
            raise LockerShipmentNotAtCounter()
        shipment_move(shipment=locked, to=to, actor=acting_user, reason=reason)
        if order.pickup_kind == PickupKind.LOCKER and to == S.PACKED:
            _parcel_ready(order=order, shipment=locked, acting_user=acting_user)
        audit_record(
            acting_user=acting_user,
            action=f"marketplace.shipment_{to}",
            target=locked,
            subject_user=order.buyer,
            detail={"order": order.number, "reason": reason} if reason else {"order": order.number},
        )
        if email:
            from marketplace.tasks import send_order_email

            enqueue_on_commit(send_order_email, order.pk, email, locked.pk)
    return locked


def _parcel_ready(*, order: Order, shipment: Shipment, acting_user: Any) -> None:
    """A packed locker shipment's parcel waits for a courier (lockers rows after ours)."""
    from lockers.services import parcel_ready
    from marketplace.parcels import parcel_of_shipment

    parcel = parcel_of_shipment(shipment)
    if parcel is None:
        logger.warning("locker shipment %s has no parcel", shipment.pk)
        return
    parcel_ready(parcel=parcel, acting_user=acting_user)


def shipment_accept(*, shipment: Shipment, acting_user: Any) -> Shipment:
    """The store takes a paid shipment on."""
    return _shipment_step(shipment=shipment, to=S.ACCEPTED, acting_user=acting_user)


def shipment_pack(*, shipment: Shipment, acting_user: Any) -> Shipment:
    """The store has packed an accepted shipment."""
    return _shipment_step(shipment=shipment, to=S.PACKED, acting_user=acting_user)


def shipment_ready(*, shipment: Shipment, acting_user: Any) -> Shipment:
    """A packed shipment waits at the store's counter; the shopper is told."""
    return _shipment_step(
        shipment=shipment, to=S.READY_FOR_PICKUP, acting_user=acting_user, email="ready"
    )


def shipment_picked_up(*, shipment: Shipment, acting_user: Any) -> Shipment:
    """The shopper took the shipment at the counter."""
    return _shipment_step(shipment=shipment, to=S.PICKED_UP, acting_user=acting_user)


def shipment_refuse(*, shipment: Shipment, reason: str, acting_user: Any) -> Shipment:
    """The store refuses a paid shipment, saying why: the shopper is refunded its invoice
    (and the rest of the order when nothing else is left of it), the store's transfer is
    reversed, and the shopper is told."""
    access_shipment_manage(acting_user=acting_user, shipment=shipment)
    reason = (reason or "").strip()
    if not reason:
        raise RefusalReasonRequired()
    reason = reason[:REFUSAL_REASON_MAX]
    with transaction.atomic():
        order = lock_objects.order_lock(shipment.order_id)
        shipments = lock_objects.shipments_lock(order.pk)
        payment = lock_objects.payment_lock(order.pk)
        locked = next(s for s in shipments if s.pk == shipment.pk)
        shipment_move(shipment=locked, to=S.REFUSED, actor=acting_user, reason=reason)
        locker_holds_release(order, sequences=[locked.sequence])
        others_left = any(s.status not in ENDED for s in shipments if s.pk != locked.pk)
        amount = locked.total if others_left else order.total - order.refunded_amount
        _refund_record(
            order=order,
            payment=payment,
            shipment=locked,
            amount=amount,
            reason=reason,
            actor=acting_user,
        )
        if not others_left and order.status == OrderStatus.PAID:
            order_move(order=order, to=OrderStatus.REFUNDED, actor=acting_user, reason=reason)
        audit_record(
            acting_user=acting_user,
            action="marketplace.shipment_refused",
            target=locked,
            subject_user=order.buyer,
            detail={"order": order.number, "reason": reason},
        )
        from marketplace.tasks import send_order_email

        enqueue_on_commit(send_order_email, order.pk, "refused", locked.pk)
    return locked


# --- Money, after the commit ----------------------------------------------------------


@transaction.atomic
def transfers_prepare(*, order_id: int) -> list[int]:
    """Write one transfer row, with its key, for each payable shipment of a paid order
    that has none and whose store has a payout account; the ids of the transfers not
    yet sent."""
    order = lock_objects.order_lock(order_id)
    shipments = lock_objects.shipments_lock(order_id)
    transfers = lock_objects.transfers_lock(s.pk for s in shipments)
    if order.status != OrderStatus.PAID:
        return [t.pk for t in transfers.values() if not t.transfer_id]
    accounts = {
        account.store_id: account
        for account in PayoutAccount.objects.filter(store_id__in=[s.store_id for s in shipments])
    }
    for shipment in shipments:
        if shipment.pk in transfers or shipment.status not in PAYABLE:
            continue
        account = accounts.get(shipment.store_id)
        if account is None:
            logger.warning("store %s has no payout account: transfer waits", shipment.store_id)
            continue
        transfers[shipment.pk] = Transfer.objects.create(
            shipment=shipment,
            gateway=account.gateway,
            idempotency_key=f"transfer-{order.number}-{shipment.sequence}-{shipment.pk}",
            destination=account.account_id,
            amount=shipment.payout,
        )
    return [t.pk for t in transfers.values() if not t.transfer_id]


def transfer_send(*, transfer_id: int) -> str:
    """Send one transfer to the gateway with its stored key (no lock held) and record its
    id; returns the gateway's id. Sending again sends the same key."""
    transfer = Transfer.objects.select_related("shipment__order__payment").get(pk=transfer_id)
    if transfer.transfer_id:
        return transfer.transfer_id
    order = transfer.shipment.order
    gateway_id = payment_gateway(transfer.gateway).transfer_create(
        destination=transfer.destination,
        amount=transfer.amount,
        currency=order.currency,
        transfer_group=order.number,
        source_charge=order.payment.charge_id,
        idempotency_key=transfer.idempotency_key,
    )
    Transfer.objects.filter(pk=transfer.pk, transfer_id="").update(transfer_id=gateway_id)
    return gateway_id


def refund_execute(*, refund_id: int) -> None:
    """Send a refund with its stored key (no lock held), record its id, move its ended
    shipments to refunded, and reverse their stores' transfers in full."""
    refund = Refund.objects.select_related("order__payment").get(pk=refund_id)
    payment = refund.order.payment
    gateway = payment_gateway(refund.gateway)
    if not refund.refund_id:
        gateway_id = gateway.refund_create(
            intent_id=payment.intent_id,
            amount=refund.amount,
            idempotency_key=refund.idempotency_key,
        )
        Refund.objects.filter(pk=refund.pk, refund_id="").update(refund_id=gateway_id)
    shipments = (
        [refund.shipment_id]
        if refund.shipment_id
        else list(Shipment.objects.filter(order=refund.order).values_list("pk", flat=True))
    )
    for transfer in Transfer.objects.filter(shipment_id__in=shipments, reversed_amount=0):
        shipment = Shipment.objects.get(pk=transfer.shipment_id)
        if shipment.status not in ENDED:
            continue
        sent_id = transfer_send(transfer_id=transfer.pk)
        gateway.transfer_reverse(
            transfer_id=sent_id,
            amount=transfer.amount,
            idempotency_key=f"{transfer.idempotency_key}-reversal",
        )
        Transfer.objects.filter(pk=transfer.pk, reversed_amount=0).update(
            reversed_amount=transfer.amount
        )
    with transaction.atomic():
        lock_objects.order_lock(refund.order_id)
        for shipment in lock_objects.shipments_lock(refund.order_id):
            if shipment.pk in shipments and shipment.status in (S.REFUSED, S.CANCELLED):
                shipment_move(shipment=shipment, to=S.REFUNDED, reason=_("Refunded."))


def payment_cancel_execute(*, payment_id: int) -> None:
    """Cancel a payment that will not be needed at the gateway (no lock held). A gateway
    that refuses (the payment succeeded meanwhile) is logged: the success handler refunds."""
    payment = Payment.objects.get(pk=payment_id)
    if not payment.intent_id or payment.status == PaymentStatus.SUCCEEDED:
        return
    try:
        payment_gateway(payment.gateway).payment_cancel(
            intent_id=payment.intent_id, idempotency_key=f"{payment.idempotency_key}-cancel"
        )
    except PaymentGatewayError:
        logger.warning("payment %s could not be cancelled at the gateway", payment.pk)
