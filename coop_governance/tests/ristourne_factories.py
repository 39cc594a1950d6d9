"""Test data for ristournes: marketplace orders as checkout leaves them once paid (and
refunds as the order services write them), dated where a test needs them. Rows are written
directly: the ristourne computation reads them, and the checkout's own tests cover how
they are made."""

import datetime
import itertools
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from marketplace.models import Order, OrderStatus, Refund, Shipment, ShipmentStatus

QUEBEC = ZoneInfo("America/Toronto")
GST, QST = Decimal("0.05"), Decimal("0.09975")
_numbers = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    """An instant in Québec's time."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=QUEBEC)


def _tax(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def order_make(
    buyer: Any,
    store: Any,
    paid_at: datetime.datetime,
    goods: list[str],
    *,
    fee: str = "0.00",
    status: str = OrderStatus.PAID,
) -> Order:
    """An order of `buyer` paid at `paid_at`, one shipment per amount in `goods` (goods
    before taxes) from `store`, with GST and QST on each invoice and on the fee."""
    n = next(_numbers)
    subtotals = [Decimal(amount) for amount in goods]
    fee_amount = Decimal(fee)
    gst = sum((_tax(s, GST) for s in subtotals), _tax(fee_amount, GST))
    qst = sum((_tax(s, QST) for s in subtotals), _tax(fee_amount, QST))
    order = Order.objects.create(
        number=f"UQ-T-{n:06d}",
        buyer=buyer,
        status=status,
        speed="standard",
        pickup_kind="store_counter",
        goods_subtotal=sum(subtotals, Decimal("0.00")),
        fee=fee_amount,
        gst=gst,
        qst=qst,
        total=sum(subtotals, Decimal("0.00")) + fee_amount + gst + qst,
        checkout_key=f"test-{n}",
        checkout_fingerprint="0" * 64,
        reserved_until=paid_at,
        placed_at=paid_at,
        paid_at=None if status == OrderStatus.PLACED else paid_at,
    )
    for sequence, subtotal in enumerate(subtotals, start=1):
        s_gst, s_qst = _tax(subtotal, GST), _tax(subtotal, QST)
        store_for_shipment = store[sequence - 1] if isinstance(store, list) else store
        Shipment.objects.create(
            order=order,
            sequence=sequence,
            store=store_for_shipment,
            status=ShipmentStatus.PICKED_UP if status == OrderStatus.PAID else status,
            subtotal=subtotal,
            gst=s_gst,
            qst=s_qst,
            total=subtotal + s_gst + s_qst,
            gst_collected_by="store",
            qst_collected_by="store",
            commission=Decimal("0.00"),
            payout=subtotal + s_gst + s_qst,
        )
    return order


def refund_make(order: Order, amount: str, *, sequence: int | None = None) -> Refund:
    """A refund of `amount` (taxes included) on one shipment, or on the whole order."""
    shipment = order.shipments.get(sequence=sequence) if sequence else None
    count = Refund.objects.filter(order=order).count()
    refund = Refund.objects.create(
        order=order,
        shipment=shipment,
        gateway="offline",
        idempotency_key=f"{order.number}-refund-{count + 1}",
        amount=Decimal(amount),
    )
    Order.objects.filter(pk=order.pk).update(refunded_amount=order.refunded_amount + refund.amount)
    order.refresh_from_db()
    return refund
