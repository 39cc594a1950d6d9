"""Store staff manage their listings: who may (one test per refusal of access_listing_manage
and access_listing_publish), and the pages under /boutiques/mes-boutiques/<store>/produits/."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from identity.audit import audit_events_for
from marketplace.errors import ListingHasNoVariant, PayoutAccountRequired, StockChanged
from marketplace.models import ListingStatus, StoreStatus, Variant
from marketplace.selectors import access_listing_manage, access_listing_publish
from marketplace.services import (
    listing_create,
    listing_status_set,
    listing_update,
    payout_account_record,
    store_staff_set,
    store_suspend,
    variant_create,
    variant_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(make_store, store_worker):
    """An approved store with a payout account that can receive transfers, and the store
    worker on its staff."""
    store = make_store(listings=1)
    store_staff_set(store=store, user=store_worker, acting_user=None)
    payout_account_record(
        store=store, gateway="offline", account_id=f"test_{store.slug}", transfers_enabled=True,
        is_test=True, acting_user=None,
    )  # fmt: skip
    return store


@pytest.fixture
def draft(store, store_worker):
    return listing_create(
        store=store, title_fr="Miche", description_fr="Au levain.", acting_user=store_worker
    )


def add_variant(listing, user, sku="MICHE-800", stock=5):
    return variant_create(
        listing=listing,
        sku=sku,
        name="800 g",
        price=Decimal("7.50"),
        size_class="M",
        weight_grams=850,
        stock=stock,
        acting_user=user,
    )


# --- access_listing_manage: one test per refusal -----------------------------------------


def test_manage_allows_the_stores_staff_and_the_system(store, store_worker):
    access_listing_manage(acting_user=store_worker, store=store)
    access_listing_manage(acting_user=None, store=store)


def test_manage_refuses_a_visitor(store):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        access_listing_manage(acting_user=AnonymousUser(), store=store)


def test_manage_refuses_an_inactive_person(store, store_worker):
    store_worker.is_active = False
    with pytest.raises(PermissionDenied):
        access_listing_manage(acting_user=store_worker, store=store)


def test_manage_refuses_someone_not_on_the_staff(store, shopper):
    with pytest.raises(PermissionDenied):
        access_listing_manage(acting_user=shopper, store=store)


def test_manage_refuses_the_staff_of_another_store(store, make_store, store_worker):
    with pytest.raises(PermissionDenied):
        access_listing_manage(acting_user=store_worker, store=make_store(listings=0))


def test_manage_refuses_a_store_not_approved(store, store_worker):
    store_suspend(store=store, reason="Plaintes.", acting_user=None)
    with pytest.raises(PermissionDenied):
        access_listing_manage(acting_user=store_worker, store=store)


# --- access_listing_publish: one test per refusal ----------------------------------------


def test_publish_allows_a_listing_with_a_variant_of_a_store_paid_out(draft, store_worker):
    add_variant(draft, store_worker)
    access_listing_publish(acting_user=store_worker, listing=draft)


def test_publish_refuses_someone_not_on_the_staff(draft, store_worker, shopper):
    add_variant(draft, store_worker)
    with pytest.raises(PermissionDenied):
        access_listing_publish(acting_user=shopper, listing=draft)


def test_publish_refuses_a_store_without_payout_account(make_store, store_worker):
    store = make_store(listings=1)
    store_staff_set(store=store, user=store_worker, acting_user=None)
    with pytest.raises(PayoutAccountRequired):
        access_listing_publish(acting_user=store_worker, listing=store.listings.get())


def test_publish_refuses_a_payout_account_that_cannot_receive_transfers(store, draft, store_worker):
    add_variant(draft, store_worker)
    payout_account_record(
        store=store, gateway="stripe", account_id="acct_X", transfers_enabled=False,
        acting_user=None,
    )  # fmt: skip
    with pytest.raises(PayoutAccountRequired):
        access_listing_publish(acting_user=store_worker, listing=draft)


def test_publish_refuses_a_listing_without_variant(draft, store_worker):
    with pytest.raises(ListingHasNoVariant):
        access_listing_publish(acting_user=store_worker, listing=draft)


def test_listing_status_set_applies_the_publish_checks(draft, store_worker):
    with pytest.raises(ListingHasNoVariant):
        listing_status_set(listing=draft, status=ListingStatus.PUBLISHED, acting_user=store_worker)
    draft.refresh_from_db()
    assert draft.status == ListingStatus.DRAFT


def test_listing_status_set_refuses_someone_not_on_the_staff(store, shopper):
    listing = store.listings.get()
    with pytest.raises(PermissionDenied):
        listing_status_set(listing=listing, status=ListingStatus.UNPUBLISHED, acting_user=shopper)


# --- Services ------------------------------------------------------------------------------


def test_listing_create_and_update_are_audited_drafts(store, draft, store_worker):
    assert (draft.status, draft.slug) == (ListingStatus.DRAFT, "miche")
    again = listing_create(
        store=store, title_fr="Miche", description_fr="Autre.", acting_user=store_worker
    )
    assert again.slug == "miche-2"
    listing_update(listing=draft, title_en="Loaf", acting_user=store_worker)
    listing_update(listing=draft, title_en="Loaf", acting_user=store_worker)  # no change
    assert [e.action for e in audit_events_for(draft)] == ["listing.update", "listing.create"]


def test_a_sku_is_unique_within_the_store_only(store, make_store, draft, store_worker):
    add_variant(draft, store_worker, sku="X-1")
    with pytest.raises(ValidationError) as refused:
        add_variant(draft, store_worker, sku="X-1")
    assert refused.value.error_dict["sku"][0].code == "sku_taken"
    other = make_store(listings=1)
    variant_create(
        listing=other.listings.get(), sku="X-1", name="n", price="1.00", size_class="S",
        weight_grams=1, acting_user=None,
    )  # fmt: skip


def test_a_price_of_three_decimals_is_refused(draft, store_worker):
    with pytest.raises(ValidationError):
        variant_create(
            listing=draft, sku="P", name="n", price="1.005", size_class="S", weight_grams=1,
            acting_user=store_worker,
        )  # fmt: skip


def test_the_stock_is_set_only_if_no_sale_happened_since_it_was_shown(draft, store_worker):
    variant = add_variant(draft, store_worker, stock=5)
    variant_update(variant=variant, stock=8, stock_seen=5, acting_user=store_worker)
    assert Variant.objects.get(pk=variant.pk).stock == 8
    Variant.objects.filter(pk=variant.pk).update(stock=7)  # a sale
    with pytest.raises(StockChanged):
        variant_update(variant=variant, stock=20, stock_seen=8, acting_user=store_worker)
    assert Variant.objects.get(pk=variant.pk).stock == 7


# --- Pages ---------------------------------------------------------------------------------


def listings_url(store) -> str:
    return reverse("marketplace:staff_listings", args=[store.slug])


def png_upload() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), "green").save(out, format="PNG")
    return SimpleUploadedFile("photo.png", out.getvalue(), content_type="image/png")


def test_the_listings_page_shows_status_stock_and_low_stock(client, store, store_worker):
    client.force_login(store_worker)
    response = client.get(listings_url(store))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Article 0" in html
    assert "data-low-stock" in html  # 3 in stock, threshold 3; and one out of stock
    assert "data-payout-missing" not in html


def test_the_listings_page_of_another_store_is_not_found(client, make_store, store_worker, store):
    client.force_login(store_worker)
    other = make_store(listings=1)
    assert client.get(listings_url(other)).status_code == 404
    listing = other.listings.get()
    url = reverse("marketplace:staff_listing", args=[store.slug, listing.pk])
    assert client.get(url).status_code == 404


def test_a_visitor_is_sent_to_sign_in(client, store):
    response = client.get(listings_url(store))
    assert response.status_code == 302
    assert response.url.startswith(reverse("identity:login"))


def test_a_suspended_stores_pages_are_forbidden(client, store, store_worker):
    store_suspend(store=store, reason="Plaintes.", acting_user=None)
    client.force_login(store_worker)
    assert client.get(listings_url(store)).status_code == 403


def test_the_staff_create_a_listing_with_a_variant_and_a_photo_and_publish_it(
    client, store, store_worker, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(store_worker)
    response = client.post(
        reverse("marketplace:staff_listing_new", args=[store.slug]),
        {"title_fr": "Tarte au sucre", "description_fr": "À la crème.", "category": ""},
    )
    assert response.status_code == 302
    listing = store.listings.get(title_fr="Tarte au sucre")
    base = [store.slug, listing.pk]
    response = client.post(
        reverse("marketplace:staff_variant_new", args=base),
        {
            "sku": "TARTE-9",
            "name": "9 pouces",
            "price": "16,00",
            "stock": "6",
            "size_class": "M",
            "weight_grams": "900",
            "low_stock_threshold": "2",
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 302, response.content.decode()
    assert listing.variants.get().price == Decimal("16.00")
    response = client.post(
        reverse("marketplace:staff_photo_new", args=base),
        {"image": png_upload(), "alt_fr": "Une tarte dorée", "alt_en": "A golden pie"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("marketplace:staff_listing_status", args=base), {"status": "published"}
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED
    html = client.get(reverse("marketplace:staff_listing", args=base)).content.decode()
    photo = listing.photos.get()
    assert photo.thumbnail_small.url in html
    assert 'alt="Une tarte dorée"' in html
    shopper_page = client.get(reverse("marketplace:store_detail", args=[store.slug]))
    assert "Tarte au sucre" in shopper_page.content.decode()


def test_bad_input_is_answered_400_never_500(client, store, store_worker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(store_worker)
    listing = store.listings.get()
    base = [store.slug, listing.pk]
    assert (
        client.post(reverse("marketplace:staff_listing_new", args=[store.slug]), {}).status_code
        == 400
    )
    variant = {
        "sku": "S",
        "name": "n",
        "price": "abc",
        "stock": "-1",
        "size_class": "Z",
        "weight_grams": "0",
        "low_stock_threshold": "x",
    }
    assert (
        client.post(reverse("marketplace:staff_variant_new", args=base), variant).status_code == 400
    )
    text = SimpleUploadedFile("x.jpg", b"not a photo", content_type="image/jpeg")
    response = client.post(
        reverse("marketplace:staff_photo_new", args=base), {"image": text, "alt_fr": "x"}
    )
    assert response.status_code == 400
    assert "JPEG, PNG" in response.content.decode()
    assert (
        client.post(
            reverse("marketplace:staff_listing_status", args=base), {"status": "draft"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            reverse("marketplace:staff_listing", args=base), {"category": "999999"}
        ).status_code
        == 400
    )
    existing = listing.variants.first()
    duplicate = {
        **variant,
        "sku": existing.sku,
        "price": "2.00",
        "stock": "1",
        "size_class": "S",
        "weight_grams": "5",
        "low_stock_threshold": "1",
    }
    response = client.post(reverse("marketplace:staff_variant_new", args=base), duplicate)
    assert response.status_code == 400
    # The duplicate SKU is answered on its field (the page is in French: "UGS").
    assert 'aria-describedby="id_sku-error' in response.content.decode() or (
        "UGS" in response.content.decode()
    )


def test_publishing_without_payout_account_says_to_finish_onboarding(
    client, make_store, store_worker
):
    store = make_store(listings=0)
    store_staff_set(store=store, user=store_worker, acting_user=None)
    listing = listing_create(store=store, title_fr="T", description_fr="D.", acting_user=None)
    add_variant(listing, None)
    client.force_login(store_worker)
    response = client.post(
        reverse("marketplace:staff_listing_status", args=[store.slug, listing.pk]),
        {"status": "published"},
    )
    assert response.status_code == 409
    assert reverse("marketplace:my_stores") in response.content.decode()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.DRAFT


def test_a_stock_changed_by_a_sale_is_answered_409(client, store, store_worker):
    client.force_login(store_worker)
    listing = store.listings.get()
    variant = listing.variants.order_by("sku").first()
    data = {
        "name": variant.name, "price": "4.50", "stock": "10", "stock_seen": str(variant.stock + 1),
        "size_class": "S", "weight_grams": "250", "low_stock_threshold": "3",
    }  # fmt: skip
    url = reverse("marketplace:staff_variant", args=[store.slug, listing.pk, variant.pk])
    assert client.post(url, data).status_code == 409
    data["stock_seen"] = str(variant.stock)
    assert client.post(url, data).status_code == 302
    assert Variant.objects.get(pk=variant.pk).stock == 10


def test_the_listings_page_costs_the_same_queries_for_1_and_8_listings(
    client, make_store, store_worker, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (1, 8):
        store = make_store(listings=n)
        store_staff_set(store=store, user=store_worker, acting_user=None)
        client.force_login(store_worker)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(listings_url(store)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_store_not_approved_cannot_be_managed(client, make_store, store_worker):
    store = make_store(status=StoreStatus.PENDING, listings=0)
    store_staff_set(store=store, user=store_worker, acting_user=None)
    client.force_login(store_worker)
    assert client.get(listings_url(store)).status_code == 403
