"""Rules about one row, held by the database itself."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from marketplace.models import Category, Listing, ListingStatus, StoreStaff, Variant
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


def _variant_create(variant: Variant, **fields) -> Variant:
    """A variant written straight to the database, past the services, like `variant`."""
    values = {
        "store_id": variant.store_id,
        "listing_id": variant.listing_id,
        "sku": "AUTRE",
        "name": "Autre",
        "price": Decimal("1.00"),
        "size_class": "S",
        "weight_grams": 100,
        **fields,
    }
    return Variant.objects.create(**values)


def test_negative_price_is_rejected_by_the_database(make_store):
    variant = _variant(make_store)
    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.filter(pk=variant.pk).update(price=Decimal("-1.00"))


def test_zero_price_is_rejected_by_the_database(make_store):
    variant = _variant(make_store)
    with pytest.raises(IntegrityError), transaction.atomic():
        _variant_create(variant, sku="ZERO", price=Decimal("0.00"))


def test_negative_stock_is_rejected_by_the_database(make_store):
    variant = _variant(make_store)
    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.filter(pk=variant.pk).update(stock=-1)


def test_the_service_rejects_a_zero_price_before_the_database(make_store):
    variant = _variant(make_store)
    with pytest.raises(ValidationError) as error:
        variant_upsert(
            store=variant.store,
            listing=variant.listing,
            sku="ZERO",
            name="Gratuit",
            price="0",
            size_class="S",
            weight_grams=100,
        )
    assert "A price must be more than zero." in str(error.value)
    assert not Variant.objects.filter(sku="ZERO").exists()


def test_a_price_has_at_most_two_decimals(make_store):
    variant = _variant(make_store)
    with pytest.raises(ValidationError):
        variant_upsert(
            store=variant.store,
            listing=variant.listing,
            sku="X",
            name="X",
            price="1.005",
            size_class="S",
            weight_grams=100,
        )


def test_a_sku_is_unique_within_its_store(make_store):
    variant = _variant(make_store)
    with pytest.raises(IntegrityError), transaction.atomic():
        _variant_create(variant, sku=variant.sku)


def test_another_store_may_use_the_same_sku(make_store):
    variant = _variant(make_store)
    other = _variant(make_store)
    copy = _variant_create(other, sku=variant.sku)
    assert Variant.objects.filter(sku=variant.sku).count() == 2
    assert copy.store_id != variant.store_id


def test_a_variant_cannot_name_a_store_other_than_its_listings(make_store):
    variant = _variant(make_store)
    other = make_store(listings=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        _variant_create(variant, store_id=other.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.filter(pk=variant.pk).update(store=other)


def test_a_variant_cannot_move_to_a_listing_of_another_store(make_store):
    variant = _variant(make_store)
    foreign_listing = make_store(listings=1).listings.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.filter(pk=variant.pk).update(listing=foreign_listing)


def test_a_listing_with_variants_cannot_move_to_another_store(make_store):
    variant = _variant(make_store)
    other = make_store(listings=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.filter(pk=variant.listing_id).update(store=other)


@pytest.mark.parametrize(
    ("field", "value"),
    [("weight_grams", 0), ("size_class", "X"), ("low_stock_threshold", -1)],
)
def test_a_variants_parcel_is_checked_by_the_database(make_store, field, value):
    variant = _variant(make_store)
    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.filter(pk=variant.pk).update(**{field: value})


def test_a_listing_slug_is_unique_within_its_store_only(make_store):
    first = make_store(listings=1)
    second = make_store(listings=0)
    listing_upsert(store=second, slug="article-0", title_fr="Même slug", description_fr="Oui.")
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.create(
            store=first, slug="article-0", title_fr="Doublon", description_fr="Non."
        )


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "archived"},
        {"status": ListingStatus.PUBLISHED, "published_at": None},
        {"status": ListingStatus.UNPUBLISHED, "published_at": None},
        {"status": ListingStatus.DRAFT},
        {"title_fr": ""},
        {"description_fr": ""},
    ],
)
def test_a_listings_status_and_french_words_are_checked_by_the_database(make_store, fields):
    listing = make_store(listings=1).listings.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.filter(pk=listing.pk).update(**fields)


def test_a_category_is_not_its_own_parent_in_the_database(db):
    category = Category.objects.create(slug="pain", name_fr="Pain")
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.filter(pk=category.pk).update(parent=category)


def test_english_falls_back_to_french(make_store):
    listing = make_store(listings=1).listings.get()
    listing_upsert(
        store=listing.store, slug=listing.slug, title_fr="Miche", description_fr="Au levain."
    )
    listing.refresh_from_db()
    with translation.override("fr"):
        assert (listing.title, listing.description) == ("Miche", "Au levain.")
    with translation.override("en"):
        assert (listing.title, listing.description) == ("Miche", "Au levain.")
    listing_upsert(
        store=listing.store,
        slug=listing.slug,
        title_fr="Miche",
        title_en="Loaf",
        description_fr="Au levain.",
    )
    listing.refresh_from_db()
    with translation.override("en"):
        assert (listing.title, listing.description) == ("Loaf", "Au levain.")
    with translation.override("fr"):
        assert listing.title == "Miche"


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
