from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import Category, ListingStatus, StoreRole, StoreStatus, Variant
from marketplace.services import (
    category_upsert,
    listing_status_set,
    listing_upsert,
    store_approve,
    store_staff_set,
    store_suspend,
    store_upsert,
    variant_upsert,
)

pytestmark = pytest.mark.django_db

STORE = {
    "slug": "fromagerie-test",
    "name": "Fromagerie test",
    "legal_name": "Fromagerie test inc.",
    "neq": "1143 920 115",
    "small_supplier": True,
    "neighbourhood": "Limoilou",
    "street_address": "1000, 3e Avenue",
    "locality": "Québec",
    "postal_code": "g1l2x8",
    "latitude": "46.826870",
    "longitude": Decimal("-71.228520"),
}


def _writes(queries) -> list[str]:
    return [
        q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]


def test_store_upsert_creates_then_writes_nothing_when_unchanged():
    store, created = store_upsert(**STORE)
    assert created
    assert store.postal_code == "G1L 2X8"
    assert store.neq == "1143920115"
    assert store.status == StoreStatus.PENDING
    with CaptureQueriesContext(connection) as queries:
        again, created = store_upsert(**STORE)
    assert not created
    assert again.pk == store.pk
    assert _writes(queries.captured_queries) == []


def test_store_upsert_updates_description_but_never_the_coop_decision():
    store, _ = store_upsert(initial_status=StoreStatus.APPROVED, **STORE)
    store_suspend(store=store, reason="Plaintes répétées.", acting_user=None)
    store, _ = store_upsert(initial_status=StoreStatus.APPROVED, **{**STORE, "name": "Nouveau"})
    store.refresh_from_db()
    assert store.name == "Nouveau"
    assert store.status == StoreStatus.SUSPENDED


def _variant_upsert(store, listing, sku: str = "NEW-1", **fields) -> tuple[Variant, bool]:
    values = {"name": "Un", "price": "3.00", "size_class": "S", "weight_grams": 300, **fields}
    return variant_upsert(store=store, listing=listing, sku=sku, **values)


def test_variant_upsert_sets_stock_only_on_creation(make_store):
    store = make_store(listings=1)
    listing = store.listings.get()
    variant, created = _variant_upsert(store, listing, initial_stock=5)
    assert created and variant.stock == 5
    Variant.objects.filter(pk=variant.pk).update(stock=2)  # two were sold
    variant, created = _variant_upsert(store, listing, price="3.50", initial_stock=5)
    variant.refresh_from_db()
    assert not created
    assert variant.stock == 2
    assert variant.price == Decimal("3.50")


def test_variant_upsert_writes_nothing_when_unchanged(make_store):
    store = make_store(listings=1)
    listing = store.listings.get()
    _variant_upsert(store, listing)
    with CaptureQueriesContext(connection) as queries:
        _variant, created = _variant_upsert(store, listing)
    assert not created
    assert _writes(queries.captured_queries) == []


def test_variant_upsert_sets_the_parcel_and_keeps_a_threshold_not_given(make_store):
    store = make_store(listings=1)
    listing = store.listings.get()
    variant, _ = _variant_upsert(store, listing, low_stock_threshold=5)
    variant, _ = _variant_upsert(store, listing, size_class="M", weight_grams=650)
    variant.refresh_from_db()
    assert (variant.size_class, variant.weight_grams) == ("M", 650)
    assert variant.low_stock_threshold == 5


def test_two_stores_with_the_same_sku_each_keep_their_own_variant(make_store):
    """One store's import never moves nor changes another store's variant."""
    store_a = make_store(listings=1)
    store_b = make_store(listings=1)
    listing_a = store_a.listings.get()
    listing_b = store_b.listings.get()
    variant_b, created_b = _variant_upsert(store_b, listing_b, sku="PAIN", price="5.00")
    variant_a, created_a = _variant_upsert(store_a, listing_a, sku="PAIN", price="4.00")
    assert created_a and created_b
    assert variant_a.pk != variant_b.pk
    before = Variant.objects.filter(pk=variant_b.pk).values().get()
    # Store A's import, again and again, with other values and another of its listings.
    other_listing_a, _ = listing_upsert(
        store=store_a, slug="autre", title_fr="Autre", description_fr="Autre chose."
    )
    _variant_upsert(
        store_a, other_listing_a, sku="PAIN", price="9.99", size_class="L", weight_grams=9
    )
    assert Variant.objects.filter(pk=variant_b.pk).values().get() == before
    variant_a.refresh_from_db()
    assert (variant_a.listing_id, variant_a.price) == (other_listing_a.pk, Decimal("9.99"))


def test_variant_upsert_refuses_a_listing_of_another_store(make_store):
    store_a = make_store(listings=1)
    store_b = make_store(listings=1)
    variant_b = store_b.variants.order_by("pk").first()
    before = Variant.objects.filter(pk=variant_b.pk).values().get()
    # Store A names store B's listing, with store B's SKU: refused, nothing written.
    with pytest.raises(ValidationError) as error:
        _variant_upsert(store_a, store_b.listings.get(), sku=variant_b.sku)
    assert error.value.code == "variant_listing_of_another_store"
    assert Variant.objects.filter(pk=variant_b.pk).values().get() == before
    assert not store_a.variants.filter(sku=variant_b.sku).exists()


def test_listing_upsert_keeps_the_stores_publication_decision(make_store):
    store = make_store(listings=0)
    fields = {"store": store, "slug": "miche", "title_fr": "Miche", "description_fr": "Levain."}
    listing, created = listing_upsert(**fields, initial_status=ListingStatus.PUBLISHED)
    assert created and listing.published_at is not None
    listing_status_set(listing=listing, status=ListingStatus.UNPUBLISHED, acting_user=None)
    listing, created = listing_upsert(**fields, initial_status=ListingStatus.PUBLISHED)
    listing.refresh_from_db()
    assert not created
    assert listing.status == ListingStatus.UNPUBLISHED


def test_a_new_listing_is_a_draft_until_published(make_store, store_worker):
    from identity.audit import audit_events_for
    from marketplace.services import payout_account_record, store_staff_set

    store = make_store(listings=0)
    store_staff_set(store=store, user=store_worker, acting_user=None)
    payout_account_record(
        store=store,
        gateway="offline",
        account_id="acct_1",
        transfers_enabled=True,
        acting_user=None,
    )
    listing, _ = listing_upsert(store=store, slug="m", title_fr="Miche", description_fr="L.")
    variant_upsert(
        store=store, listing=listing, sku="M", name="M", price="1", size_class="S", weight_grams=1
    )
    assert (listing.status, listing.published_at) == (ListingStatus.DRAFT, None)
    listing_status_set(listing=listing, status=ListingStatus.PUBLISHED, acting_user=store_worker)
    first_published = listing.published_at
    assert listing.status == ListingStatus.PUBLISHED and first_published is not None
    listing_status_set(listing=listing, status=ListingStatus.PUBLISHED, acting_user=store_worker)
    listing_status_set(listing=listing, status=ListingStatus.UNPUBLISHED, acting_user=store_worker)
    listing.refresh_from_db()
    assert listing.published_at == first_published
    events = sorted(audit_events_for(listing), key=lambda event: event.pk)
    assert [(e.action, e.acting_user) for e in events] == [
        ("listing.publish", store_worker),
        ("listing.unpublish", store_worker),
    ]


def test_a_published_listing_never_returns_to_draft(make_store):
    listing = make_store(listings=1).listings.get()
    with pytest.raises(ValidationError) as error:
        listing_status_set(listing=listing, status=ListingStatus.DRAFT, acting_user=None)
    assert error.value.code == "listing_back_to_draft"


def test_category_upsert_refuses_a_cycle():
    food, _ = category_upsert(slug="alimentation", name_fr="Alimentation")
    bakery, _ = category_upsert(slug="boulangerie", name_fr="Boulangerie", parent=food)
    bread, _ = category_upsert(slug="pain", name_fr="Pain", parent=bakery)
    for parent in (food, bread):
        with pytest.raises(ValidationError) as error:
            category_upsert(slug="alimentation", name_fr="Alimentation", parent=parent)
        assert error.value.code == "category_cycle"
    assert Category.objects.get(slug="alimentation").parent is None
    moved, created = category_upsert(slug="pain", name_fr="Pain", parent=food)
    assert not created and moved.parent == food


def test_store_staff_set_adds_then_changes_the_role(make_store, store_worker):
    store = make_store()
    membership = store_staff_set(store=store, user=store_worker, acting_user=None)
    assert membership.role == StoreRole.STAFF
    again = store_staff_set(store=store, user=store_worker, role=StoreRole.OWNER, acting_user=None)
    assert again.pk == membership.pk
    assert store.staff.get().role == StoreRole.OWNER


def test_a_store_decision_is_audited_once_with_who_took_it(make_person):
    from identity.audit import audit_events_for

    admin = make_person("admin@example.com", "coop_admin")
    store, _ = store_upsert(**STORE)
    store_approve(store=store, acting_user=admin)
    store_approve(store=store, acting_user=admin)
    decisions = [e for e in audit_events_for(store) if e.action != "store.create"]
    assert [(e.action, e.acting_user, e.detail) for e in decisions] == [
        ("store.approve", admin, {"before": "pending", "after": "approved", "reason": ""})
    ]


def test_store_staff_changes_are_audited(make_store, store_worker, make_person):
    from identity.models import AuditEvent
    from marketplace.services import store_staff_remove

    admin = make_person("admin@example.com", "coop_admin")
    store = make_store()
    store_staff_set(store=store, user=store_worker, acting_user=admin)
    store_staff_set(store=store, user=store_worker, acting_user=admin)
    store_staff_set(store=store, user=store_worker, role=StoreRole.OWNER, acting_user=admin)
    store_staff_remove(store=store, user=store_worker, acting_user=admin)
    store_staff_remove(store=store, user=store_worker, acting_user=admin)
    events = AuditEvent.objects.filter(subject_user=store_worker).order_by("id")
    assert [(e.action, e.detail) for e in events] == [
        ("store.staff_set", {"role": "staff"}),
        ("store.staff_set", {"role": "owner"}),
        ("store.staff_remove", {}),
    ]
