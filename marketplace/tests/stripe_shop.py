"""Stores paid through Stripe in tests: connected to the fake Stripe server
(marketplace/tests/fake_stripe.py) through the real onboarding, and Stripe's signed events
posted to our webhook endpoint as Stripe sends them."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from marketplace.models import PayoutAccount, Store, StoreRole
from marketplace.payments import payout_account_onboard
from marketplace.services import store_staff_set

WEBHOOK = "/paiement/webhooks/stripe/"


def cents(amount: Decimal) -> int:
    assert isinstance(amount, Decimal)
    return int(amount * 100)


def deliver(client, fake, event_type: str, obj: dict, *, event_id: str | None = None):
    """Stripe delivering an event to our endpoint: the signed bytes, as they are."""
    body, headers = fake.event(event_type, obj, event_id=event_id)
    return client.post(WEBHOOK, data=body, content_type="application/json", headers=headers)


def stores_on_stripe(
    *, fake_stripe, make_store, make_person, client, committed: Callable[[], Any]
) -> list[Store]:
    """Two stores connected to the fake Stripe through onboarding: an Express account each,
    onboarding finished at the fake, and `account.updated` delivered to our webhook. The
    second store is a small supplier (the coop collects its QST). Each store carries its
    `owner` and its connected `account_id`."""
    stores = []
    for slug, small_supplier in (("epicerie", False), ("fromagerie", True)):
        store = make_store(slug=slug)
        if small_supplier:
            Store.objects.filter(pk=store.pk).update(
                small_supplier=True, gst_number="", qst_number=""
            )
            store.refresh_from_db()
        owner = make_person(f"owner-{slug}@example.com", "shopper")
        store_staff_set(store=store, user=owner, role=StoreRole.OWNER, acting_user=None)
        payout_account_onboard(
            store=store,
            acting_user=owner,
            refresh_url="https://uniqc.example/relancer/",
            return_url="https://uniqc.example/retour/",
        )
        account = PayoutAccount.objects.get(store=store)
        state = fake_stripe.account_onboarding_complete(account.account_id)
        with committed():
            assert deliver(client, fake_stripe, "account.updated", state).status_code == 200
        account.refresh_from_db()
        assert (account.gateway, account.transfers_enabled) == ("stripe", True)
        store.owner = owner
        store.account_id = account.account_id
        stores.append(store)
    return stores
