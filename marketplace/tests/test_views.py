"""The marketplace pages, through HTTP as a browser sees them."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.templatetags.qc import money_format
from marketplace.models import ListingStatus, StoreStatus
from marketplace.services import listing_status_set, listing_upsert, store_staff_set

pytestmark = pytest.mark.django_db


def test_directory_is_french_by_default_and_lists_approved_stores_only(client, make_store):
    approved = make_store(neighbourhood="Limoilou")
    pending = make_store(status=StoreStatus.PENDING)
    suspended = make_store(status=StoreStatus.SUSPENDED)
    response = client.get("/boutiques/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr-CA"' in html
    assert approved.name in html
    assert "Limoilou" in html
    assert pending.name not in html
    assert suspended.name not in html


def test_directory_groups_by_city_then_neighbourhood(client, make_store):
    make_store(locality="Québec", neighbourhood="Saint-Roch")
    make_store(locality="Montréal", neighbourhood="Villeray")
    make_store(locality="Québec", neighbourhood="Limoilou")
    html = client.get("/boutiques/").content.decode()
    order = [html.index(f">{name}<") for name in ("Montréal", "Villeray", "Québec", "Limoilou")]
    assert order == sorted(order)
    assert html.index(">Limoilou<") < html.index(">Saint-Roch<")


def _directory_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/boutiques/").status_code == 200
    return len(queries)


def test_directory_costs_the_same_queries_for_3_and_12_stores(
    client, make_store, django_assert_max_num_queries
):
    for _ in range(3):
        make_store(listings=2)
    with django_assert_max_num_queries(2):
        few = _directory_queries(client)
    for _ in range(9):
        make_store(listings=4)
    with django_assert_max_num_queries(2):
        many = _directory_queries(client)
    assert few == many


def test_store_page_shows_variants_prices_and_availability_in_french(client, make_store):
    store = make_store(listings=1)
    response = client.get(reverse("marketplace:store_detail", args=[store.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr-CA"' in html
    assert "4,50\u00a0$" in html
    assert "1\u00a0234,50\u00a0$" in html
    assert "En stock" in html
    assert "En rupture de stock" in html


def test_store_page_in_english_writes_dollars_first(client, make_store):
    store = make_store(listings=1)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("marketplace:store_detail", args=[store.slug])).content.decode()
    assert '<html lang="en-CA"' in html
    assert "$4.50" in html
    assert "$1,234.50" in html


def test_store_page_hides_listings_not_published(client, make_store):
    store = make_store(listings=2)
    listing_status_set(
        listing=store.listings.get(slug="article-1"),
        status=ListingStatus.UNPUBLISHED,
        acting_user=None,
    )
    listing_upsert(store=store, slug="brouillon", title_fr="Brouillon", description_fr="Pas prêt.")
    html = client.get(reverse("marketplace:store_detail", args=[store.slug])).content.decode()
    assert "Article 0" in html
    assert "Article 1" not in html
    assert "Brouillon" not in html


def test_store_page_shows_english_titles_in_english(client, make_store):
    store = make_store(listings=1)
    listing_upsert(
        store=store,
        slug="article-1",
        title_fr="Miche",
        description_fr="Levain.",
        initial_status=ListingStatus.PUBLISHED,
    )
    url = reverse("marketplace:store_detail", args=[store.slug])
    french = client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert "Article 0" in french and "Item 0" not in french
    assert "Item 0" in english and "Article 0" not in english
    assert "Miche" in english  # no English title: the French one


def test_store_page_query_count_does_not_grow_with_listings(
    client, make_store, django_assert_max_num_queries
):
    from marketplace.tests.test_shopper_wiring import photo_row

    small = make_store(listings=1)
    large = make_store(listings=15)
    for listing in large.listings.all():
        photo_row(listing, 0)
        photo_row(listing, 1)
    for store in (small, large):
        # The store, its listings, their variants, their photos.
        with django_assert_max_num_queries(4):
            client.get(reverse("marketplace:store_detail", args=[store.slug]))


@pytest.mark.parametrize("status", [StoreStatus.PENDING, StoreStatus.SUSPENDED])
def test_store_page_of_a_store_not_approved_is_not_found(client, make_store, status):
    store = make_store(status=status)
    assert client.get(reverse("marketplace:store_detail", args=[store.slug])).status_code == 404


def test_my_stores_sends_a_visitor_to_sign_in(client):
    response = client.get(reverse("marketplace:my_stores"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("identity:login"))


def test_my_stores_is_forbidden_to_a_shopper(client, shopper):
    client.force_login(shopper)
    assert client.get(reverse("marketplace:my_stores")).status_code == 403


def test_my_stores_shows_store_staff_their_stores_and_stock(client, make_store, store_worker):
    mine = make_store(status=StoreStatus.PENDING, listings=1)
    other = make_store()
    store_staff_set(store=mine, user=store_worker, role="owner", acting_user=None)
    client.force_login(store_worker)
    response = client.get(reverse("marketplace:my_stores"))
    html = response.content.decode()
    assert response.status_code == 200
    assert mine.name in html
    assert other.name not in html
    assert f"{mine.slug}-0-A".upper() in html.upper()
    assert ">3</td>" in html
    assert "0 — en rupture de stock" in html


def test_my_stores_is_forbidden_once_the_person_left_their_last_store(
    client, make_store, store_worker
):
    """Working at a store is the StoreStaff row alone: without one, no staff page."""
    from marketplace.services import store_staff_remove

    store = make_store()
    store_staff_set(store=store, user=store_worker, acting_user=None)
    client.force_login(store_worker)
    assert client.get(reverse("marketplace:my_stores")).status_code == 200
    store_staff_remove(store=store, user=store_worker, acting_user=None)
    assert client.get(reverse("marketplace:my_stores")).status_code == 403


def test_my_stores_query_count_does_not_grow_with_stores(
    client, make_store, store_worker, django_assert_max_num_queries
):
    client.force_login(store_worker)
    store_staff_set(store=make_store(listings=1), user=store_worker, acting_user=None)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("marketplace:my_stores"))
        return len(queries)

    one = count()
    for _ in range(5):
        store_staff_set(store=make_store(listings=4), user=store_worker, acting_user=None)
    with django_assert_max_num_queries(one):
        count()


def test_nav_shows_my_store_to_store_staff_only(client, make_store, store_worker, shopper):
    store_staff_set(store=make_store(), user=store_worker, acting_user=None)
    client.force_login(shopper)
    assert reverse("marketplace:my_stores") not in client.get("/boutiques/").content.decode()
    client.force_login(store_worker)
    assert reverse("marketplace:my_stores") in client.get("/boutiques/").content.decode()


@pytest.mark.parametrize(
    ("amount", "language", "expected"),
    [
        (Decimal("7.5"), "fr", "7,50\u00a0$"),
        (Decimal("1234.5"), "fr", "1\u00a0234,50\u00a0$"),
        (Decimal("1234.5"), "en", "$1,234.50"),
        (Decimal("0.005"), "en", "$0.01"),
        (Decimal("-3"), "fr", "-3,00\u00a0$"),
        (12, "en", "$12.00"),
    ],
)
def test_money_is_written_as_the_language_writes_it(amount, language, expected):
    assert money_format(amount, language) == expected
