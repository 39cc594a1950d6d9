"""A retailer, in Chromium, creates a listing with a variant and a photo, sees the photo
(served, not broken), publishes the listing, and shoppers see it on the store's page."""

import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

from conftest import csp_violations_watch
from tests.browser.shops import owned_store
from tests.browser.test_accessibility import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RETAILER = "owner@example.com"


@pytest.fixture
def store(make_person):
    """An approved store, connected to the offline gateway, owned by RETAILER."""
    from marketplace.services import payout_account_record

    owner = make_person(RETAILER, "shopper")
    store = owned_store(owner)
    payout_account_record(
        store=store,
        gateway="offline",
        account_id="offline_test",
        transfers_enabled=True,
        is_test=True,
        acting_user=None,
    )
    return store


def photo_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (70, 110, 150)).save(out, format="PNG")
    return out.getvalue()


def test_the_retailer_creates_a_listing_with_a_variant_and_a_photo_and_publishes_it(
    chromium, live_server, store
):
    context = chromium.new_context(base_url=live_server.url, locale="fr-CA")
    context.set_default_timeout(10_000)
    violations = csp_violations_watch(context)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_cookie(RETAILER, "low"),
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(reverse("marketplace:my_stores"))
    page.click(f"a[href='{reverse('marketplace:staff_listings', args=[store.slug])}']")
    page.locator(
        f"a[href='{reverse('marketplace:staff_listing_new', args=[store.slug])}']"
    ).first.click()

    page.fill("#id_title_fr", "Marteau de menuisier")
    page.fill("#id_description_fr", "Manche en frêne, tête forgée de 450 g.")
    page.fill("#id_title_en", "Claw hammer")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/produits/*/")
    listing = store.listings.get()
    assert listing.status == "draft"

    page.click("a[href$='variantes/nouvelle/']")
    page.fill("#id_sku", "MARTEAU-450")
    page.fill("#id_name", "450 g")
    page.fill("#id_price", "24,99")
    page.fill("#id_stock", "5")
    page.select_option("#id_size_class", "M")
    page.fill("#id_weight_grams", "700")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(f"**/produits/{listing.pk}/")
    assert listing.variants.get().price == Decimal("24.99")

    page.click("a[href$='photos/nouvelle/']")
    page.set_input_files(
        "#id_image", files=[{"name": "marteau.png", "mimeType": "image/png", "buffer": photo_png()}]
    )
    page.fill("#id_alt_fr", "Un marteau sur un établi")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(f"**/produits/{listing.pk}/")
    image = page.locator("[data-photo] img")
    image.wait_for()
    assert image.evaluate("img => img.complete && img.naturalWidth === 320")
    assert image.get_attribute("alt") == "Un marteau sur un établi"

    page.click("button[name=status][value=published]")
    page.wait_for_selector("[data-listing-status=published]")
    listing.refresh_from_db()
    assert listing.status == "published"

    page.goto(reverse("marketplace:store_detail", args=[store.slug]))
    assert "Marteau de menuisier" in page.content()
    context.close()
    assert violations == []
