"""Helpers shared by the cart, checkout and order tests: stores with payout accounts and
stock, and a shopper's cart filled through the services."""

from decimal import Decimal
from typing import Any

from marketplace.cart import cart_create, cart_line_add
from marketplace.gateways import GatewayEvent
from marketplace.models import Cart, PayoutAccount, Store, Variant


def payout_account_add(store: Store) -> PayoutAccount:
    return PayoutAccount.objects.create(
        store=store,
        gateway="offline",
        account_id=f"acct_test_{store.pk}",
        transfers_enabled=True,
        details_submitted=True,
        is_test=True,
    )


def stocked(store: Store, *, stock: int = 10, price: str | None = None) -> list[Variant]:
    """The store's variants, each with `stock` units (and `price`, if given)."""
    variants = list(store.variants.order_by("pk"))
    fields: dict[str, Any] = {"stock": stock}
    if price is not None:
        fields["price"] = Decimal(price)
    Variant.objects.filter(pk__in=[v.pk for v in variants]).update(**fields)
    for variant in variants:
        variant.refresh_from_db()
    return variants


def cart_fill(buyer: Any, items: list[tuple[Variant, int]]) -> Cart:
    cart = Cart.objects.filter(owner=buyer).first() or cart_create(owner=buyer)
    for variant, quantity in items:
        cart_line_add(cart=cart, variant_id=variant.pk, quantity=quantity, acting_user=buyer)
    return cart


def paid_event(
    order: Any, n: int = 1, *, amount: Decimal | None = None, currency: str = "CAD"
) -> GatewayEvent:
    """A success for the order's payment, of its amount unless told otherwise."""
    return GatewayEvent(
        event_id=f"evt_ok_{order.pk}_{n}",
        event_type="payment_intent.succeeded",
        created=1_700_000_000 + n,
        intent_id=order.payment.intent_id,
        charge_id=f"ch_test_{order.pk}",
        amount=order.payment.amount if amount is None else amount,
        currency=currency,
    )


def failed_event(order: Any, n: int = 1) -> GatewayEvent:
    return GatewayEvent(
        event_id=f"evt_ko_{order.pk}_{n}",
        event_type="payment_intent.payment_failed",
        created=1_700_000_000 + n,
        intent_id=order.payment.intent_id,
        failure_reason="card_declined",
    )
