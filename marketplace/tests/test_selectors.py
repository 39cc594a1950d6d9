import pytest
from django.utils import translation

from marketplace.models import ListingStatus, StoreStatus, Variant
from marketplace.selectors import (
    store_listings,
    stores_for_staff,
    stores_visible,
    variants_low_on_stock,
)
from marketplace.services import listing_status_set, listing_upsert, store_staff_set

pytestmark = pytest.mark.django_db


def test_only_approved_stores_are_visible(make_store):
    approved = make_store(status=StoreStatus.APPROVED)
    make_store(status=StoreStatus.PENDING)
    make_store(status=StoreStatus.SUSPENDED)
    assert list(stores_visible()) == [approved]


def test_listing_count_counts_published_listings(make_store):
    store = make_store(listings=3)
    listing_status_set(
        listing=store.listings.get(slug="article-0"),
        status=ListingStatus.UNPUBLISHED,
        acting_user=None,
    )
    listing_upsert(store=store, slug="brouillon", title_fr="Brouillon", description_fr="Pas prêt.")
    assert stores_visible().get().listing_count == 2
    assert [listing.slug for listing in store_listings(store)] == ["article-1", "article-2"]


def test_store_listings_sort_by_the_title_in_the_active_language(make_store):
    store = make_store(listings=0)
    for slug, title_fr, title_en in [("a", "Abricot", "Zucchini"), ("b", "Banane", "")]:
        listing_upsert(
            store=store,
            slug=slug,
            title_fr=title_fr,
            title_en=title_en,
            description_fr="Fruit.",
            initial_status=ListingStatus.PUBLISHED,
        )
    with translation.override("fr"):
        assert [listing.title for listing in store_listings(store)] == ["Abricot", "Banane"]
    with translation.override("en"):
        assert [listing.title for listing in store_listings(store)] == ["Banane", "Zucchini"]


def test_variants_low_on_stock_are_the_stores_published_ones_at_or_below_threshold(
    make_store,
):
    store = make_store(listings=2)
    other = make_store(listings=1)
    # Each listing has a variant with 3 in stock and one with none; the threshold is 3.
    Variant.objects.filter(store=store, sku__endswith="-1-A").update(stock=4)
    listing_status_set(
        listing=store.listings.get(slug="article-0"),
        status=ListingStatus.UNPUBLISHED,
        acting_user=None,
    )
    low = list(variants_low_on_stock(store))
    assert [variant.sku for variant in low] == [f"{store.slug}-1-B"]
    Variant.objects.filter(store=store, sku__endswith="-1-A").update(stock=3)
    assert [v.sku for v in variants_low_on_stock(store)] == [
        f"{store.slug}-1-B",
        f"{store.slug}-1-A",
    ]
    assert all(v.store_id == other.pk for v in variants_low_on_stock(other))


def test_stores_for_staff_are_the_persons_stores_whatever_their_status(
    make_store, store_worker, shopper
):
    mine = make_store(status=StoreStatus.PENDING)
    also_mine = make_store()
    make_store()
    store_staff_set(store=mine, user=store_worker, role="owner", acting_user=None)
    store_staff_set(store=also_mine, user=store_worker, role="staff", acting_user=None)
    store_staff_set(store=also_mine, user=shopper, role="owner", acting_user=None)
    stores = list(stores_for_staff(store_worker))
    assert {(s.pk, s.my_role) for s in stores} == {(mine.pk, "owner"), (also_mine.pk, "staff")}
