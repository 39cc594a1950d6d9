"""The shopper's pages wired together, over HTTP: photos on the catalogue's cards and a
listing's gallery, the add-to-cart forms of a listing (and the reason one is disabled),
the confirmation after adding, the header's cart link, and the store's page (position,
map link, search within the store, listings linking to the catalogue)."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from marketplace.models import CartLine, Listing, ListingPhoto
from marketplace.services import listing_photo_add, store_staff_set
from marketplace.tests.conftest import add_listing
from marketplace.tests.test_photos import image_bytes, upload

SEARCH = "/catalogue/"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def photo_row(listing: Listing, slot: int = 0) -> ListingPhoto:
    """A photo row without files: enough for pages that only print its addresses (a
    query-count test needs many; the service's checks are tested in test_photos)."""
    return ListingPhoto.objects.create(
        listing=listing,
        slot=slot,
        position=slot,
        image=f"listings/{listing.store_id}/{listing.pk}/p{slot}.webp",
        thumbnail_small=f"listings/{listing.store_id}/{listing.pk}/p{slot}-320.webp",
        thumbnail_large=f"listings/{listing.store_id}/{listing.pk}/p{slot}-960.webp",
        width=1200,
        height=900,
        alt_fr=f"Photo {slot} de {listing.title_fr}",
        alt_en=f"Photo {slot} of {listing.title_fr}",
    )


def listing_url(listing: Listing) -> str:
    return reverse("catalogue:listing", args=[listing.store.slug, listing.slug])


# --- Photos in the catalogue -----------------------------------------------------------


def test_a_card_shows_the_first_photo_small_with_its_description(
    client, make_store, store_worker, media_root
):
    store = make_store(slug="boulangerie", listings=0)
    store_staff_set(store=store, user=store_worker, acting_user=None)
    with_photo = add_listing(store, "Pain de seigle")
    add_listing(store, "Pain sans photo")
    photo = listing_photo_add(
        listing=with_photo,
        upload=upload(image_bytes()),
        alt_fr="Une miche de seigle tranchée",
        acting_user=store_worker,
    )
    body = client.get(SEARCH, {"q": "pain"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f'src="{photo.thumbnail_small.url}"' in body
    assert 'alt="Une miche de seigle tranchée"' in body
    assert 'width="320" height="213"' in body
    # The listing without a photo keeps the parcel drawing, with an empty alt.
    assert "img/product-placeholder.svg" in body
    # The thumbnail is served (make run's media route) and is an image.
    served = client.get(photo.thumbnail_small.url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content)[:4] == b"RIFF"


def test_the_catalogue_costs_the_same_queries_with_photos_for_10_and_50_results(client, make_store):
    store = make_store(slug="beaucoup", listings=0)
    for index in range(50):
        listing = add_listing(store, f"Pain numéro {index}", prices=("3.00", "4.00"))
        photo_row(listing, 0)
        photo_row(listing, 1)
    client.get(SEARCH)  # the session and the language settle
    counts = {}
    for size in (10, 50):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(SEARCH, {"q": "pain", "per_page": size})
        assert len(response.context["page"].results) == size
        assert response.content.decode().count("-320.webp") == size
        counts[size] = len(captured.captured_queries)
    assert counts[10] == counts[50]


def test_the_listing_page_shows_a_gallery_of_large_thumbnails(client, make_store):
    store = make_store(slug="boulangerie", listings=0)
    listing = add_listing(store, "Miche")
    first, second = photo_row(listing, 0), photo_row(listing, 1)
    body = client.get(listing_url(listing), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "data-listing-gallery" in body
    for photo in (first, second):
        assert f'src="{photo.thumbnail_large.url}"' in body
        assert f'href="{photo.image.url}"' in body
        assert f'alt="{photo.alt_fr}"' in body
    assert body.index(first.thumbnail_large.url) < body.index(second.thumbnail_large.url)


def test_the_listing_page_costs_the_same_queries_with_1_and_8_photos(client, make_store):
    store = make_store(slug="boulangerie", listings=0)
    one, eight = add_listing(store, "Miche"), add_listing(store, "Baguette")
    photo_row(one)
    for slot in range(8):
        photo_row(eight, slot)
    client.get(listing_url(one))
    counts = []
    for listing in (one, eight):
        with CaptureQueriesContext(connection) as captured:
            client.get(listing_url(listing))
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


# --- Adding to the cart from a listing ---------------------------------------------------


def test_the_listing_page_has_a_form_per_variant_in_stock_and_says_why_not(client, make_store):
    store = make_store(slug="boulangerie")  # "Petit" in stock, "Grand" out of stock
    listing = store.listings.get(slug="article-0")
    small, large = listing.variants.order_by("price")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the site reads no Accept-Language
    body = client.get(listing_url(listing)).content.decode()
    assert f'data-add-to-cart="{small.pk}"' in body
    assert f'name="variant" value="{small.pk}"' in body
    assert f'name="next" value="{listing_url(listing)}"' in body
    assert f'name="variant" value="{large.pk}"' not in body
    assert f'data-add-to-cart-unavailable="{large.pk}"' in body
    assert "disabled" in body and "The store has none left for now." in body


def test_adding_from_the_listing_comes_back_to_it_with_a_confirmation(client, make_store):
    store = make_store(slug="boulangerie")
    listing = store.listings.get(slug="article-0")
    small = listing.variants.get(name="Petit")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        reverse("cart:add"),
        {"variant": small.pk, "quantity": "2", "next": listing_url(listing)},
        follow=True,
    )
    assert response.redirect_chain == [(listing_url(listing), 302)]
    body = response.content.decode()
    # In English, the listing's English title.
    assert "Item 0 — Petit (quantity in your cart: 2)." in body
    # The header's cart link counts the items.
    assert 'data-cart-count="2"' in body
    assert CartLine.objects.get().quantity == 2


def test_a_next_address_off_the_site_is_ignored(client, make_store):
    store = make_store(slug="boulangerie")
    small = store.listings.get(slug="article-0").variants.get(name="Petit")
    for target in ("https://evil.example/", "//evil.example/", "catalogue/"):
        response = client.post(
            reverse("cart:add"), {"variant": small.pk, "quantity": "1", "next": target}
        )
        assert response.status_code == 302
        assert response.url == reverse("cart:detail")


def test_a_refused_addition_is_a_400_with_the_reason(client, make_store):
    store = make_store(slug="boulangerie")
    large = store.listings.get(slug="article-0").variants.get(name="Grand")  # no stock
    response = client.post(
        reverse("cart:add"), {"variant": large.pk, "quantity": "1", "next": "/catalogue/"}
    )
    assert response.status_code == 400
    assert not CartLine.objects.exists()


# --- The header's cart link --------------------------------------------------------------


def test_the_cart_link_counts_a_visitors_items_with_one_query(client, make_store):
    store = make_store(slug="boulangerie")
    small = store.listings.get(slug="article-0").variants.get(name="Petit")
    home = reverse("home")
    body = client.get(home).content.decode()
    assert 'data-cart-count="0"' in body
    client.post(reverse("cart:add"), {"variant": small.pk, "quantity": "3"})
    with CaptureQueriesContext(connection) as captured:
        body = client.get(home).content.decode()
    assert 'data-cart-count="3"' in body
    assert f'href="{reverse("cart:detail")}"' in body
    cart_queries = [q["sql"] for q in captured.captured_queries if "cartline" in q["sql"]]
    assert len(cart_queries) == 1


def test_the_cart_link_of_a_signed_in_person_costs_no_query_of_its_own(
    client, make_store, shopper, sign_in_at
):
    store = make_store(slug="boulangerie")
    small = store.listings.get(slug="article-0").variants.get(name="Petit")
    sign_in_at(client, shopper, "low")
    client.post(reverse("cart:add"), {"variant": small.pk, "quantity": "2"})
    with CaptureQueriesContext(connection) as captured:
        body = client.get(reverse("home")).content.decode()
    assert 'data-cart-count="2"' in body
    # Counted inside the header's one query about the person (roles, store work).
    cart_queries = [q["sql"] for q in captured.captured_queries if "cartline" in q["sql"]]
    assert len(cart_queries) == 1
    assert "auth_group" in cart_queries[0]


# --- The store's page ---------------------------------------------------------------------


def test_the_store_page_shows_its_position_and_a_map_link(client, make_store, settings):
    store = make_store(slug="boulangerie")
    url = reverse("marketplace:store_detail", args=[store.slug])
    french = client.get(url).content.decode()
    with translation.override("fr"):
        west = translation.pgettext("compass point", "W")
    assert f"46,81396°\u00a0N, 71,22531°\u00a0{west}" in french
    assert (
        'href="https://www.openstreetmap.org/?mlat=46.813960&amp;mlon=-71.225310'
        '#map=17/46.813960/-71.225310"' in french
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert "46.81396°\u00a0N, 71.22531°\u00a0W" in english


def test_the_store_page_searches_the_store_and_links_its_listings(client, make_store):
    store = make_store(slug="boulangerie")
    listing = store.listings.get(slug="article-0")
    photo = photo_row(listing)
    body = client.get(reverse("marketplace:store_detail", args=[store.slug])).content.decode()
    assert f'action="{SEARCH}"' in body
    assert 'name="store" value="boulangerie"' in body
    assert f'href="{listing_url(listing)}"' in body
    assert f'src="{photo.thumbnail_small.url}"' in body
    # The catalogue answers the store page's search with that store's listings only.
    make_store(slug="autre")
    response = client.get(SEARCH, {"store": "boulangerie", "q": "article"})
    assert {result.listing.store.slug for result in response.context["page"].results} == {
        "boulangerie"
    }
