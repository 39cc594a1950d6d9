from collections.abc import Callable
from decimal import Decimal

import pytest

from marketplace.models import Listing, ListingStatus, Store, StoreStatus
from marketplace.services import (
    category_upsert,
    listing_upsert,
    store_update,
    store_upsert,
    variant_upsert,
)


@pytest.fixture(autouse=True)
def _search_cache_forgotten() -> None:
    """The search's cache outlives each test's rolled-back rows: each starts afresh."""
    from django.core.cache import cache

    from marketplace.search_cache import CATALOGUE_VERSION_KEY

    cache.delete(CATALOGUE_VERSION_KEY)


@pytest.fixture
def make_store(db) -> Callable[..., Store]:
    """A store made through the services, with `listings` listings of two variants each."""
    counter = {"n": 0}

    def make(
        *,
        slug: str | None = None,
        status: str = StoreStatus.APPROVED,
        locality: str = "Québec",
        neighbourhood: str = "Saint-Roch",
        listings: int = 2,
    ) -> Store:
        counter["n"] += 1
        n = counter["n"]
        store, _created = store_upsert(
            slug=slug or f"magasin-{n}",
            initial_status=status,
            initial_decision_reason="Une raison donnée au commerçant.",
            name=f"Magasin {n}",
            legal_name=f"Magasin {n} inc.",
            neq=f"{1170000000 + n}",
            gst_number=f"{700000000 + n}RT0001",
            qst_number=f"{1200000000 + n}TQ0001",
            neighbourhood=neighbourhood,
            street_address=f"{100 + n}, rue Saint-Joseph Est",
            locality=locality,
            postal_code="G1K 3B6",
            latitude=Decimal("46.813960"),
            longitude=Decimal("-71.225310"),
            description="Un commerce de quartier.",
        )
        for i in range(listings):
            listing, _ = listing_upsert(
                store=store,
                slug=f"article-{i}",
                title_fr=f"Article {i}",
                title_en=f"Item {i}",
                description_fr="Fait dans le quartier.",
                initial_status=ListingStatus.PUBLISHED,
            )
            variant_upsert(
                store=store,
                listing=listing,
                sku=f"{store.slug}-{i}-A",
                name="Petit",
                price="4.50",
                size_class="S",
                weight_grams=250,
                initial_stock=3,
            )
            variant_upsert(
                store=store,
                listing=listing,
                sku=f"{store.slug}-{i}-B",
                name="Grand",
                price="1234.5",
                size_class="M",
                weight_grams=1200,
                initial_stock=0,
            )
        return store

    return make


@pytest.fixture
def fake_stripe(settings):
    """A fake Stripe server on 127.0.0.1 (marketplace/tests/fake_stripe.py), with the
    settings pointing the Stripe gateway at it and Stripe the configured gateway."""
    from marketplace.tests.fake_stripe import FakeStripe

    fake = FakeStripe().start()
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_SECRET_KEY = fake.api_key
    settings.STRIPE_WEBHOOK_SECRET = fake.webhook_secret
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake_publishable"
    settings.MARKETPLACE_PAYMENT_GATEWAY = "stripe"
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def order_handlers(monkeypatch):
    """Dispatch the payment events to recording stand-ins of marketplace.checkout's
    handlers (marketplace/tests/payment_handlers.py); yields the list of events handled."""
    from marketplace.gateways import events
    from marketplace.tests import payment_handlers

    payment_handlers.CALLS.clear()
    payment_handlers.DELAY["seconds"] = 0.0
    payment_handlers.FAILURES["left"] = 0
    for event_type, name in (
        ("payment_intent.succeeded", "order_payment_succeeded"),
        ("payment_intent.payment_failed", "order_payment_failed"),
    ):
        monkeypatch.setitem(
            events.EVENT_HANDLERS, event_type, f"marketplace.tests.payment_handlers.{name}"
        )
    return payment_handlers.CALLS


@pytest.fixture
def make_payment(db, make_person):
    """An order placed and waiting for its payment, made straight in the tables: checkout
    (marketplace.checkout) is another part of the work; these tests need only the rows."""
    from datetime import timedelta

    from django.utils import timezone

    from marketplace.gateways import payment_gateway
    from marketplace.models import Order, Payment, PickupKind, Speed

    counter = {"n": 0}

    def make(*, buyer=None, gateway: str = "offline", total: str = "57.49") -> Payment:
        counter["n"] += 1
        n = counter["n"]
        buyer = buyer or make_person(f"buyer{n}@example.com", "shopper")
        amount = Decimal(total)
        order = Order.objects.create(
            number=f"UQ-2026-{n:06d}",
            buyer=buyer,
            speed=Speed.values[0],
            pickup_kind=PickupKind.values[0],
            goods_subtotal=amount,
            fee=Decimal("0.00"),
            gst=Decimal("0.00"),
            qst=Decimal("0.00"),
            total=amount,
            checkout_key=f"checkout-{n}",
            checkout_fingerprint="0" * 64,
            reserved_until=timezone.now() + timedelta(minutes=20),
        )
        key = f"payment-{order.number}"
        started = payment_gateway(gateway).payment_start(
            reference=order.number,
            amount=amount,
            currency="CAD",
            idempotency_key=key,
            description=order.number,
            return_url=f"/commandes/{order.number}/",
        )
        return Payment.objects.create(
            order=order,
            gateway=gateway,
            is_test=gateway == "offline",
            idempotency_key=key,
            intent_id=started.intent_id,
            amount=amount,
            redirect_url=started.redirect_url,
        )

    return make


# --- The catalogue (test_catalogue_search.py, test_catalogue_views.py) ---------------
# Saint-Roch, Québec (the fixture's stores) and Montréal's Plateau.
SAINT_ROCH = (46.813960, -71.225310)
LIMOILOU = (Decimal("46.826870"), Decimal("-71.228520"))
PLATEAU = (Decimal("45.528010"), Decimal("-73.582010"))


def add_listing(
    store,
    title_fr,
    *,
    title_en="",
    description_fr="Fait dans le quartier.",
    description_en="",
    category=None,
    prices=("5.00",),
    stock=3,
    status=ListingStatus.PUBLISHED,
):
    listing, _ = listing_upsert(
        store=store,
        slug=f"l-{Listing.objects.count()}",
        title_fr=title_fr,
        title_en=title_en,
        description_fr=description_fr,
        description_en=description_en,
        category=category,
        initial_status=status,
    )
    for index, price in enumerate(prices):
        variant_upsert(
            store=store,
            listing=listing,
            sku=f"{listing.slug}-{index}",
            name=f"Format {index}",
            price=price,
            size_class="S",
            weight_grams=100,
            initial_stock=stock,
        )
    return listing


@pytest.fixture
def shelf(make_store):
    """A bakery, a cheese shop in Limoilou and a store in Montréal, with a small tree:
    Alimentation > Boulangerie, Fromagerie; Maison."""
    food, _ = category_upsert(slug="alimentation", name_fr="Alimentation", name_en="Food")
    bakery, _ = category_upsert(
        slug="boulangerie", name_fr="Boulangerie", name_en="Bakery", parent=food
    )
    cheese, _ = category_upsert(
        slug="fromagerie", name_fr="Fromagerie", name_en="Cheese shop", parent=food
    )
    home, _ = category_upsert(slug="maison", name_fr="Maison", name_en="Home")
    baker = make_store(slug="boulangerie", listings=0)
    cheesemonger = make_store(slug="fromagerie", listings=0)
    store_update(
        store=cheesemonger,
        acting_user=None,
        latitude=LIMOILOU[0],
        longitude=LIMOILOU[1],
    )
    montreal = make_store(slug="montreal", listings=0, locality="Montréal")
    store_update(store=montreal, acting_user=None, latitude=PLATEAU[0], longitude=PLATEAU[1])
    add_listing(
        baker,
        "Pain de campagne au levain",
        title_en="Country sourdough bread",
        description_fr="Une miche croustillante.",
        description_en="A crusty loaf.",
        category=bakery,
        prices=("7.50", "4.25"),
    )
    add_listing(
        baker,
        "Pouding chômeur à l’érable",
        title_en="Maple pudding cake",
        description_fr="Nappé de sirop d’érable.",
        category=bakery,
        prices=("14.50",),
        stock=0,
    )
    add_listing(
        cheesemonger,
        "Fromage en grains",
        title_en="Cheese curds",
        description_fr="Il fait « couic-couic ».",
        category=cheese,
        prices=("5.75", "10.50"),
    )
    add_listing(
        cheesemonger,
        "Cheddar vieilli",
        title_en="Aged cheddar",
        description_fr="Un fromage fort, deux ans d’affinage.",
        category=cheese,
        prices=("19.95",),
    )
    add_listing(
        montreal,
        "Bougie à l’érable",
        title_en="Maple candle",
        description_fr="Cire de soya.",
        category=home,
        prices=("22.00",),
    )
    return {"baker": baker, "cheesemonger": cheesemonger, "montreal": montreal, "food": food}
