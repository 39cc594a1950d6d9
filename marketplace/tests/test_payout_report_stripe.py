"""The payouts report reconciles with Stripe: real orders run end to end through the
Stripe adapter against the fake Stripe server (marketplace/tests/fake_stripe.py) —
onboarding, checkout, the signed `payment_intent.succeeded` posted to our webhook, the
transfers, a store refusing its shipment (a refund of that shipment and a reversal), a
shopper cancelling the rest of a paid order (a refund of part of the charge) — and each
store's report totals equal, to the cent, the fake's own record of the transfers and
reversals of that store's connected account."""

from decimal import Decimal

import pytest

from marketplace.checkout import checkout_start
from marketplace.models import Order, Shipment
from marketplace.orders import order_cancel, shipment_refuse
from marketplace.payout_report import CSV_COLUMNS, month_parse, payout_report, payout_report_csv
from marketplace.tests.shop import cart_fill, stocked
from marketplace.tests.stripe_shop import cents, deliver, stores_on_stripe

pytestmark = pytest.mark.django_db


@pytest.fixture
def stores(fake_stripe, make_store, make_person, client, django_capture_on_commit_callbacks):
    return stores_on_stripe(
        fake_stripe=fake_stripe,
        make_store=make_store,
        make_person=make_person,
        client=client,
        committed=lambda: django_capture_on_commit_callbacks(execute=True),
    )


def test_the_reports_net_totals_equal_the_stripe_transfers_less_reversals(
    client, fake_stripe, stores, shopper, django_capture_on_commit_callbacks
):
    epicerie, fromagerie = stores
    a = stocked(epicerie, stock=20, price="12.35")
    b = stocked(fromagerie, stock=20, price="7.99")

    def paid(key: str, items) -> Order:
        cart = cart_fill(shopper, items)
        order = checkout_start(
            cart=cart,
            buyer=shopper,
            speed="express",
            pickup_kind="store_counter",
            idempotency_key=key,
            acting_user=shopper,
        )
        intent = fake_stripe.intent_confirm(order.payment.intent_id)
        with django_capture_on_commit_callbacks(execute=True):
            assert deliver(client, fake_stripe, "payment_intent.succeeded", intent).json() == {
                "received": True,
                "status": "processed",
            }
        order.refresh_from_db()
        return order

    # 1. The grocer refuses its shipment: that shipment is refunded, its transfer reversed.
    refused = paid("stripe-report-1", [(a[0], 2), (b[0], 1)])
    with django_capture_on_commit_callbacks(execute=True):
        shipment_refuse(
            shipment=Shipment.objects.get(order=refused, store=epicerie),
            reason="Rupture de stock.",
            acting_user=epicerie.owner,
        )
    # 2. The cheese shop refuses; the shopper cancels the rest: the rest of the charge is
    #    refunded and the grocer's transfer reversed.
    cancelled = paid("stripe-report-2", [(a[1], 1), (b[1], 3)])
    with django_capture_on_commit_callbacks(execute=True):
        shipment_refuse(
            shipment=Shipment.objects.get(order=cancelled, store=fromagerie),
            reason="Fermé pour la journée.",
            acting_user=fromagerie.owner,
        )
    cancelled.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=cancelled, acting_user=shopper)
    # 3. Kept by both.
    paid("stripe-report-3", [(a[2], 3), (b[2], 2)])

    charges = [fake_stripe.charges[i["latest_charge"]] for i in fake_stripe.intents.values()]
    assert len(fake_stripe.refunds) == 3
    assert sum(c["amount_refunded"] for c in charges) == sum(
        r["amount"] for r in fake_stripe.refunds.values()
    )
    assert all(0 < c["amount_refunded"] < c["amount"] for c in charges[:1])  # partial

    month = month_parse(None)
    for store, reversed_count in ((epicerie, 2), (fromagerie, 1)):
        report = payout_report(store=store, period=month)
        assert len(report.rows) == 3
        at_stripe = [
            t for t in fake_stripe.transfers.values() if t["destination"] == store.account_id
        ]
        reversals = [
            r
            for r in fake_stripe.reversals.values()
            if fake_stripe.transfers[r["transfer"]]["destination"] == store.account_id
        ]
        assert len(at_stripe) == 3
        assert len(reversals) == reversed_count
        assert {row.transfer_id for row in report.rows} == {t["id"] for t in at_stripe}
        assert cents(report.totals.transferred) == sum(t["amount"] for t in at_stripe)
        assert cents(report.totals.reversed) == sum(r["amount"] for r in reversals)
        assert cents(report.totals.net) == sum(
            t["amount"] - t["amount_reversed"] for t in at_stripe
        )
        # Row by row too: each shipment's net is its transfer's, less its reversal.
        by_id = {t["id"]: t for t in at_stripe}
        for row in report.rows:
            sent = by_id[row.transfer_id]
            assert cents(row.net) == sent["amount"] - sent["amount_reversed"]
            assert cents(row.payout) == sent["amount"]
            assert row.payment_fees == Decimal("0.00")
        # The CSV's net column adds up to the same cents.
        lines = payout_report_csv(report).decode("utf-8-sig").splitlines()[1:]
        assert sum(
            cents(Decimal(line.split(",")[CSV_COLUMNS.index("net")])) for line in lines
        ) == cents(report.totals.net)
    # Only the kept order pays anything in the end.
    kept_net = sum(
        (payout_report(store=s, period=month).totals.net for s in stores), Decimal("0.00")
    )
    assert kept_net > 0
