from collections.abc import Callable
from decimal import Decimal

import pytest

from marketplace.models import ListingStatus, Store, StoreStatus
from marketplace.services import listing_upsert, store_upsert, variant_upsert


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
    settings.MARKETPLACE_PAYMENT_GATEWAY = "stripe"
    try:
        yield fake
    finally:
        fake.stop()
