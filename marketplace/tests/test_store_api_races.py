"""A till's stock count racing a shopper's checkout on the same variant, between real
transactions on PostgreSQL: whichever locks first, the stock left to sell is the count
less the units the checkout holds."""

import threading

import pytest

from core.tests.races import all_at_once
from marketplace import checkout, store_api
from marketplace.checkout import checkout_start
from marketplace.models import Order, ReservationStatus, StockReservation, Variant
from marketplace.store_api import StockLevel, variants_stock_set
from marketplace.tests.api.store_keys import owner_of
from marketplace.tests.shop import cart_fill, payout_account_add, stocked

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]


def _both_at_the_lock(monkeypatch, barrier: threading.Barrier) -> None:
    """The checkout and the stock update each wait at their lock until the other is there."""
    for owner, name in (
        (checkout.lock_objects, "variants_lock"),
        (store_api, "variants_lock_by_sku"),
    ):
        original = getattr(owner, name)

        def wait_then_lock(*args, _original=original, **kwargs):
            args = tuple(list(a) if hasattr(a, "__next__") else a for a in args)
            barrier.wait()
            return _original(*args, **kwargs)

        monkeypatch.setattr(owner, name, wait_then_lock)


@pytest.mark.parametrize("attempt", range(3))
def test_a_count_and_a_checkout_at_once_leave_the_count_less_the_held_units(
    make_store, make_person, monkeypatch, attempt
):
    store = make_store(listings=1)
    payout_account_add(store)
    owner = owner_of(store)
    variant = stocked(store, stock=5)[0]
    buyer = make_person(f"race{attempt}@example.com", "shopper")
    cart = cart_fill(buyer, [(variant, 2)])
    _both_at_the_lock(monkeypatch, threading.Barrier(2, timeout=30))

    def work(n: int):
        if n == 0:
            return checkout_start(
                cart=cart,
                buyer=buyer,
                speed="standard",
                pickup_kind="store_counter",
                idempotency_key=f"race-count-{attempt}",
                acting_user=buyer,
            )
        return variants_stock_set(store=store, items=[(variant.sku, 10)], acting_user=owner)

    order, levels = all_at_once(work, 2)
    assert isinstance(order, Order), order
    assert isinstance(levels, list), levels
    [level] = levels
    assert isinstance(level, StockLevel)
    held = StockReservation.objects.get(variant=variant)
    assert (held.status, held.quantity) == (ReservationStatus.HELD, 2)
    assert Variant.objects.get(pk=variant.pk).stock == 10 - 2


def test_the_same_idempotency_key_twice_at_once_makes_one_listing(make_store, monkeypatch):
    """Two requests with one key, both past the look-up before either creates: one
    listing, and both answers are its."""
    import json

    from django.test import Client

    from core.tests.races import barrier_before
    from marketplace.api import store_views
    from marketplace.models import Listing
    from marketplace.tests.api.store_keys import key_for

    store = make_store(listings=0)
    _api_key, key = key_for(store)
    barrier_before(monkeypatch, store_views, "listing_create", 2)
    body = json.dumps({"title_fr": "Pain de campagne", "description_fr": "Au levain."})

    def create(_n: int):
        return Client().post(
            "/api/v1/store/listings/",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
            HTTP_IDEMPOTENCY_KEY="same-key",
        )

    first, second = all_at_once(create, 2)
    assert (first.status_code, second.status_code) == (201, 201), (first.content, second.content)
    assert first.json() == second.json()
    assert Listing.objects.filter(store=store).count() == 1
