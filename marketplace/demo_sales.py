"""The demo bakery's sales history, so that its sales dashboard draws a month: orders from
two demo people, paid over the last 30 days (most days one to three, a few days none),
each through checkout, the offline gateway's payment and the store's steps to picked up;
one refused and refunded. The baker restocks through the staff's own service as it goes
and puts each shelf back where it was, so the shop the demo shopper sees is unchanged.

Checkout stamps orders with the present moment; once an order is done its times (placed,
paid, and its timeline) are moved back to its day, the only write here that is not a
service's. Loaded once: a reload finds the first order by its key and writes nothing."""

import datetime
from collections.abc import Mapping

from django.db.models import F
from django.utils import timezone

from core.demo import DemoSummary
from identity.models import User
from marketplace import orders
from marketplace.cart import cart_create, cart_line_add
from marketplace.checkout import checkout_start, order_payment_succeeded
from marketplace.gateways import GatewayEvent
from marketplace.models import Cart, ListingStatus, Order, OrderEvent, Store, Variant
from marketplace.services import variant_update

BAKERY = "boulangerie-du-faubourg"
BAKER = "store@demo.uniqc.coop"
BUYERS = ("retailer@demo.uniqc.coop", "registrar@demo.uniqc.coop")
KEY = "demo-sales-{:04d}"
DAYS = 30
# Orders on each day of the week, Monday first: busier on Saturdays, none on Tuesdays and
# Wednesdays (every demo load, in each browser test too, makes them: a month of them, kept few).
ORDERS_PER_WEEKDAY = (1, 0, 0, 1, 1, 2, 1)
REFUSED_DAYS_AGO = 12


def _ordered_items(variants: list[Variant], n: int) -> list[tuple[Variant, int]]:
    """One or two of the bakery's variants, one to three of each, varying with `n`."""
    first = variants[n % len(variants)]
    items = [(first, 1 + n % 3)]
    if n % 2 and len(variants) > 1:
        items.append((variants[(n + 2) % len(variants)], 1 + n % 2))
    return items


def _restock(variant: Variant, quantity: int, baker: User) -> None:
    variant.refresh_from_db()
    if variant.stock < quantity:
        variant_update(
            variant=variant, acting_user=baker, stock=variant.stock + 20, stock_seen=variant.stock
        )


def _sale(
    *, n: int, buyer: User, items: list[tuple[Variant, int]], paid_at: datetime.datetime
) -> Order:
    cart = Cart.objects.filter(owner=buyer).first() or cart_create(owner=buyer)
    for variant, quantity in items:
        cart_line_add(cart=cart, variant_id=variant.pk, quantity=quantity, acting_user=buyer)
    order = checkout_start(
        cart=cart,
        buyer=buyer,
        speed="standard",
        pickup_kind="store_counter",
        idempotency_key=KEY.format(n),
        acting_user=buyer,
    )
    order = Order.objects.select_related("payment").get(pk=order.pk)
    order_payment_succeeded(
        GatewayEvent(
            event_id=f"evt_demo_{order.number}",
            event_type="payment_intent.succeeded",
            created=0,
            intent_id=order.payment.intent_id,
            charge_id=f"ch_test_demo_{order.pk}",
        )
    )
    return order


def _moved_back(order: Order, paid_at: datetime.datetime) -> None:
    order.refresh_from_db()
    shift = order.paid_at - paid_at
    Order.objects.filter(pk=order.pk).update(
        placed_at=F("placed_at") - shift, paid_at=F("paid_at") - shift
    )
    OrderEvent.objects.filter(order=order).update(created_at=F("created_at") - shift)


def sales_demo_load(
    *, summary: DemoSummary, people: Mapping[str, User], stores: Mapping[str, Store]
) -> None:
    if Order.objects.filter(checkout_key=KEY.format(1)).exists():
        summary.count("demo sales", False)
        return
    bakery, baker = stores[BAKERY], people[BAKER]
    buyers = [people[email] for email in BUYERS]
    variants = list(
        Variant.objects.filter(store=bakery, listing__status=ListingStatus.PUBLISHED).order_by("pk")
    )
    if not variants:
        return
    shelf = {variant.pk: variant.stock for variant in variants}
    zone = timezone.get_default_timezone()
    today = timezone.localdate()
    n = 0
    # The first order from REFUSED_DAYS_AGO on is refused, whatever the weekdays.
    refused = False
    for days_ago in range(DAYS - 1, 0, -1):
        day = today - datetime.timedelta(days=days_ago)
        for _k in range(ORDERS_PER_WEEKDAY[day.weekday()]):
            n += 1
            items = _ordered_items(variants, n)
            for variant, quantity in items:
                _restock(variant, quantity, baker)
            paid_at = datetime.datetime.combine(
                day, datetime.time(9 + (n * 5) % 10, (n * 17) % 60), tzinfo=zone
            )
            order = _sale(n=n, buyer=buyers[n % len(buyers)], items=items, paid_at=paid_at)
            shipment = order.shipments.get()
            if not refused and days_ago <= REFUSED_DAYS_AGO:
                refused = True
                orders.shipment_refuse(
                    shipment=shipment,
                    reason="Four en panne ce matin, nous ne pouvons pas cuire votre commande.",
                    acting_user=baker,
                )
            else:
                for step in (
                    orders.shipment_accept,
                    orders.shipment_pack,
                    orders.shipment_ready,
                    orders.shipment_picked_up,
                ):
                    step(shipment=shipment, acting_user=baker)
            _moved_back(order, paid_at)
    # The shelves as they were before this history: the demo shop looks the same.
    for variant in variants:
        variant.refresh_from_db()
        if variant.stock != shelf[variant.pk]:
            variant_update(
                variant=variant,
                acting_user=baker,
                stock=shelf[variant.pk],
                stock_seen=variant.stock,
            )
    summary.count("demo sales", True)
