"""Taxes on a store's invoice, hand-computed (rounding half up to the cent, on the
invoice's pre-tax total), with the coop's commission and the store's payout."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.models import TaxCollector
from marketplace.taxes import fee_invoice, order_totals, store_invoice

D = Decimal
STORE, COOP, NONE = TaxCollector.STORE, TaxCollector.COOP, TaxCollector.NONE

# subtotal, small supplier → gst, qst, total, gst by, qst by, commission (8 %), payout
INVOICES = [
    # FACTS.md: 100 $ → 5.00 + 9.98 (9.975 rounds up).
    ("100.00", False, "5.00", "9.98", "114.98", STORE, STORE, "8.00", "106.98"),
    # GST 0.505 → 0.51 (half a cent goes up); QST 1.007475 → 1.01; commission 0.808 → 0.81.
    ("10.10", False, "0.51", "1.01", "11.62", STORE, STORE, "0.81", "10.81"),
    # GST 0.005 → 0.01; QST 0.009975 → 0.01; commission 0.008 → 0.01.
    ("0.10", False, "0.01", "0.01", "0.12", STORE, STORE, "0.01", "0.11"),
    # GST 0.225 → 0.23; QST 0.448875 → 0.45; commission 0.36.
    ("4.50", False, "0.23", "0.45", "5.18", STORE, STORE, "0.36", "4.82"),
    # QST 1.995 → 2.00 (half a cent on the QST).
    ("20.00", False, "1.00", "2.00", "23.00", STORE, STORE, "1.60", "21.40"),
    # Commission 0.024 → 0.02; GST 0.015 → 0.02; QST 0.029925 → 0.03.
    ("0.30", False, "0.02", "0.03", "0.35", STORE, STORE, "0.02", "0.33"),
    # Small supplier: no GST; the coop collects the QST and keeps it from the payout.
    ("100.00", True, "0.00", "9.98", "109.98", NONE, COOP, "8.00", "92.00"),
    ("4.50", True, "0.00", "0.45", "4.95", NONE, COOP, "0.36", "4.14"),
    ("1234.50", True, "0.00", "123.14", "1357.64", NONE, COOP, "98.76", "1135.74"),
]


@pytest.mark.parametrize(
    ("subtotal", "small", "gst", "qst", "total", "gst_by", "qst_by", "commission", "payout"),
    INVOICES,
)
def test_invoice_by_hand(subtotal, small, gst, qst, total, gst_by, qst_by, commission, payout):
    invoice = store_invoice(subtotal=D(subtotal), small_supplier=small, rate=D("0.08"))
    assert invoice.gst == D(gst)
    assert invoice.qst == D(qst)
    assert invoice.total == D(total)
    assert (invoice.gst_collected_by, invoice.qst_collected_by) == (gst_by, qst_by)
    assert invoice.commission == D(commission)
    assert invoice.payout == D(payout)


def test_taxes_are_computed_on_the_invoice_total_not_per_line():
    # Three lines of 0.10 $: per line the GST would be 3 times 0.01; on the invoice it is 0.02.
    invoice = store_invoice(subtotal=D("0.10") * 3, small_supplier=False, rate=D("0.08"))
    assert invoice.gst == D("0.02")


def test_the_pickup_fee_is_per_shipment_and_taxed_by_the_coop(settings):
    settings.MARKETPLACE_PICKUP_FEES = {"express": "6.99", "standard": "2.99"}
    fee = fee_invoice(speed="express", shipments=2)
    # 13.98 → GST 0.699 → 0.70; QST 1.394505 → 1.39.
    assert (fee.fee, fee.gst, fee.qst, fee.total) == (D("13.98"), D("0.70"), D("1.39"), D("16.07"))


def test_order_totals_add_the_invoices_and_the_fee(settings):
    settings.MARKETPLACE_PICKUP_FEES = {"express": "6.99", "standard": "2.99"}
    a = store_invoice(subtotal=D("100.00"), small_supplier=False, rate=D("0.08"))
    b = store_invoice(subtotal=D("4.50"), small_supplier=True, rate=D("0.08"))
    totals = order_totals([a, b], fee_invoice(speed="standard", shipments=2))
    # Fee 5.98 → GST 0.299 → 0.30, QST 0.596505 → 0.60.
    assert totals.goods_subtotal == D("104.50")
    assert totals.fee == D("5.98")
    assert totals.gst == D("5.00") + D("0.00") + D("0.30")
    assert totals.qst == D("9.98") + D("0.45") + D("0.60")
    assert totals.total == D("104.50") + D("5.98") + D("5.30") + D("11.03")


cents = st.integers(min_value=1, max_value=10_000_000).map(lambda c: D(c) / 100)


@given(subtotal=cents, small=st.booleans(), rate=st.sampled_from(["0", "0.08", "0.125"]))
def test_an_invoice_always_adds_up(subtotal, small, rate):
    invoice = store_invoice(subtotal=subtotal, small_supplier=small, rate=D(rate))
    assert invoice.total == invoice.subtotal + invoice.gst + invoice.qst
    kept_by_coop = invoice.commission + (invoice.qst if invoice.qst_collected_by == COOP else 0)
    assert invoice.payout + kept_by_coop == invoice.total
    assert invoice.payout >= 0
    for amount in (invoice.gst, invoice.qst, invoice.commission, invoice.payout):
        assert amount == amount.quantize(D("0.01"))
    # Each tax is within half a cent of the exact amount.
    assert abs(invoice.qst - subtotal * D("0.09975")) <= D("0.005")


@given(
    subtotals=st.lists(cents, min_size=1, max_size=6),
    shipments_speed=st.sampled_from(["express", "standard"]),
)
def test_an_order_always_adds_up(subtotals, shipments_speed):
    invoices = [
        store_invoice(subtotal=s, small_supplier=i % 2 == 0) for i, s in enumerate(subtotals)
    ]
    totals = order_totals(invoices, fee_invoice(speed=shipments_speed, shipments=len(invoices)))
    assert totals.total == totals.goods_subtotal + totals.fee + totals.gst + totals.qst
    assert totals.goods_subtotal == sum(i.subtotal for i in invoices)
