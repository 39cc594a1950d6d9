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
