"""Québec sales taxes on a store's invoice, the coop's pickup fee, and what each store
receives.

Rules (Revenu Québec; see docs and FACTS.md):

- GST 5 % and QST 9.975 %, each computed on the invoice's pre-tax total (not line by line)
  and rounded half up to the cent: 100 $ → 5.00 $ + 9.98 $.
- A store that is an unregistered small supplier charges no GST; the coop, as the
  distribution platform's operator, is deemed the supplier for the QST and collects it
  (QST Act s. 477.18.4). The invoice says who collects each tax.
- The pickup fee is the coop's own supply, billed on the order (`Order.fee`): one fee per
  shipment by speed, taxed (GST and QST on the fee total) and collected by the coop. It is
  not part of any store's invoice, so a store's payout never depends on it.
- The coop's commission is a rate of each store's pre-tax subtotal, rounded half up once;
  the store receives its invoice total less the QST the coop collects for it, less the
  commission.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from marketplace.models import TaxCollector

GST_RATE = Decimal("0.05")
QST_RATE = Decimal("0.09975")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_cent(amount: Decimal) -> Decimal:
    """`amount` rounded to the cent, half up: 0.005 $ or more goes up (Revenu Québec)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def commission_rate() -> Decimal:
    return Decimal(str(settings.MARKETPLACE_COMMISSION_RATE))


def pickup_fee(speed: str) -> Decimal:
    """The coop's pickup fee for one shipment at `speed`, before taxes."""
    return Decimal(str(settings.MARKETPLACE_PICKUP_FEES[speed]))


@dataclass(frozen=True)
class StoreInvoice:
    """One store's invoice within an order, and how its money is split."""

    subtotal: Decimal
    gst: Decimal
    qst: Decimal
    total: Decimal
    gst_collected_by: str
    qst_collected_by: str
    commission: Decimal
    payout: Decimal


def store_invoice(
    *, subtotal: Decimal, small_supplier: bool, rate: Decimal | None = None
) -> StoreInvoice:
    """The invoice of a store's `subtotal` (the sum of its lines, before taxes), with the
    taxes, who collects them, the coop's commission and the store's payout."""
    subtotal = to_cent(subtotal)
    rate = commission_rate() if rate is None else rate
    qst = to_cent(subtotal * QST_RATE)
    if small_supplier:
        gst = ZERO
        gst_by = TaxCollector.NONE
        qst_by = TaxCollector.COOP
    else:
        gst = to_cent(subtotal * GST_RATE)
        gst_by = TaxCollector.STORE
        qst_by = TaxCollector.STORE
    total = subtotal + gst + qst
    commission = to_cent(subtotal * rate)
    payout = total - (qst if qst_by == TaxCollector.COOP else ZERO) - commission
    return StoreInvoice(
        subtotal=subtotal,
        gst=gst,
        qst=qst,
        total=total,
        gst_collected_by=gst_by,
        qst_collected_by=qst_by,
        commission=commission,
        payout=payout,
    )


@dataclass(frozen=True)
class FeeInvoice:
    """The coop's pickup fee on an order: its own supply, taxed, collected by the coop."""

    fee: Decimal
    gst: Decimal
    qst: Decimal

    @property
    def total(self) -> Decimal:
        return self.fee + self.gst + self.qst


def fee_invoice(*, speed: str, shipments: int) -> FeeInvoice:
    """The pickup fee for `shipments` shipments at `speed`, taxed on its total."""
    fee = to_cent(pickup_fee(speed) * shipments)
    return FeeInvoice(fee=fee, gst=to_cent(fee * GST_RATE), qst=to_cent(fee * QST_RATE))


@dataclass(frozen=True)
class OrderTotals:
    goods_subtotal: Decimal
    fee: Decimal
    gst: Decimal
    qst: Decimal
    total: Decimal


def order_totals(invoices: Iterable[StoreInvoice], fee: FeeInvoice) -> OrderTotals:
    """The order's amounts: the sums of the stores' invoices plus the coop's fee invoice;
    nothing is rounded again."""
    invoices = list(invoices)
    goods = sum((invoice.subtotal for invoice in invoices), ZERO)
    gst = sum((invoice.gst for invoice in invoices), ZERO) + fee.gst
    qst = sum((invoice.qst for invoice in invoices), ZERO) + fee.qst
    return OrderTotals(
        goods_subtotal=goods, fee=fee.fee, gst=gst, qst=qst, total=goods + fee.fee + gst + qst
    )
