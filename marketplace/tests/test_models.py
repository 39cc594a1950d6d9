"""Rules about one row, held by the database itself."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from marketplace.models import Listing, StoreStaff, Variant
from marketplace.services import listing_upsert, store_staff_set, store_upsert, variant_upsert


@pytest.fixture(autouse=True)
def _english_messages():
    """Validation messages are asserted by their English msgids."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db


def _variant(make_store) -> Variant:
    store = make_store(listings=1)
    return Variant.objects.filter(listing__store=store).first()


def test_negative_price_is_rejected_by_the_database(make_store):
    variant = _variant(make_store)
    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.filter(pk=variant.pk).update(price=Decimal("-1.00"))


def test_zero_price_is_rejected_by_the_database(make_store):
    variant = _variant(make_store)
    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.create(
            listing=variant.listing, sku="ZERO", name="Gratuit", price=Decimal("0.00")
        )


def test_negative_stock_is_rejected_by_the_database(make_store):
    variant = _variant(make_store)
    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.filter(pk=variant.pk).update(stock=-1)


def test_the_service_rejects_a_zero_price_before_the_database(make_store):
    variant = _variant(make_store)
    with pytest.raises(ValidationError) as error:
        variant_upsert(listing=variant.listing, sku="ZERO", name="Gratuit", price="0")
    assert "A price must be more than zero." in str(error.value)
    assert not Variant.objects.filter(sku="ZERO").exists()


def test_a_price_has_at_most_two_decimals(make_store):
    variant = _variant(make_store)
    with pytest.raises(ValidationError):
        variant_upsert(listing=variant.listing, sku="X", name="X", price="1.005")


def test_a_sku_is_unique_across_stores(make_store):
    variant = _variant(make_store)
    other = make_store(listings=1)
    listing = other.listings.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.create(listing=listing, sku=variant.sku, name="Copie", price=1)


def test_a_listing_slug_is_unique_within_its_store_only(make_store):
    first = make_store(listings=1)
    second = make_store(listings=0)
    listing_upsert(store=second, slug="article-0", title="Même slug", size_class="M")
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.create(store=first, slug="article-0", title="Doublon", size_class="S")


def test_a_person_works_for_a_store_once(make_store, store_worker):
    store = make_store()
    store_staff_set(store=store, user=store_worker, role="staff", acting_user=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        StoreStaff.objects.create(store=store, user=store_worker, role="owner")


def test_a_store_cannot_take_a_slug_that_hides_a_page(db):
    with pytest.raises(ValidationError):
        store_upsert(
            slug="mes-boutiques",
            name="Piège",
            legal_name="Piège inc.",
            neq="1170000001",
            small_supplier=True,
            neighbourhood="Saint-Roch",
            street_address="1, rue Saint-Joseph Est",
            locality="Québec",
            postal_code="G1K 3B6",
            latitude=Decimal("46.8"),
            longitude=Decimal("-71.2"),
        )


def test_store_coordinates_are_range_checked_by_the_database(make_store):
    store = make_store(listings=0)
    from marketplace.models import Store

    with pytest.raises(IntegrityError), transaction.atomic():
        Store.objects.filter(pk=store.pk).update(latitude=Decimal("91"))
