"""marketplace.demo: a directory worth browsing in Québec and Montréal, the demo store
person at work in one store, loaded idempotently on top of identity's people."""

import pytest

from core.demo import DemoSummary
from core.tests.queries import no_writes
from identity import demo as identity_demo
from marketplace.demo import CATEGORIES, STORES, demo_load
from marketplace.models import (
    Category,
    Listing,
    ListingStatus,
    Store,
    StoreRole,
    StoreStaff,
    StoreStatus,
    Variant,
)
from marketplace.services import store_suspend

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    """The people the marketplace's demo puts to work: identity's, the layer below."""
    return identity_demo.demo_load(summary=DemoSummary())


def test_the_directory_has_enough_stores_listings_and_neighbourhoods(people):
    summary = DemoSummary()
    stores = demo_load(summary=summary, people=people)
    assert set(stores) == {store["slug"] for store in STORES}
    assert summary.created["stores"] == len(STORES) == 14
    assert Store.objects.filter(status=StoreStatus.APPROVED).count() >= 12
    assert Store.objects.filter(status=StoreStatus.PENDING).exists()
    assert Store.objects.filter(status=StoreStatus.REFUSED).exclude(decision_reason="").exists()
    assert Store.objects.filter(small_supplier=True).exists()
    assert Store.objects.filter(small_supplier=False).exists()
    assert Listing.objects.filter(store__status=StoreStatus.APPROVED).count() >= 60
    assert Variant.objects.filter(stock=0).exists()  # something shows "out of stock"
    assert set(Store.objects.values_list("locality", flat=True)) == {"Québec", "Montréal"}
    assert Store.objects.values("neighbourhood").distinct().count() >= 10


def test_every_row_passes_full_clean(people):
    demo_load(summary=DemoSummary(), people=people)
    for model in (Category, Store, StoreStaff, Listing, Variant):
        for row in model.objects.all():
            row.full_clean()


def test_the_demo_store_person_owns_an_approved_store(people):
    demo_load(summary=DemoSummary(), people=people)
    owner = StoreStaff.objects.get(user=people["store@demo.uniqc.coop"])
    assert owner.role == StoreRole.OWNER
    assert owner.store.status == StoreStatus.APPROVED
    assert StoreStaff.objects.filter(user=people["store@demo.uniqc.coop"]).count() == 1


def test_the_demo_retailer_was_refused_once_and_waits_for_a_decision(people):
    demo_load(summary=DemoSummary(), people=people)
    retailer = people["retailer@demo.uniqc.coop"]
    applications = {store.status: store for store in Store.objects.filter(applicant=retailer)}
    assert set(applications) == {StoreStatus.REFUSED, StoreStatus.PENDING}
    assert applications[StoreStatus.REFUSED].decision_reason
    assert set(StoreStaff.objects.filter(user=retailer).values_list("role", flat=True)) == {
        StoreRole.OWNER
    }


def test_a_reload_writes_nothing_and_keeps_stock_and_the_coops_decisions(people):
    demo_load(summary=DemoSummary(), people=people)
    variant = Variant.objects.order_by("pk").first()
    Variant.objects.filter(pk=variant.pk).update(stock=variant.stock + 7)
    store_suspend(
        store=Store.objects.get(slug="le-de-verdunois"), reason="Plaintes.", acting_user=None
    )
    summary = DemoSummary()
    with no_writes():
        demo_load(summary=summary, people=people)
    assert summary.created.total() == 0
    assert summary.existing["variants"] == Variant.objects.count()
    assert Variant.objects.get(pk=variant.pk).stock == variant.stock + 7
    assert Store.objects.get(slug="le-de-verdunois").status == StoreStatus.SUSPENDED


def test_the_catalogue_has_a_two_level_category_tree_and_every_listing_one(people):
    summary = DemoSummary()
    demo_load(summary=summary, people=people)
    assert summary.created["categories"] == len(CATEGORIES) >= 8
    tops = Category.objects.filter(parent=None)
    assert tops.count() >= 2
    assert not Category.objects.filter(parent__parent__isnull=False).exists()  # two levels
    assert set(Category.objects.filter(parent__isnull=False).values_list("slug", flat=True)) >= {
        "boulangerie",
        "epicerie-fine",
        "fruits-et-legumes",
        "fromagerie",
        "librairie",
    }
    assert not Listing.objects.filter(category=None).exists()
    assert not Listing.objects.filter(title_en="").exists()
    assert not Listing.objects.exclude(status=ListingStatus.PUBLISHED).exists()


def test_a_listings_variants_may_differ_in_parcel(people):
    demo_load(summary=DemoSummary(), people=people)
    croissants = Variant.objects.filter(listing__slug="croissants-pur-beurre")
    assert set(croissants.values_list("size_class", "weight_grams")) == {("S", 300), ("M", 600)}
    assert {variant.store_id for variant in Variant.objects.select_related("listing")} == set(
        Store.objects.filter(listings__isnull=False).values_list("pk", flat=True)
    )
    assert all(v.store_id == v.listing.store_id for v in Variant.objects.select_related("listing"))


def test_every_english_description_belongs_to_a_demo_listing():
    from marketplace.demo import DESCRIPTIONS_EN

    titles = {listing[0] for store in STORES for listing in store["listings"]}
    assert set(DESCRIPTIONS_EN) <= titles
