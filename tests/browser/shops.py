"""A store for the browser tests of a store's own pages."""

from decimal import Decimal
from typing import Any


def owned_store(owner: Any) -> Any:
    """An approved store in Montréal, owned by `owner`, with no payout account yet."""
    from marketplace.services import store_staff_set, store_upsert

    store, _ = store_upsert(
        slug="quincaillerie-test",
        initial_status="approved",
        name="Quincaillerie Test",
        legal_name="Quincaillerie Test inc.",
        neq="1170000099",
        gst_number="700000099RT0001",
        qst_number="1200000099TQ0001",
        neighbourhood="Rosemont",
        street_address="2965, rue Masson",
        locality="Montréal",
        postal_code="H1Y 1X4",
        latitude=Decimal("45.547810"),
        longitude=Decimal("-73.573990"),
    )
    store_staff_set(store=store, user=owner, role="owner", acting_user=None)
    return store
