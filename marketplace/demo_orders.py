"""The demo's orders, made through checkout and the order services on the offline
gateway: the demo shopper has orders in several states, the demo store person's bakery a
queue with something new, something to pack and something ready, and the shopper's cart
a few items. Loaded once: a reload finds the shopper's orders and writes nothing."""

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from core.demo import DemoSummary
from identity.models import User
from marketplace import orders
from marketplace.cart import cart_create, cart_line_add
from marketplace.checkout import checkout_start, order_payment_failed, order_payment_succeeded
from marketplace.gateways import GatewayEvent
from marketplace.models import (
    Cart,
    ListingStatus,
    Order,
    Store,
    Variant,
)
from marketplace.store_hours import express_refusals

SHOPPER = "shopper@demo.uniqc.coop"
STORE_PERSON = "store@demo.uniqc.coop"
BAKERY = "boulangerie-du-faubourg"
CHEESE = "fromagerie-saint-roch"
SPICES = "epices-the-vieux-port"  # a small supplier: the coop collects its QST


def _variants(store: Store, count: int) -> list[Variant]:
    return list(
        Variant.objects.filter(
            store=store, listing__status=ListingStatus.PUBLISHED, stock__gte=3
        ).order_by("pk")[:count]
    )


def _order(
    buyer: User,
    key: str,
    items: list[tuple[Variant, int]],
    speed: str,
    *,
    pickup_kind: str = "store_counter",
    pickup_reference: str = "",
) -> Order:
    cart = Cart.objects.filter(owner=buyer).first() or cart_create(owner=buyer)
    for variant, quantity in items:
        cart_line_add(cart=cart, variant_id=variant.pk, quantity=quantity, acting_user=buyer)
    return checkout_start(
        cart=cart,
        buyer=buyer,
        speed=speed,
        pickup_kind=pickup_kind,
        pickup_reference=pickup_reference,
        idempotency_key=key,
        acting_user=buyer,
    )


def _pay(order: Order) -> None:
    order_payment_succeeded(
        GatewayEvent(
            event_id=f"evt_demo_{order.number}",
            event_type="payment_intent.succeeded",
            created=0,
            intent_id=order.payment.intent_id,
            charge_id=f"ch_test_demo_{order.pk}",
        )
    )


def orders_demo_load(
    *, summary: DemoSummary, people: Mapping[str, User], stores: Mapping[str, Store]
) -> None:
    shopper = people[SHOPPER]
    if Order.objects.filter(buyer=shopper).exists():
        summary.count("orders", False)
        locker_order_demo_load(shopper=shopper, clerk=people[STORE_PERSON], bakery=stores[BAKERY])
        return
    clerk = people[STORE_PERSON]
    bakery, cheese, spices = stores[BAKERY], stores[CHEESE], stores[SPICES]
    b, c, s = _variants(bakery, 3), _variants(cheese, 2), _variants(spices, 1)

    # Picked up at the bakery; the spice shop (a small supplier) has not started yet.
    done = _order(shopper, "demo-order-0001", [(b[0], 2), (s[0], 1)], "standard")
    _pay(done)
    first = done.shipments.get(store=bakery)
    for step in (
        orders.shipment_accept,
        orders.shipment_pack,
        orders.shipment_ready,
        orders.shipment_picked_up,
    ):
        step(shipment=first, acting_user=clerk)

    # Refused by the bakery, with its reason: refunded.
    refused = _order(shopper, "demo-order-0006", [(b[2], 1)], "standard")
    _pay(refused)
    orders.shipment_refuse(
        shipment=refused.shipments.get(),
        reason="Rupture de stock, notre prochaine fournée est demain matin.",
        acting_user=clerk,
    )

    # Ready at the counter.
    # Express where the bakery can take it now (its hours, marketplace.store_hours): a
    # demo loaded at night or on its closed day orders standard instead.
    fast = "standard" if express_refusals([bakery], timezone.now()) else "express"
    ready = _order(shopper, "demo-order-0002", [(b[1], 1)], fast)
    _pay(ready)
    shipment = ready.shipments.get()
    for step in (orders.shipment_accept, orders.shipment_pack, orders.shipment_ready):
        step(shipment=shipment, acting_user=clerk)

    # To pack at the bakery; new at the cheese shop.
    to_pack = _order(shopper, "demo-order-0003", [(b[2], 1), (c[0], 1)], "standard")
    _pay(to_pack)
    orders.shipment_accept(shipment=to_pack.shipments.get(store=bakery), acting_user=clerk)

    # New at the bakery.
    new = _order(shopper, "demo-order-0004", [(b[0], 1)], fast)
    _pay(new)

    # Waiting for its payment on the offline gateway's test page (until its hold lapses).
    _order(shopper, "demo-order-0007", [(c[0], 1)], "standard")

    # A declined card: cancelled, its items back in the cart.
    declined = _order(shopper, "demo-order-0005", [(c[1], 1)], "standard")
    order_payment_failed(
        GatewayEvent(
            event_id=f"evt_demo_{declined.number}",
            event_type="payment_intent.payment_failed",
            created=0,
            intent_id=declined.payment.intent_id,
            failure_reason="Carte refusée (paiement de test).",
        )
    )
    locker_order_demo_load(shopper=shopper, clerk=clerk, bakery=bakery)
    # And one more item in the cart, for the cart page.
    cart = Cart.objects.get(owner=shopper)
    with transaction.atomic():
        cart_line_add(cart=cart, variant_id=b[1].pk, quantity=2, acting_user=shopper)
    summary.count("orders", True)


LOCKER_KEY = "demo-order-locker-0001"
LOCKER_SITE = "desjardins-saint-roch"


def locker_order_demo_load(*, shopper: User, clerk: User, bakery: Store) -> Order | None:
    """The demo shopper's order waiting in a locker (Desjardins Saint-Roch): paid, packed
    with its label, collected by the demo courier and deposited. Made once (its own key);
    without the demo site or courier, as far as they allow."""
    from lockers import services as lockers_services
    from lockers.demo import DEMO_COURIER_EMAIL
    from lockers.models import Site
    from marketplace.locker_orders import locker_collected, locker_placed
    from marketplace.parcels import parcel_fit, parcel_of_shipment

    if Order.objects.filter(buyer=shopper, checkout_key=LOCKER_KEY).exists():
        return None
    site = Site.objects.filter(slug=LOCKER_SITE, is_active=True).first()
    variant = next(
        (v for v in _variants(bakery, 5) if parcel_fit([(v.size_class, 1, v.weight_grams)]).fits),
        None,
    )
    if site is None or variant is None:
        return None
    # The cart's own lines wait aside: this order buys only the one item.
    cart = Cart.objects.filter(owner=shopper).first() or cart_create(owner=shopper)
    aside = list(cart.lines.values_list("variant_id", "quantity", "price_seen"))
    cart.lines.all().delete()
    order = _order(
        shopper,
        LOCKER_KEY,
        [(variant, 1)],
        "standard",
        pickup_kind="locker",
        pickup_reference=site.slug,
    )
    cart.lines.bulk_create(
        [cart.lines.model(cart=cart, variant_id=v, quantity=q, price_seen=p) for v, q, p in aside]
    )
    _pay(order)
    shipment = order.shipments.get()
    orders.shipment_accept(shipment=shipment, acting_user=clerk)
    orders.shipment_pack(shipment=shipment, acting_user=clerk)
    courier = User.objects.filter(email=DEMO_COURIER_EMAIL).first()
    parcel = parcel_of_shipment(shipment)
    if courier is None or parcel is None:
        return order
    lockers_services.parcel_pickup_from_store(parcel=parcel, courier=courier)
    locker_collected(shipment=shipment)
    deposit = lockers_services.parcel_deposit_begin(parcel=parcel, site=site, courier=courier)
    lockers_services.compartment_door_event(
        compartment=deposit.compartment,
        kind="closed",
        occupied=True,
        at=timezone.now(),
    )
    # lockers' signals move the shipment after the commit too; the moves are idempotent.
    locker_placed(shipment=shipment)
    return order
