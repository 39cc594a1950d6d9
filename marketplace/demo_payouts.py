"""The demo's payouts: each paid demo order's transfers are sent and its refunds carried
out now, through the order services (marketplace.orders) on the offline gateway, so that
the demo store's payouts report shows transfers, a refund and a reversal as soon as the
demo is loaded, whether or not a Celery worker has run the tasks yet. One more demo order
(bakery and cheese shop) is paid, transferred, then refused by the bakery: a reversal.

Idempotent: only what is still owed is sent (a transfer or refund is found by its stored
key and sent once); a second load writes nothing and locks nothing."""

from collections.abc import Mapping

from django.db.models import Exists, OuterRef, Q

from core.demo import DemoSummary
from identity.models import User
from marketplace.cart import cart_create
from marketplace.demo_orders import BAKERY, CHEESE, SHOPPER, STORE_PERSON, _order, _pay, _variants
from marketplace.models import Cart, Order, OrderStatus, Refund, Shipment, Store, Transfer
from marketplace.order_states import SHIPMENT_ENDED
from marketplace.orders import (
    PAYABLE,
    refund_execute,
    shipment_refuse,
    transfer_send,
    transfers_prepare,
)

REFUSED_AFTER_TRANSFER_KEY = "demo-order-payout-0001"


def payouts_demo_load(
    *, summary: DemoSummary, people: Mapping[str, User], stores: Mapping[str, Store]
) -> None:
    """Send the transfers and carry out the refunds the demo stores' paid orders owe."""
    _refused_after_transfer(people=people, stores=stores)
    orders = Order.objects.filter(
        shipments__store__in=list(stores.values()), paid_at__isnull=False
    ).distinct()
    transfers = Transfer.objects.filter(shipment__order__in=orders)
    before = set(transfers.values_list("pk", flat=True))
    untransferred = Shipment.objects.filter(
        order=OuterRef("pk"), status__in=PAYABLE, transfer__isnull=True
    )
    unsent = Transfer.objects.filter(shipment__order=OuterRef("pk"), transfer_id="")
    owed = orders.filter(
        Q(status=OrderStatus.PAID, shipments__store__payout_account__isnull=False)
        & (Exists(untransferred) | Exists(unsent))
    )
    for order_id in owed.order_by("pk").values_list("pk", flat=True).distinct():
        for transfer_id in transfers_prepare(order_id=order_id):
            transfer_send(transfer_id=transfer_id)
    unreversed = Transfer.objects.filter(
        shipment__order=OuterRef("order"), reversed_amount=0, shipment__status__in=SHIPMENT_ENDED
    )
    refunds = Refund.objects.filter(order__in=orders).filter(Q(refund_id="") | Exists(unreversed))
    for refund_id in refunds.order_by("pk").values_list("pk", flat=True):
        refund_execute(refund_id=refund_id)
    for transfer_id in transfers.values_list("pk", flat=True):
        summary.count("transfers", transfer_id not in before)


def _refused_after_transfer(*, people: Mapping[str, User], stores: Mapping[str, Store]) -> None:
    """The demo shopper's order from the bakery and the cheese shop, paid and its
    transfers sent, then refused by the bakery: its transfer is reversed. Made once (its
    own key)."""
    shopper, clerk = people.get(SHOPPER), people.get(STORE_PERSON)
    bakery, cheese = stores.get(BAKERY), stores.get(CHEESE)
    if None in (shopper, clerk, bakery, cheese):
        return
    if Order.objects.filter(buyer=shopper, checkout_key=REFUSED_AFTER_TRANSFER_KEY).exists():
        return
    items = _variants(bakery, 1) + _variants(cheese, 1)
    if len(items) < 2:
        return
    # The cart's own lines wait aside: this order buys only these two items.
    cart = Cart.objects.filter(owner=shopper).first() or cart_create(owner=shopper)
    aside = list(cart.lines.values_list("variant_id", "quantity", "price_seen"))
    cart.lines.all().delete()
    order = _order(shopper, REFUSED_AFTER_TRANSFER_KEY, [(v, 1) for v in items], "standard")
    cart.lines.bulk_create(
        [cart.lines.model(cart=cart, variant_id=v, quantity=q, price_seen=p) for v, q, p in aside]
    )
    _pay(order)
    for transfer_id in transfers_prepare(order_id=order.pk):
        transfer_send(transfer_id=transfer_id)
    shipment_refuse(
        shipment=order.shipments.get(store=bakery),
        reason="Le four est tombé en panne\u00a0: nous ne pouvons pas cuire cette commande.",
        acting_user=clerk,
    )
