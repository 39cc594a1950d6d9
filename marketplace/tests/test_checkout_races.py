"""Checkouts racing for the last units, between real transactions on PostgreSQL: each
thread has its own connection, and a barrier lets them all reach the lock together."""

import pytest

from core.tests.races import all_at_once, barrier_before
from marketplace import checkout
from marketplace.checkout import checkout_start, order_payment_succeeded
from marketplace.errors import CartChanged
from marketplace.models import Order, OrderStatus, Payment, Transfer, Variant
from marketplace.tests.shop import cart_fill, paid_event, payout_account_add, stocked

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]

SHOPPERS = 20
LAST_UNITS = 5


def test_twenty_checkouts_for_the_last_five_units_sell_exactly_five(
    make_store, make_person, monkeypatch
):
    store = make_store(listings=1)
    payout_account_add(store)
    variant = stocked(store, stock=LAST_UNITS)[0]
    buyers = [make_person(f"shopper{n}@example.com", "shopper") for n in range(SHOPPERS)]
    carts = [cart_fill(buyer, [(variant, 1)]) for buyer in buyers]

    # Every checkout has read its cart and stands at the lock before any takes it.
    barrier_before(monkeypatch, checkout.lock_objects, "variants_lock", SHOPPERS)

    def buy(n: int):
        return checkout_start(
            cart=carts[n],
            buyer=buyers[n],
            speed="express",
            pickup_kind="store_counter",
            idempotency_key=f"race-key-{n:04d}",
            acting_user=buyers[n],
        )

    outcomes = all_at_once(buy, SHOPPERS)

    orders = [o for o in outcomes if isinstance(o, Order)]
    refused = [o for o in outcomes if isinstance(o, CartChanged)]
    assert len(orders) == LAST_UNITS
    assert len(refused) == SHOPPERS - LAST_UNITS
    assert all(exc.changes[0].kind == "stock" for exc in refused)
    assert Variant.objects.get(pk=variant.pk).stock == 0
    numbers = set(Order.objects.values_list("number", flat=True))
    assert len(numbers) == LAST_UNITS

    monkeypatch.undo()
    for order in Order.objects.select_related("payment"):
        order_payment_succeeded(paid_event(order))
        order_payment_succeeded(paid_event(order, 2))
    assert Order.objects.filter(status=OrderStatus.PAID).count() == LAST_UNITS
    assert Payment.objects.count() == LAST_UNITS
    assert Transfer.objects.count() == LAST_UNITS
    assert Variant.objects.get(pk=variant.pk).stock == 0


def test_the_same_key_twice_at_once_gives_one_order(make_store, make_person, monkeypatch):
    store = make_store(listings=1)
    payout_account_add(store)
    variant = stocked(store, stock=5)[0]
    buyer = make_person("double@example.com", "shopper")
    cart = cart_fill(buyer, [(variant, 2)])
    barrier_before(monkeypatch, checkout.lock_objects, "variants_lock", 2)

    def buy(_n: int):
        return checkout_start(
            cart=cart,
            buyer=buyer,
            speed="standard",
            pickup_kind="store_counter",
            idempotency_key="double-submit-key",
            acting_user=buyer,
        )

    outcomes = all_at_once(buy, 2)
    assert outcomes[0].pk == outcomes[1].pk
    assert Order.objects.count() == 1
    assert Variant.objects.get(pk=variant.pk).stock == 3
