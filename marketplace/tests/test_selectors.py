import pytest

from marketplace.models import StoreStatus
from marketplace.selectors import store_listings, stores_for_staff, stores_visible
from marketplace.services import listing_upsert, store_staff_set

pytestmark = pytest.mark.django_db


def test_only_approved_stores_are_visible(make_store):
    approved = make_store(status=StoreStatus.APPROVED)
    make_store(status=StoreStatus.PENDING)
    make_store(status=StoreStatus.SUSPENDED)
    assert list(stores_visible()) == [approved]


def test_listing_count_counts_listings_on_sale(make_store):
    store = make_store(listings=3)
    listing_upsert(
        store=store, slug="article-0", title="Article 0", size_class="S", is_active=False
    )
    assert stores_visible().get().listing_count == 2
    assert [listing.slug for listing in store_listings(store)] == ["article-1", "article-2"]


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
