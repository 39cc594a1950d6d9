"""The only place in the marketplace that locks rows (select_for_update).

One global order, so that two transactions never wait on each other in a cycle:

    variants (primary-key order) → order-number counter → order → shipments (primary-key
    order) → payment → transfers (primary-key order)

A service that needs several of these takes them in this order, and re-reads what it
decides on after the lock (the functions here return fresh rows). When a service also
needs lockers rows (parcels, compartments, reservations: lockers/lock_objects.py), it takes
these marketplace rows first and the lockers rows after them. Nothing here calls
the outside world; callers never do while these locks are held.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import F

from marketplace.models import (
    Order,
    OrderNumberCounter,
    Payment,
    Shipment,
    Transfer,
    Variant,
)

if TYPE_CHECKING:
    from marketplace.models import WebhookDelivery


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("rows are locked inside the transaction that uses them")


def variants_lock(variant_ids: Iterable[int]) -> dict[int, Variant]:
    """Lock these variants in primary-key order, with their listing and store read in the
    same query; by id."""
    _require_transaction()
    rows = (
        Variant.objects.select_for_update(of=("self",))
        .select_related("listing", "store")
        .filter(pk__in=sorted(set(variant_ids)))
        .order_by("pk")
    )
    return {variant.pk: variant for variant in rows}


def order_number_next(year: int) -> int:
    """Take the next order number of `year`: the counter row is locked until the caller's
    transaction ends, so two checkouts never get the same number."""
    _require_transaction()
    OrderNumberCounter.objects.bulk_create([OrderNumberCounter(year=year)], ignore_conflicts=True)
    OrderNumberCounter.objects.filter(year=year).update(last=F("last") + 1)
    return OrderNumberCounter.objects.values_list("last", flat=True).get(year=year)


def order_lock(order_id: int) -> Order:
    """Lock one order and return it as it is now."""
    _require_transaction()
    return Order.objects.select_for_update().get(pk=order_id)


def shipments_lock(order_id: int) -> list[Shipment]:
    """Lock an order's shipments in primary-key order, with their store (take the order
    first)."""
    _require_transaction()
    return list(
        Shipment.objects.select_for_update(of=("self",))
        .select_related("store")
        .filter(order_id=order_id)
        .order_by("pk")
    )


def shipment_lock(shipment_id: int) -> Shipment:
    """Lock one shipment (take its order first)."""
    _require_transaction()
    return (
        Shipment.objects.select_for_update(of=("self",)).select_related("store").get(pk=shipment_id)
    )


def payment_lock(order_id: int) -> Payment | None:
    """Lock an order's payment, if it has one (take the order first)."""
    _require_transaction()
    return Payment.objects.select_for_update().filter(order_id=order_id).first()


def transfers_lock(shipment_ids: Iterable[int]) -> dict[int, Transfer]:
    """Lock the transfers of these shipments in primary-key order; by shipment id."""
    _require_transaction()
    rows = Transfer.objects.select_for_update().filter(shipment_id__in=list(shipment_ids))
    return {transfer.shipment_id: transfer for transfer in rows.order_by("pk")}


def webhook_delivery_due_lock(delivery_id: int, now: Any) -> "WebhookDelivery | None":
    """Lock one webhook delivery if it is pending and due at `now`, skipping it (None) when
    another transaction holds it: two sweeps never claim the same attempt. Not part of
    the order above: it is taken alone, in its own short transaction."""
    from marketplace.models import WebhookDelivery, WebhookDeliveryStatus

    _require_transaction()
    return (
        WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("endpoint")
        .filter(
            pk=delivery_id,
            status=WebhookDeliveryStatus.PENDING,
            next_attempt_at__lte=now,
            endpoint__enabled=True,
        )
        .first()
    )


def store_variants_lock(store_id: int, skus: Iterable[str]) -> dict[str, Variant]:
    """Lock `store`'s variants with these SKUs in primary-key order (a catalogue import);
    by SKU. One query, without their listings (an import of 10,000 rows reads only the
    variants)."""
    _require_transaction()
    rows = (
        Variant.objects.select_for_update()
        .filter(store_id=store_id, sku__in=list(skus))
        .order_by("pk")
    )
    return {variant.sku: variant for variant in rows}


def variants_lock_by_sku(*, store_id: int, skus: list[str]) -> dict[str, Variant]:
    """Lock `store_id`'s variants with these SKUs in primary-key order (a SKU the store
    does not have is absent); by SKU. One query whatever the number of SKUs."""
    _require_transaction()
    rows = (
        Variant.objects.select_for_update(of=("self",))
        .filter(store_id=store_id, sku__in=skus)
        .order_by("pk")
    )
    return {variant.sku: variant for variant in rows}
